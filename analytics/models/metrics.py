"""One row per customer with the figures of the latest pipeline run.

Money is in the run's base currency (settings.CRM_BASE_CURRENCY); a figure that
could not be computed (no FX rate, no history, a fit that failed) is NULL and
``notes`` says why.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.money import MoneyField
from customers.models import Tier


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL = "potential", _("Potential")
    AT_RISK = "at_risk", _("At risk")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class ClvMethod(models.TextChoices):
    BGNBD_GG = "bgnbd_gg", _("BG/NBD + Gamma-Gamma")
    HISTORIC = "historic", _("Historic")
    NONE = "none", _("Not computed")


class CustomerMetrics(models.Model):
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="metrics",
    )
    # No database constraint: the nightly upsert changes it on every row, and each change
    # was checked at commit (measured: 0.33 s per 100,000 customers), every check taking a
    # share lock on the same run row that chunks on other workers lock too. Runs are
    # deleted through Django, whose collector sets this to NULL; it is informational.
    # No index either: nothing reads metrics by run, and an indexed column that changes
    # every night would make every row's update write every index (see Meta.indexes).
    run = models.ForeignKey(
        "analytics.PipelineRun",
        verbose_name=_("run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))
    base_currency = models.CharField(_("base currency"), max_length=3)

    # RFM over the trailing 12 months.
    recency_days = models.PositiveIntegerField(_("recency (days)"), null=True, blank=True)
    frequency_12m = models.PositiveIntegerField(_("invoices in 12 months"), default=0)
    monetary_12m = MoneyField(_("revenue in 12 months"), null=True, blank=True)
    r_score = models.PositiveSmallIntegerField(_("R score"), null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(_("F score"), null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(_("M score"), null=True, blank=True)
    rfm_segment = models.CharField(
        _("RFM segment"), max_length=16, choices=RfmSegment.choices, blank=True
    )

    # Customer lifetime value.
    clv = MoneyField(_("CLV"), null=True, blank=True)
    clv_method = models.CharField(
        _("CLV method"), max_length=16, choices=ClvMethod.choices, default=ClvMethod.NONE
    )
    expected_invoices = models.DecimalField(
        _("expected invoices over the horizon"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
    )
    probability_alive = models.DecimalField(
        _("P(alive)"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    expected_margin_per_invoice = MoneyField(
        _("expected margin per invoice"), null=True, blank=True
    )

    # Profitability over the trailing 12 months (DESIGN §8).
    revenue_net = MoneyField(_("revenue net of credit notes"), null=True, blank=True)
    cost_of_goods = MoneyField(_("cost of goods"), null=True, blank=True)
    cost_to_serve = MoneyField(_("cost to serve"), null=True, blank=True)
    financing_cost = MoneyField(_("financing cost of late payment"), null=True, blank=True)
    write_offs = MoneyField(_("write-offs"), null=True, blank=True)
    contribution = MoneyField(_("contribution"), null=True, blank=True)
    margin_12m = MoneyField(_("margin in 12 months"), null=True, blank=True)
    is_loss_making = models.BooleanField(_("loss-making"), default=False)

    # Behaviour and churn.
    weighted_days_late = models.DecimalField(
        _("amount-weighted days late"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_days_past_due = models.PositiveIntegerField(_("max days past due"), default=0)
    usual_gap_days = models.DecimalField(
        _("usual gap between invoices (days)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
    )
    is_churn_warning = models.BooleanField(_("churn warning"), default=False)
    churn_reason = models.CharField(_("churn reason"), max_length=255, blank=True)

    # Tiering.
    value_percentile = models.DecimalField(
        _("value percentile"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    tier = models.CharField(_("tier decided"), max_length=16, choices=Tier.choices, blank=True)
    # Not indexed: rules are never deleted (the only use of an index on it).
    tier_rule = models.ForeignKey(
        "analytics.TierRule",
        verbose_name=_("tier rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    tier_rule_name = models.CharField(_("tier rule name"), max_length=100, blank=True)

    # What could not be computed for this customer, in plain language.
    notes = models.JSONField(_("could not compute"), default=list, blank=True)

    class Meta:
        ordering = ["customer_id"]
        verbose_name = _("customer metrics")
        verbose_name_plural = _("customer metrics")
        constraints = [
            models.CheckConstraint(
                condition=Q(r_score__isnull=True) | Q(r_score__gte=1, r_score__lte=5),
                name="metrics_r_score_1_5",
            ),
            models.CheckConstraint(
                condition=Q(f_score__isnull=True) | Q(f_score__gte=1, f_score__lte=5),
                name="metrics_f_score_1_5",
            ),
            models.CheckConstraint(
                condition=Q(m_score__isnull=True) | Q(m_score__gte=1, m_score__lte=5),
                name="metrics_m_score_1_5",
            ),
            models.CheckConstraint(
                condition=Q(probability_alive__isnull=True)
                | Q(probability_alive__gte=0, probability_alive__lte=1),
                name="metrics_probability_alive_0_1",
            ),
        ]
        # Every night rewrites every row. An update that changes no indexed column (and
        # fits in its page) is a heap-only (HOT) update on PostgreSQL and writes no index
        # at all; one that changes any indexed column writes every index. So the indexes
        # cover only what rarely changes: the key and the two short lists' flags (about
        # 1 % loss-makers, 12 % churn warnings on the demo portfolio), never CLV, money,
        # the run or the date. Measured on 100,000 customers: the pages that sort by CLV
        # or filter by tier or segment were as fast without indexes on those columns
        # (a tier or segment is a fifth of the rows or more; a sales rep's few hundred
        # customers are found through the customer table). The table's fillfactor
        # (migration 0011) leaves each page room for the next night's versions.
        indexes = [
            models.Index(
                fields=["customer"], condition=Q(is_loss_making=True), name="metrics_loss_makers"
            ),
            models.Index(
                fields=["customer"], condition=Q(is_churn_warning=True), name="metrics_churn"
            ),
        ]

    def __str__(self) -> str:
        return f"Metrics of customer {self.customer_id} as of {self.as_of}"
