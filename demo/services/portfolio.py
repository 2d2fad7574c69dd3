"""Generating the demo portfolio into an empty database."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import transaction

from crm.exceptions import Conflict, ValidationFailed
from customers.models import Customer
from demo.generator.assemble import TABLES, ChunkSpec, chunk_generate
from demo.generator.pipeline import ahead
from demo.generator.reps import sales_reps_ensure
from demo.generator.timeline import Timeline, add_months
from demo.generator.writers import Encoded, writer_for_connection
from demo.services.fx import demo_fx_rates_seed
from receivables.services.balances import customer_balances_refresh

CHUNK_SIZE = 10_000
MAX_CUSTOMERS = 5_000_000
MAX_MONTHS = 120
MAX_INVOICES_PER_CUSTOMER = 1_000
EARLIEST_AS_OF, LATEST_AS_OF = date(2000, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class PortfolioOptions:
    """Everything the portfolio depends on: the same options give the same rows."""

    customers: int
    seed: int
    as_of: date
    months: int = 24
    invoices_per_customer: int = 20


@dataclass
class SeedSummary:
    options: PortfolioOptions
    created: bool  # False when skipped because customers exist
    counts: Counter = field(default_factory=Counter)
    rows: int = 0
    sales_reps: int = 0
    sales_reps_created: int = 0
    seconds: float = 0.0
    existing_customers: int = 0


def _integer(name: str, value: object, *, low: int, high: int, label: str) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed.for_field(
            name, f"The {label} must be a whole number; got {value!r}."
        ) from None
    if not low <= number <= high:
        raise ValidationFailed.for_field(
            name, f"The {label} must be between {low:,} and {high:,}; got {number:,}."
        )
    return number


def _as_of(value: date | str | None, today: date) -> date:
    if value is None or value == "":
        return today
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed.for_field(
                "as_of",
                f"The as-of date must be a date written YYYY-MM-DD, e.g. 2025-06-30; got {value!r}.",
            ) from None
    if not EARLIEST_AS_OF <= value <= LATEST_AS_OF:
        raise ValidationFailed.for_field(
            "as_of",
            f"The as-of date must be between {EARLIEST_AS_OF} and {LATEST_AS_OF}; got {value}.",
        )
    return value


def portfolio_options(
    *,
    customers: object,
    seed: object,
    as_of: date | str | None,
    today: date,
    months: object = 24,
    invoices_per_customer: object = 20,
) -> PortfolioOptions:
    """Check and normalise the generator's options; ``as_of`` defaults to ``today``."""
    return PortfolioOptions(
        customers=_integer(
            "customers", customers, low=1, high=MAX_CUSTOMERS, label="number of customers"
        ),
        seed=_integer("seed", seed, low=0, high=2**63 - 1, label="seed"),
        as_of=_as_of(as_of, today),
        months=_integer("months", months, low=1, high=MAX_MONTHS, label="number of months"),
        invoices_per_customer=_integer(
            "invoices_per_customer",
            invoices_per_customer,
            low=1,
            high=MAX_INVOICES_PER_CUSTOMER,
            label="average number of invoices per customer",
        ),
    )


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def portfolio_seed(
    *,
    options: PortfolioOptions,
    if_empty: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SeedSummary:
    """Generate the demo portfolio in one transaction.

    Refuses (Conflict) when the database already has customers, or returns a
    summary with ``created=False`` when ``if_empty`` is set.
    """
    started = time.perf_counter()
    summary = SeedSummary(options=options, created=False)
    spec = ChunkSpec(
        timeline=Timeline.build(as_of=options.as_of, months=options.months),
        invoices_per_customer=options.invoices_per_customer,
        code_width=max(6, len(str(options.customers))),
    )
    with transaction.atomic():
        existing = Customer.objects.count()
        if existing:
            if if_empty:
                summary.existing_customers = existing
                return summary
            raise Conflict(
                f"The database already has {existing:,} customers; the demo portfolio is only "
                "generated into an empty database.",
                code="demo_database_not_empty",
                extra={"existing_customers": existing},
            )
        writer = writer_for_connection()
        writer.start(TABLES)
        reps = sales_reps_ensure(_rng(options.seed, 0), customers=options.customers)

        def chunks() -> Iterator[tuple[int, Counter, list[Encoded]]]:
            for number, first in enumerate(range(0, options.customers, CHUNK_SIZE)):
                ordinals = np.arange(first, min(first + CHUNK_SIZE, options.customers))
                chunk = chunk_generate(
                    _rng(options.seed, 1, number),
                    ordinals=ordinals,
                    spec=spec,
                    reps=reps,
                    writer=writer,
                )
                yield len(ordinals), chunk.counts, [writer.encode(rows) for rows in chunk.rows]

        done = 0
        for customers, counts, encoded in ahead(chunks):
            for table in encoded:
                writer.load(table)
            done += customers
            summary.counts.update(counts)
            if progress:
                progress(
                    f"{done:,}/{options.customers:,} customers, {writer.rows_written:,} rows, "
                    f"{time.perf_counter() - started:.1f} s"
                )
        writer.finish()
        # The rows were written in bulk, not through the ledger services: build
        # the maintained customer balances from them, as of today.
        if progress:
            progress("building customer balances")
        customer_balances_refresh()
        # Base-currency reporting (analytics) needs a rate for every ledger currency
        # from the first day of the history on.
        demo_fx_rates_seed(valid_from=add_months(options.as_of, -options.months - 1))
    writer.analyze()
    summary.created = True
    summary.rows = writer.rows_written
    summary.sales_reps = len(reps.user_ids)
    summary.sales_reps_created = reps.created
    summary.seconds = time.perf_counter() - started
    return summary
