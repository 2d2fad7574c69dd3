"""Promises to pay."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.money import CurrencyField, MoneyField
from receivables.models.ledger import Invoice


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class PromiseToPay(TimeStampedModel):
    """A customer's promise to pay an amount by a date, usually for named invoices.

    While open, dunning skips the invoices it covers. A daily task marks it
    kept once payments received since it was made reach the amount, or broken
    when the date (plus grace) passes first.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="promises",
    )
    invoices = models.ManyToManyField(
        Invoice, verbose_name=_("invoices"), related_name="promises", blank=True
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    promised_date = models.DateField(_("promised for"))
    made_on = models.DateField(_("made on"))
    status = models.CharField(
        _("status"), max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    amount_received = MoneyField(_("received so far"), default=0)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-made_on", "-id"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(promised_date__gte=F("made_on")), name="promise_not_in_the_past"
            ),
            models.CheckConstraint(
                condition=Q(status=PromiseStatus.OPEN, closed_on__isnull=True)
                | (~Q(status=PromiseStatus.OPEN) & Q(closed_on__isnull=False)),
                name="promise_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(
                fields=["promised_date"], condition=Q(status="open"), name="promise_open_due"
            ),
            models.Index(fields=["customer", "status"], name="promise_customer_status"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} by {self.promised_date}"
