"""Liveness of the web process, the database, the cache and the background jobs."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger("crm.health")

HEARTBEAT_KEY = "crm:heartbeat"
HEARTBEAT_STALE_AFTER_SECONDS = 180


def heartbeat_record() -> None:
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def health_report() -> dict[str, object]:
    """What an operator or a load balancer needs to know, cheaply.

    ``status`` follows the database alone: without it no page works, while a cache
    (Redis) that is down leaves the pages working, so it is reported without
    taking the web process out of the load balancer. The endpoint is public:
    errors name their kind only, the details go to the log.
    """
    report: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception as error:
        logger.exception("Health check: the database did not answer")
        report["database"] = f"error: {type(error).__name__} (details in the web log)"
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception as error:
        logger.exception("Health check: the cache did not answer")
        report["cache"] = f"error: {type(error).__name__} (details in the web log)"
        report["background_jobs"] = "unknown: the cache, where the heartbeat is kept, is down"
    else:
        report["cache"] = "ok"
        if last is None:
            report["background_jobs"] = "no heartbeat yet (is the Celery worker and beat running?)"
        else:
            age = (timezone.now() - datetime.fromisoformat(last)).total_seconds()
            fresh = age <= HEARTBEAT_STALE_AFTER_SECONDS
            report["background_jobs"] = "ok" if fresh else f"stale: last heartbeat {int(age)} s ago"
            report["last_heartbeat"] = last
    report["status"] = "ok" if report["database"] == "ok" else "error"
    return report
