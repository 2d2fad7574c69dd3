"""Daily snapshots of the portfolio KPIs (DESIGN §5), one row per day and dimension key."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.money import MoneyField


class KpiDimension(models.TextChoices):
    PORTFOLIO = "portfolio", _("Whole portfolio")
    TIER = "tier", _("Tier")
    REGION = "region", _("Region")
    SALES_REP = "sales_rep", _("Sales rep")


def _days(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, null=True, blank=True)


class KpiSnapshot(models.Model):
    """The KPIs of the whole portfolio, a tier, a region or a sales rep on one day.

    Amounts are in ``currency`` (the base currency when taken); a figure that is
    not defined (no credit sales in the period, no receivables) is NULL.
    Currencies without an FX rate on the day are left out of every amount and
    listed in ``missing_fx_currencies``, never converted at 1.0.
    """

    as_of = models.DateField(_("as of"))
    dimension = models.CharField(_("dimension"), max_length=16, choices=KpiDimension.choices)
    key = models.CharField(
        _("key"),
        max_length=64,
        blank=True,
        help_text=_("Tier or region code, sales rep id; empty for the portfolio or no sales rep."),
    )
    label = models.CharField(_("label"), max_length=150, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    period_days = models.PositiveSmallIntegerField(_("period (days)"))
    beginning_ar = MoneyField(_("beginning AR"))
    ending_ar = MoneyField(_("ending AR"))
    ending_current_ar = MoneyField(_("ending current AR"))
    ar_over_90 = MoneyField(_("AR over 90 days past due"))
    credit_sales = MoneyField(_("credit sales"))
    write_offs = MoneyField(_("write-offs"))
    customer_count = models.PositiveIntegerField(
        _("customers"), default=0, help_text=_("Customers on the books on the day (any currency).")
    )
    dso = _days(_("DSO"))
    countback_dso = _days(_("countback DSO"))
    best_possible_dso = _days(_("best possible DSO"))
    average_days_delinquent = _days(_("average days delinquent"))
    collection_effectiveness_index = _days(_("CEI (%)"))
    bad_debt_ratio = _days(_("bad-debt ratio (%)"))
    over_90_percent = _days(_("AR over 90 days (%)"))
    missing_fx_currencies = models.JSONField(_("currencies without FX rate"), default=list)
    aging_buckets = models.JSONField(
        _("aging buckets"),
        default=list,
        blank=True,
        help_text=_("Ending AR per aging bucket: [{key, label, amount}] in the base currency."),
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["-as_of", "dimension", "key"]
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "dimension", "key"], name="kpi_snapshot_one_per_day_and_key"
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=KpiDimension.values), name="kpi_snapshot_dimension_known"
            ),
        ]
        indexes = [
            models.Index(fields=["dimension", "key", "as_of"], name="kpi_snapshot_trend"),
        ]

    def __str__(self) -> str:
        return f"KPIs {self.dimension}:{self.key} on {self.as_of}"
