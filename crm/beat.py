"""The beat scheduler: django-celery-beat's database schedule, editable in the admin.

django-celery-beat's ``DatabaseScheduler`` writes every ``CELERY_BEAT_SCHEDULE``
entry over its database row each time beat starts, so a time changed in the
admin (Periodic tasks) silently reverts at the next deploy. This scheduler
creates the rows that do not exist yet and leaves existing ones as the admin
left them: settings seed the schedule, the admin owns it.

It also carries ``options["expires"]`` (seconds) over as the row's
``expire_seconds``: django-celery-beat only reads the latter, so without this
the ``expires`` of CELERY_BEAT_SCHEDULE would be dropped and a lagging worker
would still run stale beats.
"""

from __future__ import annotations

import logging
from typing import Any

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger("crm.beat")


class SeedOnceDatabaseScheduler(DatabaseScheduler):
    def update_from_dict(self, mapping: dict[str, Any]) -> None:
        existing = set(
            PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True)
        )
        missing = {
            name: _with_expire_seconds(entry)
            for name, entry in mapping.items()
            if name not in existing
        }
        if existing:
            logger.info("Beat schedule kept as edited in the admin: %s", sorted(existing))
        super().update_from_dict(missing)


def _with_expire_seconds(entry: dict[str, Any]) -> dict[str, Any]:
    options = dict(entry.get("options") or {})
    expires = options.get("expires")
    if isinstance(expires, int | float) and "expire_seconds" not in options:
        options["expire_seconds"] = int(expires)
    return {**entry, "options": options}
