"""Liveness of the web process, the database, the cache and the background jobs."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "crm:heartbeat"
HEARTBEAT_STALE_AFTER_SECONDS = 180


def heartbeat_record() -> None:
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def health_report() -> dict[str, object]:
    """What an operator or a load balancer needs to know, cheaply."""
    report: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception as error:
        report["database"] = f"error: {error}"
    last = cache.get(HEARTBEAT_KEY)
    if last is None:
        report["background_jobs"] = "no heartbeat yet (is the Celery worker and beat running?)"
    else:
        age = (timezone.now() - datetime.fromisoformat(last)).total_seconds()
        fresh = age <= HEARTBEAT_STALE_AFTER_SECONDS
        report["background_jobs"] = "ok" if fresh else f"stale: last heartbeat {int(age)} s ago"
        report["last_heartbeat"] = last
    report["status"] = "ok" if report["database"] == "ok" else "error"
    return report
