"""Forms of the receivables pages (parsing and validation of query parameters)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.money import CURRENCY_CHOICES
from receivables.aging import GROUPINGS
from receivables.services._checks import EARLIEST_DATE, LATEST_DATE

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
        label=_("As of"),
        required=False,
        widget=forms.DateInput(
            attrs={
                "type": "date",
                "min": EARLIEST_DATE.isoformat(),
                "max": LATEST_DATE.isoformat(),
            }
        ),
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

    def clean_as_of(self) -> date | None:
        """Only the dates the ledger works with (the aging service refuses others)."""
        as_of = self.cleaned_data.get("as_of")
        if as_of is not None and not EARLIEST_DATE <= as_of <= LATEST_DATE:
            raise forms.ValidationError(
                _("The date %(date)s is out of range; use a date from %(earliest)s to %(latest)s."),
                code="date_out_of_range",
                params={
                    "date": as_of.isoformat(),
                    "earliest": EARLIEST_DATE.isoformat(),
                    "latest": LATEST_DATE.isoformat(),
                },
            )
        return as_of
