"""Credit notes, write-offs, disputes and promises to pay in the admin.

Credit notes and write-offs are created by the invoice actions (view-only
here; their lists link to the invoice). Disputes are opened here or from the
invoice and resolved by an action; promises to pay are recorded here and
cancelled by an action (the daily evaluation closes the others).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from crm.admin import (
    AddThenViewMixin,
    PerRowAction,
    RowActionsMixin,
    ServiceModelForm,
    ServiceWritesMixin,
    ViewOnlyMixin,
)
from receivables.admin._common import RECORD, CustomerScopedMixin, invoice_link
from receivables.admin.forms import DisputeResolveForm
from receivables.models import (
    CreditNote,
    Dispute,
    DisputeStatus,
    PromiseStatus,
    PromiseToPay,
    WriteOff,
)
from receivables.selectors import invoice_list
from receivables.services import (
    dispute_open,
    dispute_resolve,
    promise_to_pay_cancel,
    promise_to_pay_create,
)


class InvoiceLinkMixin:
    """An "invoice" column linking to the invoice's admin page."""

    @admin.display(description=_("invoice"), ordering="invoice__number")
    def invoice_link(self, row: Any) -> str:
        return invoice_link(row.invoice)


@admin.register(CreditNote)
class CreditNoteAdmin(InvoiceLinkMixin, CustomerScopedMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = (
        "number", "customer", "invoice_link", "issue_date", "amount", "currency", "reason",
    )  # fmt: skip
    list_filter = ("currency", ("issue_date", admin.DateFieldListFilter))
    list_select_related = ("customer", "invoice")
    search_fields = ("=number", "=customer__code", "=invoice__number")
    search_help_text = _("Exact credit note number, customer code or invoice number.")
    date_hierarchy = "issue_date"


@admin.register(WriteOff)
class WriteOffAdmin(InvoiceLinkMixin, CustomerScopedMixin, ViewOnlyMixin, admin.ModelAdmin):
    scope_path = "invoice__customer__"
    list_display = ("written_off_on", "invoice_link", "amount", "reason", "created_by")
    list_display_links = ("written_off_on",)
    list_filter = (("written_off_on", admin.DateFieldListFilter),)
    list_select_related = ("invoice", "created_by")
    search_fields = ("=invoice__number", "reason")
    search_help_text = _("Exact invoice number, or words of the reason.")
    date_hierarchy = "written_off_on"


# --- disputes -----------------------------------------------------------------


class DisputeResolve(PerRowAction):
    name = "dispute_resolve"
    description = _("Resolve selected disputes…")
    button_label = _("Resolve…")
    title = _("Resolve disputes")
    submit_label = _("Resolve")
    failed = _("was not resolved")
    permission = "receivables.change_dispute"
    form_class = DisputeResolveForm
    on_change_page = True

    def label(self, row: Model) -> str:
        return _t("the dispute on invoice %(number)s") % {"number": row.invoice.number}

    def offered_for(self, row: Model) -> bool:
        return row.status == DisputeStatus.OPEN

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        dispute_resolve(
            dispute=row,
            resolution=data["resolution"],
            resolved_on=data.get("resolved_on"),
            user=request.user,
        )
        return _t("%(dispute)s was resolved; dunning resumes on the invoice.") % {
            "dispute": capfirst(self.label(row))
        }


class DisputeForm(ServiceModelForm):
    optional_fields = {"opened_on": _("Leave blank for today.")}


@admin.register(Dispute)
class DisputeAdmin(
    RowActionsMixin, CustomerScopedMixin, AddThenViewMixin, ServiceWritesMixin, admin.ModelAdmin
):
    form = DisputeForm
    scope_path = "invoice__customer__"
    row_actions = (DisputeResolve(),)
    list_display = ("invoice", "status", "opened_on", "resolved_on", "reason", "opened_by")
    list_filter = ("status", ("opened_on", admin.DateFieldListFilter))
    list_select_related = ("invoice", "opened_by")
    search_fields = ("=invoice__number", "reason")
    search_help_text = _("Exact invoice number, or words of the reason.")
    date_hierarchy = "opened_on"
    autocomplete_fields = ("invoice",)
    add_fields = ("invoice", "reason", "opened_on")
    view_fields = (
        *add_fields, "status", "resolved_on", "resolution", "opened_by", *RECORD,
    )  # fmt: skip

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "invoice":
            kwargs["queryset"] = invoice_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_through_service(
        self, request: HttpRequest, obj: Dispute, form: forms.ModelForm, change: bool
    ) -> Dispute:
        data = form.cleaned_data
        return dispute_open(
            invoice=data["invoice"],
            reason=data["reason"],
            opened_on=data.get("opened_on"),
            user=request.user,
        )


# --- promises to pay ----------------------------------------------------------


class PromiseToPayCancel(PerRowAction):
    name = "promise_to_pay_cancel"
    description = _("Cancel selected promises to pay")
    button_label = _("Cancel promise")
    failed = _("was not cancelled")
    permission = "receivables.change_promisetopay"
    on_change_page = True

    def label(self, row: Model) -> str:
        values = {"promise": row, "customer": row.customer.code}
        return _t("the promise of %(customer)s to pay %(promise)s") % values

    def offered_for(self, row: Model) -> bool:
        return row.status == PromiseStatus.OPEN

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        promise_to_pay_cancel(promise=row, user=request.user)
        return _t("%(promise)s was cancelled; dunning resumes on its invoices.") % {
            "promise": capfirst(self.label(row))
        }


class PromiseToPayForm(ServiceModelForm):
    optional_fields = {"made_on": _("Leave blank for today.")}


@admin.register(PromiseToPay)
class PromiseToPayAdmin(
    RowActionsMixin, CustomerScopedMixin, AddThenViewMixin, ServiceWritesMixin, admin.ModelAdmin
):
    """Recorded through ``promise_to_pay_create``; the daily evaluation closes it."""

    form = PromiseToPayForm
    row_actions = (PromiseToPayCancel(),)
    list_display = (
        "customer", "amount", "currency", "promised_date", "status", "amount_received", "made_on",
    )  # fmt: skip
    list_filter = ("status", ("promised_date", admin.DateFieldListFilter))
    list_select_related = ("customer",)
    search_fields = ("=customer__code", "note")
    search_help_text = _("Exact customer code, or words of the note.")
    date_hierarchy = "promised_date"
    autocomplete_fields = ("customer", "invoices")
    add_fields = ("customer", "invoices", "amount", "promised_date", "made_on", "note")
    view_fields = (
        *add_fields, "currency", "status", "amount_received", "closed_on", "created_by", *RECORD,
    )  # fmt: skip

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "invoices":
            kwargs["queryset"] = invoice_list(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_through_service(
        self, request: HttpRequest, obj: PromiseToPay, form: forms.ModelForm, change: bool
    ) -> PromiseToPay:
        data = form.cleaned_data
        return promise_to_pay_create(
            customer=data["customer"],
            amount=data["amount"],
            promised_date=data["promised_date"],
            invoices=list(data.get("invoices") or ()),
            note=data.get("note") or "",
            made_on=data.get("made_on"),
            user=request.user,
        )
