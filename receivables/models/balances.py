"""Customer balances in aging buckets, maintained by the ledger services."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.money import CurrencyField, MoneyField

MAX_AGING_BUCKETS = 8


class CustomerBalance(models.Model):
    """What a customer owes in one currency, in aging buckets as of ``as_of``.

    Kept current by the ledger services in the same transaction as the
    invoice they change, and rebuilt from the invoices each night (buckets
    shift as days pass) by ``customer_balances_refresh``. Pages read these
    rows instead of aggregating every open invoice. ``bucket_0`` is
    "Current"; the next ones follow CRM_AGING_BUCKET_EDGES, recorded in
    ``edges`` so a change of the setting is noticed.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="balances",
    )
    currency = CurrencyField(_("currency"))
    as_of = models.DateField(_("buckets as of"))
    edges = models.CharField(_("bucket edges"), max_length=40)
    open_total = MoneyField(_("open"), default=0)
    overdue_total = MoneyField(_("overdue"), default=0)
    bucket_0 = MoneyField(default=0)
    bucket_1 = MoneyField(default=0)
    bucket_2 = MoneyField(default=0)
    bucket_3 = MoneyField(default=0)
    bucket_4 = MoneyField(default=0)
    bucket_5 = MoneyField(default=0)
    bucket_6 = MoneyField(default=0)
    bucket_7 = MoneyField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer balance")
        verbose_name_plural = _("customer balances")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "currency"], name="customer_balance_one_per_currency"
            ),
        ]
        indexes = [
            models.Index(
                fields=["-overdue_total", "-open_total", "customer"],
                condition=~Q(open_total=0),
                name="balance_open_by_overdue",
            ),
            models.Index(fields=["as_of", "edges"], name="balance_freshness"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.open_total} {self.currency}"


class BalanceSnapshot(models.Model):
    """One row: the day and bucket edges of the last complete rebuild of the
    customer balances. Today's aging trusts the balances only when it is today's."""

    as_of = models.DateField(_("buckets as of"))
    edges = models.CharField(_("bucket edges"), max_length=40)
    refreshed_at = models.DateTimeField(_("rebuilt at"), auto_now=True)

    class Meta:
        verbose_name = _("balance snapshot")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="balance_snapshot_single_row")
        ]

    def __str__(self) -> str:
        return f"balances as of {self.as_of} ({self.edges})"


# --- Dunning ------------------------------------------------------------------
