"""The beat scheduler: django-celery-beat's database schedule, editable in the admin.

django-celery-beat's ``DatabaseScheduler`` writes every ``CELERY_BEAT_SCHEDULE``
entry over its database row each time beat starts, so a time changed in the
admin (Periodic tasks) silently reverts at the next deploy. This scheduler
creates the rows that do not exist yet and leaves existing ones as the admin
left them: settings seed the schedule, the admin owns it.
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
        missing = {name: entry for name, entry in mapping.items() if name not in existing}
        if existing:
            logger.info("Beat schedule kept as edited in the admin: %s", sorted(existing))
        super().update_from_dict(missing)
