"""Forms of the limit-request pages: they only collect input; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from credit.models.limits import OPEN_STATUSES


class LimitRequestForm(forms.Form):
    # Text, not DecimalField: the service parses the amount with the customer's
    # currency and says what is wrong in one place for every path.
    requested_limit = forms.CharField(
        label=_("Requested limit"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("In the customer's currency, e.g. 25000.00."),
    )
    expires_on = forms.DateField(
        label=_("Limit expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: after this date the limit falls back to the default."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    # The step the decider saw (the request's status when the page was drawn): a
    # request that moved on meanwhile is refused (409), never decided at another step.
    expected_status = forms.ChoiceField(
        choices=[(status, status.label) for status in OPEN_STATUSES],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you reject."),
    )
