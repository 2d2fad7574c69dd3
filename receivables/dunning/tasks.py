"""Celery tasks of dunning: thin wrappers around the services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from crm.enqueue import BROKER_ERRORS
from receivables.dunning import outbox, sending
from receivables.dunning.services import dunning_run_decide
from receivables.models import DunningNotice


def _backoff(attempts: int) -> int:
    """Seconds before retry ``attempts``: doubling from the base, capped (a few
    minutes at most; longer waits belong in the database, not the broker)."""
    base = int(getattr(settings, "CRM_DUNNING_RETRY_BASE_SECONDS", 10))
    cap = int(getattr(settings, "CRM_DUNNING_RETRY_MAX_SECONDS", 300))
    return min(cap, base * 2 ** max(attempts - 1, 0))


@shared_task(
    bind=True,
    name="receivables.dunning_notice_send",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def dunning_notice_send(self, notice_id: int) -> str:
    """Send one outbox notice; retried with exponential backoff (at most 300 s apart)."""
    try:
        return sending.dunning_notice_send(notice_id=notice_id)
    except sending.NoticeBusy as busy:
        countdown = min(int(busy.seconds_left) + 1, sending.lease_seconds())
        error: Exception = busy
    except sending.NoticeSendFailed as failed:
        countdown = _backoff(failed.attempts)
        error = failed
    try:
        raise self.retry(exc=error, countdown=countdown)
    except BROKER_ERRORS:
        # The retry could not be handed to the broker: leave it to the outbox drain.
        DunningNotice.objects.filter(pk=notice_id).update(enqueued_at=None)
        raise


@shared_task(name="receivables.dunning_run", ignore_result=True)
def dunning_run(run_date: str | None = None) -> dict[str, int | str]:
    """Daily: decide today's dunning notices and queue them for sending."""
    when = date.fromisoformat(run_date) if run_date else timezone.localdate()
    return dunning_run_decide(run_date=when).as_dict()


@shared_task(name="receivables.dunning_outbox_drain", ignore_result=True)
def dunning_outbox_drain() -> int:
    """Every few minutes: enqueue the notices the broker never got or lost."""
    return outbox.dunning_outbox_drain()


@shared_task(name="receivables.dunning_notices_requeue", ignore_result=True)
def dunning_notices_requeue(customer_id: int) -> int:
    """After a contact change: the customer's unsendable notices back to the outbox."""
    return len(outbox.dunning_notices_requeue(customer_id=customer_id))
