"""Telling users something: an in-app notification, and an email after commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.enqueue import publish
from crm.exceptions import ValidationFailed
from notifications.models import Notification


def notification_send(
    *,
    recipient_ids: Iterable[int | None],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each distinct, active recipient (``None`` entries are skipped).

    Rows are written in the caller's transaction; the emails are enqueued only
    after it commits, so a rolled-back decision notifies nobody. A broker that is
    down leaves the emails owed for :func:`notifications_email_drain`.
    """
    if not kind or not title:
        raise ValidationFailed("A notification needs a kind and a title.", code="invalid")
    wanted = {pk for pk in recipient_ids if pk is not None}
    users = get_user_model().objects.filter(pk__in=wanted, is_active=True)
    addresses = dict(users.values_list("pk", "email"))
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                email_wanted=email and bool(addresses[pk]),
            )
            for pk in sorted(addresses)
        ]
    )
    owed = [row for row in rows if row.email_wanted]
    if owed:
        ids = [row.pk for row in owed if row.pk is not None]
        if not ids:  # backends that do not return ids from bulk_create
            ids = list(
                Notification.objects.filter(
                    recipient_id__in=[row.recipient_id for row in owed],
                    kind=kind,
                    title=title[:200],
                    email_wanted=True,
                )
                .order_by("-pk")
                .values_list("pk", flat=True)[: len(owed)]
            )
        # After commit, through crm.enqueue.publish: a broker that is down must not
        # turn the caller's committed decision into an error; the drain sends later.
        transaction.on_commit(lambda: notifications_email_enqueue(ids))
    return rows


def notifications_email_enqueue(notification_ids: Iterable[int]) -> int:
    """Hand each notification's email task to the broker; returns how many were
    handed over. Stops at the first broker failure: the rest stay for the drain."""
    from notifications.tasks import notification_email as notification_email_task

    handed: list[int] = []
    for notification_id in notification_ids:
        if not publish(notification_email_task, notification_id=notification_id):
            break
        handed.append(notification_id)
    if handed:
        Notification.objects.filter(pk__in=handed).update(email_enqueued_at=timezone.now())
    return len(handed)


def notifications_email_drain(*, now: datetime | None = None) -> int:
    """Enqueue again the emails still owed: never handed to the broker (after
    CRM_NOTIFICATION_DRAIN_AFTER_SECONDS), or handed over and not sent within
    CRM_NOTIFICATION_REQUEUE_LOST_AFTER_SECONDS (a lost message or a task out of
    retries). Emails older than CRM_NOTIFICATION_EMAIL_MAX_AGE_HOURS are given up:
    the in-app notification stays. Returns how many were enqueued."""
    now = now or timezone.now()
    owed = Notification.objects.filter(
        email_wanted=True,
        emailed_at__isnull=True,
        created_at__gte=now - timedelta(hours=_setting("CRM_NOTIFICATION_EMAIL_MAX_AGE_HOURS", 48)),
    )
    never_handed = Q(
        email_enqueued_at__isnull=True,
        created_at__lt=now
        - timedelta(seconds=_setting("CRM_NOTIFICATION_DRAIN_AFTER_SECONDS", 120)),
    )
    lost = Q(
        email_enqueued_at__lt=now
        - timedelta(seconds=_setting("CRM_NOTIFICATION_REQUEUE_LOST_AFTER_SECONDS", 3600))
    )
    ids = list(owed.filter(never_handed | lost).order_by("pk").values_list("pk", flat=True))
    return notifications_email_enqueue(ids)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def notification_email(*, notification_id: int) -> bool:
    """Email one notification to its recipient once; returns whether it was sent now."""
    from django.core.mail import send_mail

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        if not notification.recipient.email:  # the address was removed meanwhile
            notification.email_wanted = False
            notification.save(update_fields=["email_wanted"])
            return False
        send_mail(
            subject=notification.title,
            message=notification.body or notification.title,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def notification_mark_read(*, user_id: int, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or the given ones) read."""
    rows = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())
