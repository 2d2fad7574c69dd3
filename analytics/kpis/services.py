"""Writes of the portfolio KPIs: take a day's snapshot, backfill a range of days."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from analytics.kpis.compute import KpiRow, kpi_rows_compute
from analytics.models import KpiSnapshot
from crm.exceptions import ValidationFailed

MAX_BACKFILL_DAYS = 3660

_STORED = {field.name for field in KpiSnapshot._meta.concrete_fields} - {"id", "computed_at"}
_UNIQUE = ["as_of", "dimension", "key"]
_UPDATED = [*sorted(_STORED - set(_UNIQUE)), "computed_at"]


def _snapshot(row: KpiRow) -> KpiSnapshot:
    return KpiSnapshot(**{name: value for name, value in asdict(row).items() if name in _STORED})


def kpi_snapshot_take(*, as_of: date) -> int:
    """Compute and store the KPIs of ``as_of`` for every dimension; returns the rows stored.

    Idempotent: a day taken again replaces that day's figures in one
    transaction, so readers see the old rows or the new ones, never a mix.
    """
    if as_of > timezone.localdate():
        raise ValidationFailed.for_field(
            "as_of",
            f"{as_of} is in the future; KPIs can be taken for today or an earlier day.",
            code="kpi_date_in_future",
        )
    snapshots = [_snapshot(row) for row in kpi_rows_compute(as_of=as_of)]
    kept = Q()
    for snapshot in snapshots:
        kept |= Q(dimension=snapshot.dimension, key=snapshot.key)
    with transaction.atomic():
        # An upsert on the day's unique key, not delete-then-insert: two takes of
        # the same day at once (a retried task beside the backfill) both succeed,
        # the later one's figures win, and no reader sees the day half empty.
        KpiSnapshot.objects.bulk_create(
            snapshots,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=_UNIQUE,
            update_fields=_UPDATED,
        )
        # Keys of the day that no longer exist (a rep without customers now).
        KpiSnapshot.objects.filter(as_of=as_of).exclude(kept).delete()
    return len(snapshots)


def kpi_snapshots_backfill(*, start: date, end: date) -> int:
    """Take the snapshot of every day from ``start`` to ``end`` inclusive; returns rows stored."""
    if start > end:
        raise ValidationFailed.for_field(
            "start",
            f"The range starts ({start}) after it ends ({end}); give the earlier day first.",
            code="kpi_range_reversed",
        )
    if end > timezone.localdate():
        raise ValidationFailed.for_field(
            "end",
            f"{end} is in the future; end the range today or earlier.",
            code="kpi_date_in_future",
        )
    if (end - start).days + 1 > MAX_BACKFILL_DAYS:
        raise ValidationFailed.for_field(
            "start",
            f"The range has {(end - start).days + 1} days; backfill at most "
            f"{MAX_BACKFILL_DAYS} days at a time.",
            code="kpi_range_too_long",
        )
    stored = 0
    day = start
    while day <= end:
        stored += kpi_snapshot_take(as_of=day)
        day += timedelta(days=1)
    return stored
