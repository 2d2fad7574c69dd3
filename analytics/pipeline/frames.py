"""One row per customer: the SQL aggregates of a chunk, converted to the base currency.

Money stays ``Decimal`` (object columns): aggregates are exact sums and the FX
rate is a Decimal, so revenue, costs and contribution are exact before they are
rounded once where stored. Counts and dates are plain columns. A customer with
an amount in a currency that has no FX rate gets NaN-free but ``None`` money
and the currency in ``fx_missing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from analytics.models import FxRate
from analytics.pipeline import queries
from analytics.pipeline.config import PipelineConfig
from analytics.pipeline.queries import Window, to_decimal

MONEY_COLUMNS = [
    "margin_all",
    "revenue_12m",
    "cogs_12m",
    "late_amount_days",
    "paid_total_12m",
    "open_late_amount_days",
    "paid_late_amount_days",
    "credit_notes_12m",
    "write_offs_12m",
]


def fx_rates_as_of(*, as_of: date, base_currency: str) -> dict[str, Decimal]:
    """The latest rate of each currency dated on or before ``as_of``; the base currency is 1."""
    rates: dict[str, Decimal] = {}
    for currency, rate in (
        FxRate.objects.filter(date__lte=as_of)
        .order_by("currency", "date")
        .values_list("currency", "rate")
    ):
        rates[currency] = rate  # ordered by date: the last one wins
    rates[base_currency] = Decimal(1)
    return rates


@dataclass
class ChunkFrame:
    customers: pd.DataFrame  # one row per customer id in the range
    missing_currencies: set[str]


def build(
    *,
    window: Window,
    first_id: int,
    last_id: int,
    config: PipelineConfig,
    rates: dict[str, Decimal],
    full: bool = True,
) -> ChunkFrame:
    """Aggregate one chunk. ``full=False`` reads only what the portfolio pass needs."""
    invoices = queries.invoice_aggregates(
        window=window, first_id=first_id, last_id=last_id, config=config
    )
    money_frames = [
        queries.credit_note_aggregates(window=window, first_id=first_id, last_id=last_id)
    ]
    if full:
        money_frames += [
            queries.allocation_aggregates(window=window, first_id=first_id, last_id=last_id),
            queries.write_off_aggregates(window=window, first_id=first_id, last_id=last_id),
        ]
    per_currency = invoices
    for frame in money_frames:
        per_currency = per_currency.merge(frame, on=["customer_id", "currency"], how="outer")
    for column in MONEY_COLUMNS:
        if column not in per_currency:
            per_currency[column] = None
    attributes = queries.customer_attributes(first_id=first_id, last_id=last_id)
    customers, missing = _to_base_currency(per_currency, rates)
    customers = attributes.join(customers, how="left")
    for column in ("invoices_all", "invoices_12m", "max_days_past_due"):
        customers[column] = customers[column].fillna(0).astype("int64")
    customers["fx_missing"] = customers["fx_missing"].apply(
        lambda value: value if isinstance(value, tuple) else ()
    )
    for column in MONEY_COLUMNS:
        customers[column] = customers[column].astype(object)
        no_invoices = customers["invoices_all"] == 0
        # Customers without invoices have nothing to convert: their money is zero.
        customers.loc[no_invoices & customers[column].isna(), column] = Decimal(0)
    if full:
        counts, problems = queries.count_aggregates(
            window=window, first_id=first_id, last_id=last_id, config=config
        )
        customers = customers.join(counts, how="left")
        for column in ("dunning_notices_12m", "disputes_12m", "activities_12m"):
            if column not in customers:
                customers[column] = 0
            customers[column] = customers[column].fillna(0).astype("int64")
        customers.attrs["problems"] = problems
    return ChunkFrame(customers=customers, missing_currencies=missing)


def _to_base_currency(
    per_currency: pd.DataFrame, rates: dict[str, Decimal]
) -> tuple[pd.DataFrame, set[str]]:
    if per_currency.empty:
        empty = pd.DataFrame(
            columns=[
                *MONEY_COLUMNS,
                "invoices_all",
                "invoices_12m",
                "max_days_past_due",
                "first_issue",
                "last_issue",
                "fx_missing",
            ]
        )
        empty.index.name = "customer_id"
        return empty, set()
    rate_column = per_currency["currency"].map(rates)
    has_rate = rate_column.notna().to_numpy()
    missing = set(per_currency.loc[~has_rate, "currency"])
    for column in MONEY_COLUMNS:
        per_currency[column] = [
            to_decimal(value) * rate if ok else None
            for value, rate, ok in zip(per_currency[column], rate_column, has_rate, strict=True)
        ]
    per_currency["fx_missing"] = np.where(has_rate, "", per_currency["currency"])
    for column in ("first_issue", "last_issue"):
        per_currency[column] = pd.to_datetime(per_currency[column])
    grouped = per_currency.groupby("customer_id", sort=True)
    customers = pd.DataFrame(
        {
            "invoices_all": grouped["invoices_all"].sum(min_count=1),
            "invoices_12m": grouped["invoices_12m"].sum(min_count=1),
            "max_days_past_due": grouped["max_days_past_due"].max(),
            "first_issue": grouped["first_issue"].min(),
            "last_issue": grouped["last_issue"].max(),
            "fx_missing": grouped["fx_missing"].agg(
                lambda values: tuple(sorted({value for value in values if value}))
            ),
        }
    )
    for column in MONEY_COLUMNS:
        customers[column] = grouped[column].agg(_sum_or_none)
    return customers, missing


def _sum_or_none(values: pd.Series):
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total
