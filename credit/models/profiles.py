"""Credit profiles: the limit and the hold flag of each customer."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.money import CurrencyField, MoneyField


class CreditProfile(TimeStampedModel):
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_profile",
    )
    credit_limit = MoneyField(_("credit limit"), default=0)
    currency = CurrencyField(_("currency"))
    limit_expires_on = models.DateField(
        _("limit expires on"),
        null=True,
        blank=True,
        help_text=_("After this date the limit falls back to the default (nightly task)."),
    )
    is_on_hold = models.BooleanField(_("on hold"), default=False)
    hold_reason = models.CharField(_("hold reason"), max_length=255, blank=True)
    hold_since = models.DateTimeField(_("on hold since"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit profile")
        verbose_name_plural = _("credit profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="credit_limit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(is_on_hold=False) | ~Q(hold_reason=""), name="credit_hold_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["is_on_hold"], condition=Q(is_on_hold=True), name="credit_on_hold")
        ]

    def __str__(self) -> str:
        return f"Credit profile of {self.customer_id}"
