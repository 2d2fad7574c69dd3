"""Credit checks: every answer given before an order, stored once per order reference."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.money import CurrencyField, MoneyField


class CreditCheckResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class CreditCheck(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_checks",
        # The unique (customer, order_reference) index serves lookups by customer;
        # a second index would only cost every check's insert.
        db_index=False,
    )
    order_reference = models.CharField(_("order reference"), max_length=64)
    order_amount = MoneyField(_("order amount"))
    currency = CurrencyField(_("currency"))
    result = models.CharField(_("result"), max_length=4, choices=CreditCheckResult.choices)
    credit_limit = MoneyField(_("credit limit"))
    exposure = MoneyField(_("exposure"))
    available_credit = MoneyField(_("available credit"))
    # [{"code": "over_limit", "message": "..."}], in the order they were found.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("checked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit check")
        verbose_name_plural = _("credit checks")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "order_reference"], name="credit_check_once_per_order"
            ),
            models.CheckConstraint(
                condition=Q(order_amount__gt=0), name="credit_check_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["-created_at"], name="credit_check_recent")]

    def __str__(self) -> str:
        return f"{self.order_reference}: {self.result}"
