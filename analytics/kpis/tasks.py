"""Celery task of the KPI snapshots: a thin wrapper around the service."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from analytics.kpis.services import kpi_snapshot_take as _kpi_snapshot_take


@shared_task(name="analytics.kpi_snapshot_take", ignore_result=True, acks_late=True)
def kpi_snapshot_take(*, as_of: str | None = None) -> int:
    """Daily: the KPIs of ``as_of`` (yesterday by default: a complete day). Idempotent."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate() - timedelta(days=1)
    return _kpi_snapshot_take(as_of=day)
