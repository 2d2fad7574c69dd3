"""Forms of the analytics pages (parsing and validation of query parameters)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.kpis.customers import CUSTOMER_ORDERINGS
from analytics.models import KpiDimension, RfmSegment, TierRule
from analytics.tiering.rules import BOUND_FIELDS
from crm.db import PAGE_MAX
from customers.models import Tier

_SORT_LABELS = {
    "code": _("Code"),
    "name": _("Name"),
    "tier": _("Tier"),
    "clv": _("CLV, highest first"),
    "overdue": _("Overdue, largest first"),
    "available_credit": _("Available credit, lowest first"),
}


class MyCustomersFilterForm(forms.Form):
    q = forms.CharField(label=_("Search code or name"), required=False, max_length=100)
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("All")), *Tier.choices]
    )
    segment = forms.ChoiceField(
        label=_("RFM segment"), required=False, choices=[("", _("All")), *RfmSegment.choices]
    )
    churn = forms.BooleanField(label=_("Only churn warnings"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, _SORT_LABELS[key]) for key in CUSTOMER_ORDERINGS],
    )
    page = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, max_value=PAGE_MAX, widget=forms.HiddenInput
    )


class KpiFilterForm(forms.Form):
    dimension = forms.ChoiceField(
        label=_("Dimension"), required=False, choices=[("", _("All")), *KpiDimension.choices]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("“From” is after “To”; swap the dates."))
        return data


def _bound(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, decimal_places=2)


class TierWhatIfForm(forms.Form):
    """One active rule with new thresholds; blank bound = unbounded on that side."""

    rule = forms.ModelChoiceField(
        label=_("Rule"), queryset=TierRule.objects.filter(is_active=True).order_by("position", "id")
    )
    days_past_due_above = _bound(_("Max days past due above"))
    days_past_due_at_most = _bound(_("Max days past due at most"))
    value_percentile_above = _bound(_("Value percentile above"))
    value_percentile_at_most = _bound(_("Value percentile at most"))
    days_late_above = _bound(_("Weighted days late above"))
    days_late_at_most = _bound(_("Weighted days late at most"))

    BOUNDS = BOUND_FIELDS
