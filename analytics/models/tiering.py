"""Tier rules and the history of tier changes.

A rule is a box in the space of the tiering inputs: risk grade (a set),
credit hold (yes / no / either) and three numeric ranges, each an interval
``(above, at_most]`` where an empty bound is unbounded. A customer matches a
rule when every condition holds. The active rules must cover the whole space
(no gap) and rules of different tiers must not both match any customer (no
overlap); rules of the same tier may overlap (that is how "D/E OR on hold OR
> 90 days" is written). See analytics/tiering/rules.py for the check.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from customers.models import Tier


class OnHoldCondition(models.TextChoices):
    EITHER = "either", _("Either")
    ON_HOLD = "on_hold", _("On hold")
    NOT_ON_HOLD = "not_on_hold", _("Not on hold")


class TierRule(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Display order; the first matching rule is stored.")
    )
    # Grades the rule applies to: a list of "A".."E" and "" (not graded yet);
    # empty list = any grade.
    risk_grades = models.JSONField(_("risk grades"), default=list, blank=True)
    on_hold = models.CharField(
        _("credit hold"), max_length=16, choices=OnHoldCondition.choices, default="either"
    )
    days_past_due_above = models.PositiveIntegerField(
        _("max days past due above"), null=True, blank=True
    )
    days_past_due_at_most = models.PositiveIntegerField(
        _("max days past due at most"), null=True, blank=True
    )
    value_percentile_above = models.DecimalField(
        _("value percentile above"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    value_percentile_at_most = models.DecimalField(
        _("value percentile at most"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    days_late_above = models.DecimalField(
        _("weighted days late above"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    days_late_at_most = models.DecimalField(
        _("weighted days late at most"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="tier_rule_known_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.tier}"


class TierChange(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tier_changes",
    )
    old_tier = models.CharField(_("old tier"), max_length=16, choices=Tier.choices)
    new_tier = models.CharField(_("new tier"), max_length=16, choices=Tier.choices)
    rule = models.ForeignKey(
        TierRule,
        verbose_name=_("rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rule_name = models.CharField(_("rule name"), max_length=100)
    run = models.ForeignKey(
        "analytics.PipelineRun",
        verbose_name=_("run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tier_change_rows",
    )
    changed_at = models.DateTimeField(_("changed at"))
    # Set when the sales rep's nightly digest listed this change.
    notified_at = models.DateTimeField(_("rep notified at"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [models.Index(fields=["customer", "-changed_at"], name="tier_change_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.old_tier} → {self.new_tier}"
