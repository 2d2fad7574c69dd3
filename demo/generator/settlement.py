"""How each invoice gets settled, driven by its customer's hidden propensity to pay late.

Every invoice gets a plan: a day it would be paid in full (or never), maybe a
first partial payment, a dispute, a credit note or a write-off. The ledger as
of the as-of day keeps the events dated before that day; the invoice's
maintained amounts and status are derived from exactly those events, the way
``receivables.services`` derive them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.generator import words
from demo.generator.invoicing import Invoices
from demo.generator.timeline import NEVER, Timeline, next_business_day, next_payment_run
from demo.generator.traits import Customers

NULL_DAY = -1


@dataclass(frozen=True)
class Events:
    """Rows of one kind of ledger event; ``invoice`` indexes the chunk's invoices."""

    invoice: np.ndarray
    amount: np.ndarray  # minor units
    day: np.ndarray
    text: np.ndarray  # reason

    def __len__(self) -> int:
        return len(self.invoice)


@dataclass(frozen=True)
class Disputes:
    invoice: np.ndarray
    opened: np.ndarray
    resolved: np.ndarray  # NULL_DAY while open
    reason: np.ndarray
    resolution: np.ndarray

    def __len__(self) -> int:
        return len(self.invoice)


@dataclass(frozen=True)
class Ledger:
    """Each invoice's maintained fields as of the as-of day, and the events behind them."""

    amount_paid: np.ndarray
    amount_credited: np.ndarray
    amount_written_off: np.ndarray
    open_amount: np.ndarray
    status: np.ndarray
    paid_date: np.ndarray  # NULL_DAY unless settled
    is_disputed: np.ndarray
    last_change: np.ndarray  # day of the last event, for updated_at
    late_paid_amount_days: np.ndarray  # Σ allocation amount (minor units) × days after due
    allocations: Events
    credit_notes: Events  # applied to an invoice
    write_offs: Events
    disputes: Disputes


def _pick(rng: np.random.Generator, options: tuple[str, ...], n: int) -> np.ndarray:
    return np.array(options)[rng.integers(0, len(options), n)]


def _events(mask: np.ndarray, amount: np.ndarray, day: np.ndarray, text: np.ndarray) -> Events:
    rows = np.flatnonzero(mask)
    return Events(invoice=rows, amount=amount[rows], day=day[rows], text=text[rows])


def _late_paid_amount_days(allocations: Events, due: np.ndarray) -> np.ndarray:
    """Per invoice, Σ amount × days applied after the due date (minor units × days), as
    ``receivables.services`` maintain it. Integers throughout, so exact."""
    days_late = np.maximum(allocations.day - due[allocations.invoice], 0)
    late = np.zeros(len(due), dtype=np.int64)
    np.add.at(late, allocations.invoice, allocations.amount.astype(np.int64) * days_late)
    return late


