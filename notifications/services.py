"""Telling users something: an in-app notification, and an email after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

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
    after it commits, so a rolled-back decision notifies nobody.
    """
    if not kind or not title:
        raise ValidationFailed("A notification needs a kind and a title.", code="invalid")
    wanted = {pk for pk in recipient_ids if pk is not None}
    active = set(
        get_user_model().objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, kind=kind, title=title[:200], body=body, url=url)
            for pk in sorted(active)
        ]
    )
    if email and rows:
        ids = [row.pk for row in rows if row.pk is not None]
        if not ids:  # backends that do not return ids from bulk_create
            ids = list(
                Notification.objects.filter(recipient_id__in=active, kind=kind, title=title[:200])
                .order_by("-pk")
                .values_list("pk", flat=True)[: len(rows)]
            )

        def _enqueue() -> None:
            from notifications.tasks import notification_email as notification_email_task

            for notification_id in ids:
                notification_email_task.delay(notification_id=notification_id)

        transaction.on_commit(_enqueue)
    return rows


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
        if notification is None or not notification.recipient.email:
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
