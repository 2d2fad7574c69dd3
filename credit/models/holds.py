"""Credit holds: every place and release, with who, when, why and the rule that did it.

The current state (on hold or not, reason, since) lives on CreditProfile; the
events below are its history and the key that keeps automatic placement
idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HoldSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    DUNNING = "dunning", _("Dunning escalation")
    OVER_LIMIT = "over_limit", _("Exposure over limit")
    GRADE_E = "grade_e", _("Risk grade E")


class HoldAction(models.TextChoices):
    PLACE = "place", _("Placed")
    RELEASE = "release", _("Released")


class CreditHoldEvent(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_hold_events",
    )
    action = models.CharField(_("action"), max_length=8, choices=HoldAction.choices)
    source = models.CharField(_("source"), max_length=16, choices=HoldSource.choices)
    reason = models.CharField(_("reason"), max_length=255)
    # What triggered an automatic placement ("dunning-notice:12", "invoice:40"):
    # the same trigger never places a hold twice, even after a manual release.
    trigger = models.CharField(_("trigger"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit hold event")
        verbose_name_plural = _("credit hold events")
        permissions = [
            ("place_credit_hold", "Can place a credit hold"),
            ("release_credit_hold", "Can release a credit hold"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="credit_hold_event_has_reason"),
            models.UniqueConstraint(
                fields=["customer", "source", "trigger"],
                condition=~Q(trigger=""),
                name="credit_hold_event_trigger_once",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="credit_hold_event_customer")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.source} {self.customer_id}"
