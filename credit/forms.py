"""Forms of the credit pages: parse and validate, the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from credit.models import ReviewDecision
from crm.db import PAGE_MAX


class CreditCheckForm(forms.Form):
    customer = forms.CharField(
        label=_("Customer code"),
        max_length=32,
        widget=forms.TextInput(attrs={"list": "customer-codes", "autocomplete": "off"}),
    )
    order_amount = forms.DecimalField(
        label=_("Order amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("Leave empty for the customer's currency."),
    )
    order_reference = forms.CharField(label=_("Order reference"), max_length=64)


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PageForm(forms.Form):
    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=PAGE_MAX)
