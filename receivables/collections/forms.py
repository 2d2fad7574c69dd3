"""Forms of the worklist pages: parsing only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.db import PAGE_MAX
from customers.models import Region, Tier
from receivables.models import CONTACT_KINDS, MAX_AGING_BUCKETS, DunningLevel, Invoice


def bucket_choices(edges: tuple[int, ...]) -> list[tuple[str, str]]:
    choices = [("", _("All"))]
    low = 1
    for index, edge in enumerate(edges, start=1):
        choices.append((str(index), f"{low}–{edge}"))
        low = edge + 1
    if len(edges) + 1 < MAX_AGING_BUCKETS:
        choices.append((str(len(edges) + 1), f"{low}+"))
    return choices


class WorklistFilterForm(forms.Form):
    mine = forms.BooleanField(label=_("My queue"), required=False)
    unassigned = forms.BooleanField(label=_("Unassigned"), required=False)
    follow_up_due = forms.BooleanField(label=_("Follow-up due"), required=False)
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("All")), *Tier.choices]
    )
    bucket = forms.TypedChoiceField(
        label=_("Oldest item, days past due"), required=False, coerce=int, empty_value=None
    )
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All")), *Region.choices]
    )
    sales_rep = forms.TypedChoiceField(
        label=_("Sales rep"), required=False, coerce=int, empty_value=None
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=PAGE_MAX, widget=forms.HiddenInput
    )

    def __init__(
        self, *args: Any, edges: tuple[int, ...], sales_reps: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bucket"].choices = bucket_choices(edges)
        self.fields["sales_rep"].choices = [("", _("All")), *sales_reps]


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(kind.value, kind.label) for kind in CONTACT_KINDS]
    )
    outcome = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class FollowUpForm(forms.Form):
    follow_up_on = forms.DateField(
        label=_("Next follow-up"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0)
    promised_date = forms.DateField(
        label=_("Promised for"), widget=forms.DateInput(attrs={"type": "date"})
    )
    invoices = forms.ModelMultipleChoiceField(
        label=_("Invoices (none: on the account)"),
        queryset=Invoice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args: Any, invoices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = invoices
        self.fields["invoices"].label_from_instance = lambda invoice: (
            f"{invoice.number} · {invoice.open_amount} {invoice.currency}"
        )


class DisputeForm(forms.Form):
    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args: Any, invoices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = invoices


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args: Any, clerks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = clerks


class SendNoticeForm(forms.Form):
    level = forms.ModelChoiceField(label=_("Level"), queryset=DunningLevel.objects.none())
    request_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, levels: list[DunningLevel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = DunningLevel.objects.filter(
            pk__in=[level.pk for level in levels]
        ).order_by("position")
        self.fields["level"].label_from_instance = lambda level: (
            _("Level %(position)s (%(offset)+d days)")
            % {"position": level.position, "offset": level.offset_days}
        )


class KpiFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    clerk = forms.ModelChoiceField(label=_("Clerk"), queryset=None, required=False)

    def __init__(self, *args: Any, clerks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clerk"].queryset = clerks

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date; swap them."))
        if start and end and (end - start).days > 366:
            raise forms.ValidationError(_("Pick at most a year at a time."))
        return data
