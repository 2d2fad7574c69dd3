"""Payments and allocations in the admin: posted through ``payment_create`` and
``allocation_create``, then only viewed; applied oldest due first
(``payment_apply_oldest_first``) and unapplied (``allocation_unapply``) by actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from crm.admin import (
    AddThenViewMixin,
    BigTableMixin,
    ExactKeySearchMixin,
    ImportExportPermissionsMixin,
    Outcome,
    PerRowAction,
    RowActionsMixin,
    ServiceModelForm,
    ServiceWritesMixin,
)
from receivables.admin._common import (
    RECORD,
    CustomerScopedMixin,
    PaymentAllocationInline,
    of_customer_code,
)
from receivables.models import Allocation, Invoice, Payment, PaymentStatus
from receivables.resources import PaymentResource
from receivables.selectors import allocation_active_q, invoice_list, payment_list
from receivables.services import (
    allocation_create,
    allocation_unapply,
    payment_apply_oldest_first,
    payment_create,
)

# --- payments -----------------------------------------------------------------


class UnappliedFilter(admin.SimpleListFilter):
    title = _("applied")
    parameter_name = "applied"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("unapplied", _("Has an unapplied amount")), ("fully", _("Fully applied"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "unapplied":
            return queryset.filter(amount_allocated__lt=F("amount"))
        if self.value() == "fully":
            return queryset.filter(amount_allocated=F("amount"))
        return queryset


class PaymentApplyOldestFirst(PerRowAction):
    name = "payment_apply_oldest_first"
    description = _("Apply selected payments to the oldest due invoices")
    button_label = _("Apply oldest due first")
    failed = _("was not applied")
    permission = "receivables.add_allocation"
    on_change_page = True

    def label(self, row: Model) -> str:
        return _t("payment %(payment)s") % {"payment": row}

    def offered_for(self, row: Model) -> bool:
        return row.status != PaymentStatus.BOUNCED and row.unapplied_amount > 0

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str | Outcome:
        created = payment_apply_oldest_first(payment=row, user=request.user)
        if not created:
            text = _t(
                "%(payment)s: nothing was applied (nothing unapplied on it, or no undisputed "
                "open invoice of the customer in %(currency)s)."
            )
            return Outcome(
                messages.WARNING,
                text % {"payment": capfirst(self.label(row)), "currency": row.currency},
            )
        numbers = Invoice.objects.filter(pk__in=[a.invoice_id for a in created]).in_bulk()
        values = {
            "payment": capfirst(self.label(row)),
            "amount": sum(allocation.amount for allocation in created),
            "currency": row.currency,
            "invoices": ", ".join(numbers[a.invoice_id].number for a in created),
            "left": row.unapplied_amount,
        }
        return (
            _t(
                "%(payment)s: applied %(amount)s %(currency)s to %(invoices)s; "
                "%(left)s %(currency)s left unapplied."
            )
            % values
        )


class PaymentForm(ServiceModelForm):
    optional_fields = {"currency": _("Leave blank to use the customer's currency.")}


@admin.register(Payment)
class PaymentAdmin(
    RowActionsMixin,
    CustomerScopedMixin,
    ExactKeySearchMixin,
    AddThenViewMixin,
    ServiceWritesMixin,
    BigTableMixin,
    ImportExportPermissionsMixin,
    ImportExportModelAdmin,
):
    form = PaymentForm
    resource_classes = [PaymentResource]
    row_actions = (PaymentApplyOldestFirst(),)
    list_display = (
        "__str__", "customer", "received_date", "amount", "currency", "amount_allocated",
        "unapplied_amount", "method", "status",
    )  # fmt: skip
    list_filter = (
        "status",
        UnappliedFilter,
        "method",
        "currency",
        ("received_date", admin.DateFieldListFilter),
    )
    list_select_related = ("customer",)
    search_fields = ("reference",)  # see get_search_results
    search_help_text = _("Exact payment reference or external id, or a customer code.")
    autocomplete_fields = ("customer",)
    inlines = (PaymentAllocationInline,)
    add_fields = (
        "customer", "received_date", "amount", "currency", "method", "reference", "external_id",
    )  # fmt: skip
    view_fields = (*add_fields, "amount_allocated", "unapplied_amount", "status", *RECORD)

    @admin.display(description=_("unapplied"))
    def unapplied_amount(self, payment: Payment) -> Any:
        return payment.unapplied_amount

    def exact_keys(self, term: str) -> Q:
        return Q(reference=term) | Q(external_id=term) | of_customer_code(term)

    def save_through_service(
        self, request: HttpRequest, obj: Payment, form: forms.ModelForm, change: bool
    ) -> Payment:
        data = form.cleaned_data
        return payment_create(
            customer=data["customer"],
            received_date=data["received_date"],
            amount=data["amount"],
            currency=data.get("currency") or None,
            method=data["method"],
            reference=data.get("reference") or "",
            external_id=data.get("external_id") or None,
        )


# --- allocations --------------------------------------------------------------


class ActiveFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Active")), ("no", _("Unapplied"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(allocation_active_q())
        if self.value() == "no":
            return queryset.exclude(allocation_active_q())
        return queryset


class AllocationUnapply(PerRowAction):
    name = "allocation_unapply"
    description = _("Unapply selected allocations")
    button_label = _("Unapply")
    failed = _("was not unapplied")
    permission = "receivables.change_allocation"
    on_change_page = True

    def label(self, row: Model) -> str:
        values = {"amount": row.amount, "payment": row.payment, "invoice": row.invoice.number}
        return _t("allocation of %(amount)s from payment %(payment)s to invoice %(invoice)s") % (
            values
        )

    def offered_for(self, row: Model) -> bool:
        return row.is_active

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        allocation_unapply(allocation=row, user=request.user)
        return _t("%(allocation)s was unapplied; the invoice is open again for that amount.") % {
            "allocation": capfirst(self.label(row))
        }


class AllocationForm(ServiceModelForm):
    optional_fields = {
        "allocated_on": _("Leave blank for today (or the payment's date, if later).")
    }


@admin.register(Allocation)
class AllocationAdmin(
    RowActionsMixin,
    CustomerScopedMixin,
    ExactKeySearchMixin,
    AddThenViewMixin,
    ServiceWritesMixin,
    BigTableMixin,
    admin.ModelAdmin,
):
    form = AllocationForm
    scope_path = "invoice__customer__"
    row_actions = (AllocationUnapply(),)
    list_display = ("__str__", "payment", "invoice", "amount", "allocated_on", "is_active")
    list_filter = (ActiveFilter, ("allocated_on", admin.DateFieldListFilter))
    list_select_related = ("payment", "invoice")
    search_fields = ("invoice__number",)  # see get_search_results
    search_help_text = _(
        "Exact invoice number, payment reference or external id, or allocation external id."
    )
    autocomplete_fields = ("payment", "invoice")
    add_fields = ("payment", "invoice", "amount", "allocated_on")
    view_fields = (
        *add_fields,
        "external_id",
        "is_active",
        "created_by",
        "unapplied_at",
        "unapplied_by",
        *RECORD,
    )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "payment":
            kwargs["queryset"] = payment_list(user=request.user)
        elif db_field.name == "invoice":
            kwargs["queryset"] = invoice_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(boolean=True, description=_("active"))
    def is_active(self, allocation: Allocation) -> bool:
        return allocation.is_active

    def exact_keys(self, term: str) -> Q:
        invoices = Invoice.objects.filter(number=term).values_list("pk", flat=True)
        payments = Payment.objects.filter(Q(reference=term) | Q(external_id=term))
        payment_ids = payments.values_list("pk", flat=True)[:100]
        return (
            Q(invoice_id__in=list(invoices))
            | Q(payment_id__in=list(payment_ids))
            | Q(external_id=term)
        )

    def save_through_service(
        self, request: HttpRequest, obj: Allocation, form: forms.ModelForm, change: bool
    ) -> Allocation:
        data = form.cleaned_data
        return allocation_create(
            payment=data["payment"],
            invoice=data["invoice"],
            amount=data["amount"],
            allocated_on=data.get("allocated_on"),
            user=request.user,
        )
