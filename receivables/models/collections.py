"""Collections: each customer's case (who works it, when to follow up) and the
log of what clerks did about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from receivables.models.dunning import DunningNotice
from receivables.models.ledger import Dispute
from receivables.models.promises import PromiseToPay


class CollectionCase(TimeStampedModel):
    """One row per customer a clerk has touched: the assignee and the next follow-up.

    ``last_activity_at`` is written with every logged activity, so the worklist
    can tell dunning escalations that came after the last clerk action.
    """

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="collection_case",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collection_cases",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        permissions = [
            ("assign_collectioncase", _("Can assign collection cases to clerks")),
            ("send_dunning_notice", _("Can send or resend a dunning notice by hand")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee__isnull=True) | Q(claimed_at__isnull=False),
                name="collection_case_assigned_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "customer"], name="collection_case_assignee"),
            models.Index(
                fields=["next_follow_up_on"],
                condition=Q(next_follow_up_on__isnull=False),
                name="collection_case_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"case of {self.customer_id} ({self.assignee_id or 'unassigned'})"


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    NOTE = "note", _("Note")
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute")
    FOLLOW_UP = "follow_up", _("Follow-up")
    ASSIGNMENT = "assignment", _("Assignment")
    NOTICE = "notice", _("Notice")


# What a clerk logs by hand; the other kinds are written by the actions themselves.
CONTACT_KINDS = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.NOTE)


class CollectionActivity(models.Model):
    """One entry of a customer's collections timeline."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="collection_activities",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collection_activities",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    outcome = models.TextField(_("outcome"), blank=True)
    promise = models.ForeignKey(
        PromiseToPay,
        verbose_name=_("promise to pay"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    dispute = models.ForeignKey(
        Dispute,
        verbose_name=_("dispute"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    notice = models.ForeignKey(
        DunningNotice,
        verbose_name=_("dunning notice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("collection activity")
        verbose_name_plural = _("collection activities")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="collection_activity_timeline"),
            models.Index(fields=["author", "created_at"], name="collection_activity_author"),
            models.Index(fields=["created_at"], name="collection_activity_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.customer_id} at {self.created_at:%Y-%m-%d %H:%M}"
