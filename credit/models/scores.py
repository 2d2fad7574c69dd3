"""Credit scores: every score ever computed, the latest per customer, and backtest runs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CreditScore(models.Model):
    """One score of one customer: the points, the grade, and why (components and reasons).

    ``components`` maps a component name to ``{"value", "points", "max_points"}``;
    ``reasons`` lists the (up to) three components that cost most points, each
    ``{"component", "points_lost", "value", "text"}`` with ``text`` in English
    (pages translate it again from the component and value).
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_scores",
        db_index=False,  # the history index (customer, -computed_at) serves lookups by customer
    )
    computed_at = models.DateTimeField(_("computed at"))
    as_of = models.DateField(_("inputs as of"))
    score = models.PositiveSmallIntegerField(_("score"))
    grade = models.CharField(_("grade"), max_length=1)
    probability_of_default = models.DecimalField(
        _("probability of default"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    version = models.CharField(_("scorecard version"), max_length=40)
    components = models.JSONField(_("components"), default=dict)
    reasons = models.JSONField(_("reasons"), default=list)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=1000), name="credit_score_at_most_1000"),
            models.CheckConstraint(
                condition=Q(probability_of_default__isnull=True)
                | Q(probability_of_default__gte=0, probability_of_default__lte=1),
                name="credit_score_pd_0_1",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-computed_at"], name="credit_score_history")]

    def __str__(self) -> str:
        return f"{self.score} ({self.grade}) for {self.customer_id}"


class CreditScoreLatest(models.Model):
    """The newest score of each customer: one indexed row to read, upserted with each score."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="latest_credit_score",
    )
    score = models.OneToOneField(
        CreditScore, verbose_name=_("score"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("latest credit score")
        verbose_name_plural = _("latest credit scores")

    def __str__(self) -> str:
        return f"Latest score of {self.customer_id}"


class CreditBacktest(models.Model):
    """One backtest run: scores at an observation date against defaults observed since.

    ``grades`` lists ``{"grade", "customers", "defaults", "default_rate",
    "probability_of_default"}`` from A to E; ``migration`` maps the grade at the
    observation date to ``{grade now: customers}``; ``roc`` and ``ks_curve`` are
    a few points of each curve for the charts.
    """

    computed_at = models.DateTimeField(_("computed at"))
    as_of = models.DateField(_("outcomes observed up to"))
    observation_date = models.DateField(_("scores as of"))
    version = models.CharField(_("scorecard version"), max_length=40)
    customers = models.PositiveIntegerField(_("customers"))
    defaults = models.PositiveIntegerField(_("defaults"))
    # Dimensionless rank statistics in [0, 1] (not money), rounded to 4 places when stored;
    # the API serves them as JSON numbers.
    auc = models.FloatField(_("AUC"), null=True, blank=True)
    gini = models.FloatField(_("Gini"), null=True, blank=True)
    ks = models.FloatField(_("KS"), null=True, blank=True)
    grades = models.JSONField(_("grades"), default=list)
    migration = models.JSONField(_("grade migration"), default=dict)
    roc = models.JSONField(_("ROC curve"), default=list)
    ks_curve = models.JSONField(_("KS curve"), default=list)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("credit backtest")
        verbose_name_plural = _("credit backtests")
        indexes = [models.Index(fields=["version", "-computed_at"], name="credit_backtest_version")]

    def __str__(self) -> str:
        return f"Backtest {self.observation_date}..{self.as_of} ({self.version})"
