"""Celery tasks of dunning: thin wrappers around the services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from receivables.dunning import sending
from receivables.dunning.services import dunning_run_decide


def _max_retries() -> int:
    return int(getattr(settings, "CRM_DUNNING_SEND_MAX_RETRIES", 5))


@shared_task(
    bind=True,
    name="receivables.dunning_notice_send",
    ignore_result=True,
    acks_late=True,
    max_retries=None,
)
def dunning_notice_send(self, notice_id: int) -> str:
    """Send one outbox notice; retried with exponential backoff (at most 300 s apart)."""
    final = self.request.retries >= _max_retries()
    try:
        return sending.dunning_notice_send(notice_id=notice_id, final_attempt=final)
    except sending.NoticeSendFailed as error:
        countdown = min(300, 10 * 2**self.request.retries)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="receivables.dunning_run", ignore_result=True)
def dunning_run(run_date: str | None = None) -> dict[str, int | str]:
    """Daily: decide today's dunning notices and queue them for sending."""
    when = date.fromisoformat(run_date) if run_date else timezone.localdate()
    return dunning_run_decide(run_date=when).as_dict()
