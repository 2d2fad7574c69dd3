"""Reads of a user's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def notification_list(*, user_id: int, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient_id=user_id)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def notification_unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
