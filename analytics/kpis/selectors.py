"""Reads of the stored KPI snapshots and the portfolio's tier mix (the finance dashboard).

The dashboard reads only stored rows (snapshots, maintained customer fields),
never the ledger, so it stays fast on a large portfolio.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Max, QuerySet

from analytics.models import KpiDimension, KpiSnapshot
from crm.exceptions import ValidationFailed
from customers.models import Tier


def kpi_snapshot_list(
    *,
    dimension: str | None = None,
    key: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[KpiSnapshot]:
    """Snapshot rows, newest day first, filtered by dimension, key and a date range."""
    if dimension is not None and dimension not in KpiDimension.values:
        raise ValidationFailed.for_field(
            "dimension",
            f"Unknown dimension {dimension!r}; use one of: {', '.join(KpiDimension.values)}.",
            code="unknown_dimension",
        )
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed.for_field(
            "date_from",
            f"date_from ({date_from}) is after date_to ({date_to}); swap them.",
            code="date_range_reversed",
        )
    rows = KpiSnapshot.objects.all()
    if dimension is not None:
        rows = rows.filter(dimension=dimension)
    if key is not None:
        rows = rows.filter(key=key)
    if date_from is not None:
        rows = rows.filter(as_of__gte=date_from)
    if date_to is not None:
        rows = rows.filter(as_of__lte=date_to)
    return rows.order_by("-as_of", "dimension", "key")


def kpi_latest_date() -> date | None:
    return KpiSnapshot.objects.aggregate(latest=Max("as_of"))["latest"]


def kpi_latest_list(
    *, dimension: str | None = None, dimensions: tuple[str, ...] = ()
) -> list[KpiSnapshot]:
    """The rows of the newest snapshot day (every dimension unless some are given)."""
    latest = kpi_latest_date()
    if latest is None:
        return []
    rows = kpi_snapshot_list(dimension=dimension, date_from=latest, date_to=latest)
    if dimensions:
        rows = rows.filter(dimension__in=dimensions)
    return list(rows.order_by("dimension", "key"))


def kpi_trend(*, days: int) -> list[KpiSnapshot]:
    """The portfolio rows of the ``days`` days up to the newest snapshot, oldest first."""
    latest = kpi_latest_date()
    if latest is None:
        return []
    rows = kpi_snapshot_list(
        dimension=KpiDimension.PORTFOLIO,
        key="",
        date_from=latest - timedelta(days=days - 1),
        date_to=latest,
    )
    return list(rows.order_by("as_of"))


def tier_distribution() -> list[tuple[str, int]]:
    """``(tier, number of customers)`` on the newest snapshot day, in tier order.

    Read from the stored snapshot (finance sees the whole portfolio), so the
    dashboard never counts 100k customers per request; zeros before the first
    snapshot.
    """
    counts = {row.key: row.customer_count for row in kpi_latest_list(dimension=KpiDimension.TIER)}
    return [(tier, counts.get(tier, 0)) for tier in Tier.values]
