"""One row per customer: the SQL aggregates of a chunk, converted to the base currency.

Money stays ``Decimal`` (object columns): aggregates are exact sums and the FX
rate is a Decimal, so revenue, costs and contribution are exact before they are
rounded once where stored. Counts and dates are plain columns. A customer with
an amount in a currency that has no FX rate gets NaN-free but ``None`` money
and the currency in ``fx_missing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

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
    """Convert each (customer, currency) row and add them up per customer.

    One pass in plain Python: most customers have one currency, and exact
    Decimal sums do not vectorise anyway.
    """
    columns = [
        "invoices_all",
        "invoices_12m",
        "max_days_past_due",
        "first_issue",
        "last_issue",
        "fx_missing",
        *MONEY_COLUMNS,
    ]
    missing: set[str] = set()
    customers: dict[int, dict] = {}
    names = list(per_currency.columns)
    # Plain lists, zipped: much cheaper than building one dict per row.
    for values in zip(*(per_currency[name].tolist() for name in names), strict=True):
        row = dict(zip(names, values, strict=True))
        rate = rates.get(row["currency"])
        if rate is None:
            missing.add(row["currency"])
        customer = customers.get(row["customer_id"])
        if customer is None:
            customer = customers[row["customer_id"]] = {
                "invoices_all": 0,
                "invoices_12m": 0,
                "max_days_past_due": 0,
                "first_issue": None,
                "last_issue": None,
                "fx_missing": (),
                **dict.fromkeys(MONEY_COLUMNS, Decimal(0)),
            }
        customer["invoices_all"] += _count(row.get("invoices_all"))
        customer["invoices_12m"] += _count(row.get("invoices_12m"))
        customer["max_days_past_due"] = max(
            customer["max_days_past_due"], _count(row.get("max_days_past_due"))
        )
        for key, pick in (("first_issue", min), ("last_issue", max)):
            value = row.get(key)
            if value is not None and value == value:  # not NaN
                value = _date(value)
                customer[key] = value if customer[key] is None else pick(customer[key], value)
        if rate is None:
            customer["fx_missing"] = tuple(sorted({*customer["fx_missing"], row["currency"]}))
            for column in MONEY_COLUMNS:
                customer[column] = None
        elif not customer["fx_missing"]:
            for column in MONEY_COLUMNS:
                value = row.get(column)
                if value is not None and value == value and value != 0:
                    customer[column] += to_decimal(value) * rate
    frame = pd.DataFrame.from_dict(customers, orient="index", columns=columns)
    frame.index.name = "customer_id"
    for column in ("first_issue", "last_issue"):
        frame[column] = pd.to_datetime(frame[column])
    return frame, missing


def _count(value) -> int:
    if value is None or value != value:
        return 0
    return int(value)


def _date(value) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value
