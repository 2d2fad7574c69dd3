"""Handing tasks to the broker without letting a broker outage break the caller.

A web request or a batch job that enqueues follow-up work after its transaction
commits must not fail (or hang) because Redis is down: its own work is already
committed. ``publish`` tries once, within the broker timeouts of the settings
(``CELERY_BROKER_CONNECTION_TIMEOUT``, the transport's socket timeouts and
``CELERY_TASK_PUBLISH_RETRY_POLICY``), logs a failure and reports it, so the
caller can leave a trace in the database (an outbox row still ``queued``) that a
periodic drain enqueues again later.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger("crm.enqueue")

# What a broker that is down or unreachable raises on publish.
BROKER_ERRORS: tuple[type[BaseException], ...] = (OperationalError, ConnectionError, OSError)


def publish(task: Task, *args: Any, **kwargs: Any) -> bool:
    """``task.delay(*args, **kwargs)``; False (logged) when the broker refused."""
    try:
        task.delay(*args, **kwargs)
    except BROKER_ERRORS as error:
        logger.warning(
            "Could not enqueue %s%r: %s: %s", task.name, args or kwargs, type(error).__name__, error
        )
        return False
    return True


def publish_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """``publish`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(task, *args, **kwargs))
