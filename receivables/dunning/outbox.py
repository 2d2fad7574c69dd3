"""Getting outbox notices to the sending task, whatever happened to the broker.

``notices_enqueue`` hands notices to the broker and records when
(``enqueued_at``); a notice whose hand-over failed (Redis down) keeps an empty
``enqueued_at`` and stays ``queued``. ``dunning_outbox_drain`` (a beat task
every few minutes) enqueues again what was never handed over, what was handed
over long ago and is still queued (a lost message), and what a dead worker left
``sending`` after its lease ran out. ``dunning_notices_requeue`` puts a
customer's ``no_address`` and ``bounced`` notices back in the outbox once the
customer has a valid billing email. Sending is idempotent (see ``sending``), so
enqueueing a notice twice never sends it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.enqueue import publish
from receivables.dunning.selectors import customers_with_billing_email
from receivables.models import DunningNotice, DunningNoticeStatus

_CHUNK = 1000


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=int(getattr(settings, name, default)))


def notices_enqueue(notice_ids: Iterable[int]) -> int:
    """Hand each notice's send task to the broker; returns how many were handed
    over. Stops at the first broker failure: the rest stay for the drain."""
    from receivables.dunning.tasks import dunning_notice_send

    handed: list[int] = []
    for notice_id in notice_ids:
        if not publish(dunning_notice_send, notice_id):
            break
        handed.append(notice_id)
    now = timezone.now()
    for start in range(0, len(handed), _CHUNK):
        DunningNotice.objects.filter(pk__in=handed[start : start + _CHUNK]).update(enqueued_at=now)
    return len(handed)


def dunning_outbox_drain(*, now: datetime | None = None) -> int:
    """Enqueue again every notice that is owed a send task; returns how many."""
    now = now or timezone.now()
    never_handed = Q(
        status=DunningNoticeStatus.QUEUED,
        enqueued_at__isnull=True,
        updated_at__lt=now - _seconds("CRM_DUNNING_DRAIN_AFTER_SECONDS", 120),
    )
    lost = Q(
        status=DunningNoticeStatus.QUEUED,
        enqueued_at__lt=now - _seconds("CRM_DUNNING_REQUEUE_LOST_AFTER_SECONDS", 3600),
    )
    abandoned = Q(status=DunningNoticeStatus.SENDING, claimed_until__lt=now)
    ids = list(
        DunningNotice.objects.filter(never_handed | lost | abandoned)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return notices_enqueue(ids)


@transaction.atomic
def dunning_notices_requeue(*, customer_id: int) -> list[int]:
    """Back to the outbox: the customer's notices that had no address or bounced,
    once the customer has a valid billing email; returns their ids (none when the
    customer still has no usable address). Running it twice changes nothing."""
    if not customers_with_billing_email(customer_ids=[customer_id]):
        return []
    ids = list(
        DunningNotice.objects.select_for_update()
        .filter(
            customer_id=customer_id,
            status__in=[DunningNoticeStatus.NO_ADDRESS, DunningNoticeStatus.BOUNCED],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return []
    # A new address gets a new message: address, text and Message-ID are made afresh.
    DunningNotice.objects.filter(pk__in=ids).update(
        status=DunningNoticeStatus.QUEUED,
        to_email="",
        message_id="",
        claimed_until=None,
        enqueued_at=None,
        updated_at=timezone.now(),
    )
    transaction.on_commit(lambda: notices_enqueue(ids))
    return ids
