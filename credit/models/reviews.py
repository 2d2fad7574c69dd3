"""Periodic credit reviews: when each customer is due, and what each review decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.money import CurrencyField, MoneyField


class CreditReviewSchedule(models.Model):
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_review_schedule",
    )
    next_review_on = models.DateField(_("next review"))
    # The date the interval counts from: the last review, or when the schedule began.
    counted_from = models.DateField(_("counted from"))
    last_reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit review schedule")
        verbose_name_plural = _("credit review schedules")
        indexes = [models.Index(fields=["next_review_on", "customer"], name="credit_review_due")]

    def __str__(self) -> str:
        return f"{self.customer_id} due {self.next_review_on}"


class ReviewDecision(models.TextChoices):
    KEEP = "keep", _("Keep as is")
    CHANGE_REQUESTED = "change_requested", _("Limit change requested")
    HOLD = "hold", _("Place on hold")
    RELEASE = "release", _("Release the hold")


class CreditReview(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_reviews",
    )
    decision = models.CharField(_("decision"), max_length=16, choices=ReviewDecision.choices)
    comment = models.TextField(_("comment"))
    risk_grade = models.CharField(_("grade at review"), max_length=1, blank=True)
    credit_limit = MoneyField(_("limit at review"))
    exposure = MoneyField(_("exposure at review"))
    currency = CurrencyField(_("currency"))
    next_review_on = models.DateField(_("next review"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit review")
        verbose_name_plural = _("credit reviews")
        constraints = [
            models.CheckConstraint(condition=~Q(comment=""), name="credit_review_has_comment")
        ]
        indexes = [models.Index(fields=["customer", "-reviewed_at"], name="credit_review_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.decision}"
