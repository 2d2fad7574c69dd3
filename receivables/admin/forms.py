"""The forms of the ledger's admin actions (their intermediate pages).

They parse the input only; the service each action calls is the one place that
validates, and its refusal is shown on the field it names.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

_REASON_MAX = 255


def _amount_field(help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, help_text=help_text
    )


def _optional_date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=_("YYYY-MM-DD; leave blank for today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=_REASON_MAX,
        help_text=_("Why the invoice is voided, e.g. “posted twice”; kept on the invoice."),
    )


class DisputeOpenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=_REASON_MAX,
        help_text=_("What the customer contests; dunning pauses on the invoice meanwhile."),
    )
    opened_on = _optional_date(_("Opened on"))


class WriteOffForm(forms.Form):
    amount = _amount_field(_("At most what is open on the invoice (filled in)."))
    reason = forms.CharField(label=_("Reason"), max_length=_REASON_MAX)
    written_off_on = _optional_date(_("Written off on"))


class CreditNoteForm(forms.Form):
    number = forms.CharField(
        label=_("Credit note number"), max_length=40, help_text=_("Unique, e.g. CN-2026-0042.")
    )
    amount = _amount_field(_("At most what is open on the invoice (filled in)."))
    reason = forms.CharField(label=_("Reason"), max_length=_REASON_MAX)
    issue_date = _optional_date(_("Issue date"))


class DisputeResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        max_length=_REASON_MAX,
        help_text=_("How the dispute ended, e.g. “credit note CN-42 issued”."),
    )
    resolved_on = _optional_date(_("Resolved on"))
