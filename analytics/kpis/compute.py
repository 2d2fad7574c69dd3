"""Portfolio KPIs of one day: cells from SQL, rolled up per dimension, in the base currency.

``kpi_rows_compute`` reads; ``analytics.kpis.services`` stores what it returns.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model

from analytics.kpis import formulas
from analytics.kpis.aggregates import Cell, CellFigures, cell_figures
from analytics.pipeline.rates import fx_rates_as_of
from crm.money import quantize
from receivables.aging import aging_buckets

PORTFOLIO = "portfolio"
TIER = "tier"
REGION = "region"
SALES_REP = "sales_rep"
DIMENSIONS = (PORTFOLIO, TIER, REGION, SALES_REP)

# dimension -> the key of a cell in it ("" for the whole portfolio and for "no sales rep")
_KEY_OF: dict[str, Callable[[Cell], str]] = {
    PORTFOLIO: lambda cell: "",
    TIER: lambda cell: cell[0],
    REGION: lambda cell: cell[1],
    SALES_REP: lambda cell: "" if cell[2] is None else str(cell[2]),
}


@dataclass
class KpiRow:
    """The KPIs of one dimension key on one day, amounts in ``currency`` (the base currency)."""

    as_of: date
    dimension: str
    key: str
    label: str
    currency: str
    period_days: int
    beginning_ar: Decimal = Decimal("0")
    ending_ar: Decimal = Decimal("0")
    ending_current_ar: Decimal = Decimal("0")
    ar_over_90: Decimal = Decimal("0")
    credit_sales: Decimal = Decimal("0")
    write_offs: Decimal = Decimal("0")
    customer_count: int = 0
    dso: Decimal | None = None
    countback_dso: Decimal | None = None
    best_possible_dso: Decimal | None = None
    average_days_delinquent: Decimal | None = None
    collection_effectiveness_index: Decimal | None = None
    bad_debt_ratio: Decimal | None = None
    over_90_percent: Decimal | None = None
    missing_fx_currencies: list[str] = field(default_factory=list)
    aging_buckets: list[dict[str, str]] = field(default_factory=list)  # key, label, amount
    monthly_sales: dict[date, Decimal] = field(default_factory=dict)
    bucket_sums: dict[str, Decimal] = field(default_factory=dict)


def countback_months(as_of: date, months: int) -> list[tuple[date, int]]:
    """``(first day, days counted)`` of the ``months`` calendar months back from ``as_of``,
    newest first; the month of ``as_of`` counts its days up to and including ``as_of``."""
    result = [(as_of.replace(day=1), as_of.day)]
    first = as_of.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        result.append((first, calendar.monthrange(first.year, first.month)[1]))
    return result


def kpi_rows_compute(*, as_of: date) -> list[KpiRow]:
    """Every dimension's KPIs on ``as_of``: the portfolio, each tier, region and sales rep.

    The period is the ``ANALYTICS_KPI_PERIOD_DAYS`` days ending on ``as_of``;
    countback DSO looks back ``ANALYTICS_KPI_COUNTBACK_MONTHS`` calendar months.
    Amounts are converted with the rate of each currency on ``as_of``; a
    currency without a rate is left out of the figures and named in
    ``missing_fx_currencies`` of every row it would have been in.
    """
    period_days: int = settings.ANALYTICS_KPI_PERIOD_DAYS
    base: str = settings.CRM_BASE_CURRENCY
    months = countback_months(as_of, settings.ANALYTICS_KPI_COUNTBACK_MONTHS)
    cells = cell_figures(as_of=as_of, period_days=period_days, countback_start=months[-1][0])
    rates = fx_rates_as_of(as_of=as_of, base_currency=base)  # the pipeline's rule, shared

    rows: dict[tuple[str, str], KpiRow] = {}
    missing: dict[tuple[str, str], set[str]] = defaultdict(set)
    labels = _labels(cells)
    for dimension in DIMENSIONS:
        if dimension == PORTFOLIO:
            # The portfolio always has a row, even when it is empty.
            rows[(dimension, "")] = KpiRow(as_of, dimension, "", "", base, period_days)
        for cell, figures in sorted(cells.items(), key=lambda item: _sort_key(item[0])):
            key = _KEY_OF[dimension](cell)
            row = rows.get((dimension, key))
            if row is None:
                row = rows[(dimension, key)] = KpiRow(
                    as_of, dimension, key, labels[dimension].get(key, ""), base, period_days
                )
            row.customer_count += figures.customers
            rate = rates.get(cell[3])
            if rate is None:
                missing[(dimension, key)].add(cell[3])
                continue
            _add(row, figures, rate)
    for (dimension, key), row in rows.items():
        row.missing_fx_currencies = sorted(missing[(dimension, key)])
        _finish(row, months, base)
    return sorted(rows.values(), key=lambda row: (DIMENSIONS.index(row.dimension), row.key))


def _sort_key(cell: Cell) -> tuple:
    return (cell[0], cell[1], cell[2] or 0, cell[3])


def _labels(cells: dict[Cell, CellFigures]) -> dict[str, dict[str, str]]:
    """What a person reads for a key: stored with the row (tier and region labels are
    translated when shown; the username is what it was on the day)."""
    rep_ids = {cell[2] for cell in cells if cell[2] is not None}
    usernames = dict(get_user_model().objects.filter(pk__in=rep_ids).values_list("pk", "username"))
    return {
        PORTFOLIO: {},
        TIER: {cell[0]: cell[0] for cell in cells},
        REGION: {cell[1]: cell[1] for cell in cells},
        SALES_REP: {str(pk): name for pk, name in usernames.items()},
    }


def _add(row: KpiRow, figures: CellFigures, rate: Decimal) -> None:
    row.beginning_ar += figures.beginning.total * rate
    row.ending_ar += figures.ending.total * rate
    row.ending_current_ar += figures.ending.current * rate
    row.ar_over_90 += figures.ending.over_90 * rate
    row.credit_sales += figures.credit_sales * rate
    row.write_offs += figures.write_offs * rate
    for key, amount in figures.ending.buckets.items():
        row.bucket_sums[key] = row.bucket_sums.get(key, Decimal("0")) + amount * rate
    for month, sales in figures.monthly_sales.items():
        row.monthly_sales[month] = row.monthly_sales.get(month, Decimal("0")) + sales * rate


def _finish(row: KpiRow, months: list[tuple[date, int]], base: str) -> None:
    """Round the converted sums once, then apply the formulas to the rounded amounts."""
    for name in (
        "beginning_ar",
        "ending_ar",
        "ending_current_ar",
        "ar_over_90",
        "credit_sales",
        "write_offs",
    ):
        setattr(row, name, quantize(getattr(row, name), base))
    row.aging_buckets = [
        {
            "key": bucket.key,
            "label": bucket.label,
            "amount": str(quantize(row.bucket_sums.get(bucket.key, Decimal("0")), base)),
        }
        for bucket in aging_buckets()
    ]
    days = row.period_days
    row.dso = formulas.days_sales_outstanding(
        ending_ar=row.ending_ar, credit_sales=row.credit_sales, days=days
    )
    row.best_possible_dso = formulas.best_possible_dso(
        current_ar=row.ending_current_ar, credit_sales=row.credit_sales, days=days
    )
    row.average_days_delinquent = formulas.average_days_delinquent(
        dso=row.dso, best_dso=row.best_possible_dso
    )
    row.countback_dso = formulas.countback_dso(
        ending_ar=row.ending_ar,
        monthly_sales=[
            (counted, quantize(row.monthly_sales.get(first, Decimal("0")), base))
            for first, counted in months
        ],
    )
    row.collection_effectiveness_index = formulas.collection_effectiveness_index(
        beginning_ar=row.beginning_ar,
        credit_sales=row.credit_sales,
        ending_ar=row.ending_ar,
        ending_current_ar=row.ending_current_ar,
    )
    row.bad_debt_ratio = formulas.percent_of(row.write_offs, row.credit_sales)
    row.over_90_percent = formulas.percent_of(row.ar_over_90, row.ending_ar)