@dataclass(frozen=True)
class _Happened:
    """Which planned events of each invoice happened before the as-of day."""

    live: np.ndarray
    credited: np.ndarray
    first_paid: np.ndarray
    rest_paid: np.ndarray
    written: np.ndarray

    def amounts(
        self, total: np.ndarray, credit: np.ndarray, first: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(paid, credited, written off, open) in minor units."""
        rest = total - credit - first
        paid = np.where(self.first_paid, first, 0) + np.where(self.rest_paid, rest, 0)
        credited = np.where(self.credited, credit, 0)
        written_off = np.where(self.written, rest, 0)
        open_amount = np.where(self.live, total - paid - credited - written_off, 0)
        return paid, credited, written_off, open_amount


def invoices_settle(
    rng: np.random.Generator, customers: Customers, invoices: Invoices, *, timeline: Timeline
) -> Ledger:
    m, today = len(invoices), timeline.today
    owner, issue, due, total = invoices.owner, invoices.issue, invoices.due, invoices.total
    propensity = customers.propensity[owner]
    live = ~invoices.is_void

    # The day the customer would pay in full: on time (or a little early), or late.
    on_time = rng.random(m) < (1 - propensity) ** 1.6
    early = np.maximum(rng.integers(-10, 3, m), -(customers.terms[owner] // 2))
    late = 1 + customers.habit[owner] + rng.gamma(1.3, 6 + 60 * propensity**2, m)
    # Customers prone to paying late now and then let an invoice slip for months.
    slips = rng.random(m) < 0.6 * propensity**2
    late = np.where(slips, rng.uniform(30, 240, m), late)
    on_time &= ~slips
    pays = np.maximum(due + np.where(on_time, early, late).astype(np.int64), issue + 1)
    never = live & (rng.random(m) < 0.45 * propensity**3)

    # Disputes: opened some days after issue; open ones hold the payment back.
    disputed = live & (rng.random(m) < 0.008 + 0.06 * propensity)
    opened = issue + rng.integers(5, 46, m)
    disputed &= opened < today
    resolved = opened + rng.integers(5, 121, m)
    dispute_open = disputed & (resolved >= today)
    dispute_credit = disputed & ~dispute_open & (rng.random(m) < 0.5)
    pays = np.where(disputed, np.maximum(pays, resolved + rng.integers(1, 16, m)), pays)

    # Credit notes: granted on a dispute, or for returns and pricing errors.
    other_credit = live & ~disputed & (rng.random(m) < 0.015)
    has_credit = dispute_credit | other_credit
    credit_day = np.where(dispute_credit, resolved, issue + rng.integers(2, 26, m))
    credit_share = np.where(dispute_credit, rng.uniform(0.10, 0.50, m), rng.uniform(0.05, 0.25, m))
    credit = np.where(has_credit, np.maximum(1, np.rint(total * credit_share)), 0).astype(np.int64)
    pays = np.where(has_credit, np.maximum(pays, credit_day), pays)

    # Batch payers pay on their monthly payment run; everyone pays on business days.
    batch = customers.is_batch_payer[owner]
    pays = np.where(batch, next_payment_run(pays), next_business_day(pays))
    pays = np.where(never | dispute_open | ~live, NEVER, pays)

    # Some invoices are paid in two parts; a defaulting customer may pay a first part only.
    split = live & ~disputed & (rng.random(m) < 0.03 + 0.2 * propensity)
    first_day = np.where(
        never,
        due + rng.integers(-5, 61, m),
        issue
        + ((np.minimum(pays, today + 400) - issue) * rng.uniform(0.2, 0.6, m)).astype(np.int64),
    )
    first_day = next_business_day(first_day)
    split &= first_day < pays
    first = np.where(
        split,
        np.clip(np.rint((total - credit) * rng.uniform(0.25, 0.75, m)), 1, total - credit - 1),
        0,
    ).astype(np.int64)

    # Write-offs: only very late invoices of customers prone to default.
    written = never & ~dispute_open & (propensity >= 0.4) & (rng.random(m) < 0.75)
    write_off_day = due + rng.integers(120, 361, m)
    write_off_day = np.maximum(write_off_day, np.where(split, first_day + 1, 0))
    write_off_day = np.maximum(write_off_day, np.where(has_credit, credit_day + 1, 0))
    written &= write_off_day < today

    happened = _Happened(
        live=live,
        credited=has_credit & (credit_day < today),
        first_paid=split & (first_day < today),
        rest_paid=pays < today,
        written=written,
    )
    rest = total - credit - first
    amount_paid, amount_credited, amount_written_off, open_amount = happened.amounts(
        total, credit, first
    )
    credited, first_paid, rest_paid = happened.credited, happened.first_paid, happened.rest_paid

    settled = live & (open_amount == 0)
    status = np.select(
        [~live, settled & written, settled, (amount_paid > 0) | (amount_credited > 0)],
        ["void", "written_off", "paid", "partially_paid"],
        default="open",
    )
    paid_date = np.select([settled & written, settled], [write_off_day, pays], default=NULL_DAY)
    last_change = np.maximum.reduce(
        [
            issue,
            np.where(first_paid, first_day, 0),
            np.where(rest_paid, pays, 0),
            np.where(credited, credit_day, 0),
            np.where(written, write_off_day, 0),
            np.where(disputed, np.where(dispute_open, opened, resolved), 0),
        ]
    )

    credit_reason = np.where(
        dispute_credit, words.DISPUTE_CREDIT_REASON, _pick(rng, words.CREDIT_NOTE_REASONS, m)
    )
    allocations_first = _events(first_paid, first, first_day, np.full(m, ""))
    allocations_rest = _events(rest_paid, rest, pays, np.full(m, ""))
    allocation_order = np.lexsort(
        (
            np.concatenate([allocations_first.day, allocations_rest.day]),
            np.concatenate([allocations_first.invoice, allocations_rest.invoice]),
        )
    )
    allocations = Events(
        *(
            np.concatenate([getattr(allocations_first, name), getattr(allocations_rest, name)])[
                allocation_order
            ]
            for name in ("invoice", "amount", "day", "text")
        )
    )
    dispute_rows = np.flatnonzero(disputed)
    return Ledger(
        late_paid_amount_days=_late_paid_amount_days(allocations, due),
        amount_paid=amount_paid,
        amount_credited=amount_credited,
        amount_written_off=amount_written_off,
        open_amount=open_amount,
        status=status,
        paid_date=paid_date,
        is_disputed=dispute_open,
        last_change=last_change,
        allocations=allocations,
        credit_notes=_events(credited, credit, credit_day, credit_reason),
        write_offs=_events(written, rest, write_off_day, _pick(rng, words.WRITE_OFF_REASONS, m)),
        disputes=Disputes(
            invoice=dispute_rows,
            opened=opened[dispute_rows],
            resolved=np.where(dispute_open, NULL_DAY, resolved)[dispute_rows],
            reason=_pick(rng, words.DISPUTE_REASONS, m)[dispute_rows],
            resolution=np.select(
                [dispute_open, dispute_credit],
                ["", words.RESOLUTION_CREDIT],
                default=words.RESOLUTION_ACCEPTED,
            )[dispute_rows],
        ),
    )
