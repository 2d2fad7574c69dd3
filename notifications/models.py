"""In-app notifications: what a user was told, and whether they have read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(
        _("kind"), max_length=64, help_text=_("Stable code, e.g. credit_limit_request_approved.")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # An email is owed (asked for, the recipient has an address) until emailed_at is
    # set; email_enqueued_at is when its task was last handed to the broker (empty
    # when the broker was down), so the drain knows what to enqueue again.
    email_wanted = models.BooleanField(_("email wanted"), default=False)
    email_enqueued_at = models.DateTimeField(_("email enqueued at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_wanted=True, emailed_at__isnull=True),
                name="notification_email_owed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.recipient_id}"
