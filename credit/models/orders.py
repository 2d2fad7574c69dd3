"""Open orders an integrator reports: accepted, not yet invoiced, part of the exposure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.money import CurrencyField, MoneyField


class OpenOrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class OpenOrder(TimeStampedModel):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="open_orders",
    )
    external_reference = models.CharField(_("order reference"), max_length=64)
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    status = models.CharField(
        _("status"), max_length=8, choices=OpenOrderStatus.choices, default=OpenOrderStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("open order")
        verbose_name_plural = _("open orders")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "external_reference"], name="open_order_reference_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="open_order_amount_positive"),
            models.CheckConstraint(
                condition=~Q(external_reference=""), name="open_order_reference_not_blank"
            ),
        ]
        indexes = [
            # Exposure sums the open orders of one customer.
            models.Index(
                fields=["customer", "currency"],
                condition=Q(status="open"),
                name="open_order_customer_open",
            )
        ]

    def __str__(self) -> str:
        return self.external_reference
