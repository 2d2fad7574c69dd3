"""Forms of the receivables pages (parsing and validation of query parameters)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.money import CURRENCY_CHOICES
from receivables.aging import GROUPINGS

_GROUP_LABELS = {
    "portfolio": _("Portfolio"),
    "customer": _("Customer"),
    "sales_rep": _("Sales rep"),
    "region": _("Region"),
    "tier": _("Tier"),
    "currency": _("Currency"),
}


class AgingFilterForm(forms.Form):
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group_by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[(key, _GROUP_LABELS[key]) for key in GROUPINGS],
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("All")), *CURRENCY_CHOICES]
    )
    page = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, widget=forms.HiddenInput
    )
