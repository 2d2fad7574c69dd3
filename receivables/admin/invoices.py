"""Invoices in the admin: posted through ``invoice_create``, then only viewed;
voided, written off, disputed or credited through the actions of
``invoice_actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from crm.admin import (
    AddThenViewMixin,
    BigTableMixin,
    ExactKeySearchMixin,
    ImportExportPermissionsMixin,
    RowActionsMixin,
    ServiceModelForm,
    ServiceWritesMixin,
)
from receivables.admin._common import (
    RECORD,
    CustomerScopedMixin,
    InvoiceAllocationInline,
    of_customer_code,
)
from receivables.admin.invoice_actions import INVOICE_ACTIONS
from receivables.models import Invoice
from receivables.resources import InvoiceResource
from receivables.selectors import invoice_open_q, invoice_overdue_q
from receivables.services import invoice_create


class OverdueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("overdue", _("Overdue")), ("not_due", _("Open, not yet due"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(invoice_overdue_q(as_of=today))
        if self.value() == "not_due":
            return queryset.filter(invoice_open_q(), due_date__gte=today)
        return queryset


class InvoiceForm(ServiceModelForm):
    optional_fields = {
        "due_date": _("Leave blank to use the customer's payment terms."),
        "currency": _("Leave blank to use the customer's currency."),
    }


@admin.register(Invoice)
class InvoiceAdmin(
    RowActionsMixin,
    CustomerScopedMixin,
    ExactKeySearchMixin,
    AddThenViewMixin,
    ServiceWritesMixin,
    BigTableMixin,
    ImportExportPermissionsMixin,
    ImportExportModelAdmin,
):
    form = InvoiceForm
    resource_classes = [InvoiceResource]
    row_actions = INVOICE_ACTIONS
    list_display = (
        "number", "customer", "issue_date", "due_date", "currency", "total", "open_amount",
        "status", "is_disputed",
    )  # fmt: skip
    list_filter = (
        "status",
        OverdueFilter,
        "is_disputed",
        "currency",
        ("issue_date", admin.DateFieldListFilter),
        ("due_date", admin.DateFieldListFilter),
    )
    list_select_related = ("customer",)
    search_fields = ("number",)  # see get_search_results
    search_help_text = _("Exact invoice number or external id, or a customer code.")
    autocomplete_fields = ("customer",)
    inlines = (InvoiceAllocationInline,)
    add_fields = (
        "customer", "number", "external_id", "issue_date", "due_date", "currency", "total",
        "cost_of_goods", "description",
    )  # fmt: skip
    view_fields = (
        *add_fields, "amount_paid", "amount_credited", "amount_written_off", "open_amount",
        "status", "paid_date", "is_disputed", *RECORD,
    )  # fmt: skip

    def exact_keys(self, term: str) -> Q:
        return Q(number=term) | Q(external_id=term) | of_customer_code(term)

    def save_through_service(
        self, request: HttpRequest, obj: Invoice, form: forms.ModelForm, change: bool
    ) -> Invoice:
        data = form.cleaned_data
        return invoice_create(
            customer=data["customer"],
            number=data["number"],
            issue_date=data["issue_date"],
            total=data["total"],
            due_date=data.get("due_date"),
            currency=data.get("currency") or None,
            cost_of_goods=data.get("cost_of_goods") or "0",
            external_id=data.get("external_id") or None,
            description=data.get("description") or "",
        )
