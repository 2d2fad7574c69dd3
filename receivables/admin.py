"""The back office for the ledger.

Ledger rows are never deleted or edited here: invoices, payments and
allocations are posted through their services and then only viewed (the
maintained amounts are read-only; voiding and unapplying are services of their
own). Credit notes and write-offs are view-only in the admin; disputes can be
opened (``dispute_open``). Every list is scoped to the customers the user may
see, and the big lists are searched by exact keys so they use an index.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from customers.admin import (
    BigTableMixin,
    CustomerScopedMixin,
    ImportExportPermissionsMixin,
    ServiceModelForm,
    ServiceWritesMixin,
)
from customers.models import Customer
from receivables.models import (
    Allocation,
    CreditNote,
    Dispute,
    Invoice,
    Payment,
    PromiseToPay,
    WriteOff,
)
from receivables.resources import InvoiceResource, PaymentResource
from receivables.selectors import (
    allocation_active_q,
    invoice_list,
    invoice_open_q,
    invoice_overdue_q,
    payment_list,
)
from receivables.services import (
    allocation_create,
    dispute_open,
    invoice_create,
    payment_create,
    promise_to_pay_create,
)

_RECORD = ("created_at", "updated_at")


class PostOnlyMixin:
    """Rows are added (through a service), then only viewed: never changed or deleted."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ViewOnlyMixin(PostOnlyMixin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


class AddThenViewMixin(PostOnlyMixin):
    """The add form shows ``add_fields``; a posted row shows everything read-only."""

    add_fields: tuple[str, ...] = ()
    view_fields: tuple[str, ...] = ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return self.add_fields if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return () if obj is None else self.view_fields

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list:
        return [] if obj is None else super().get_inline_instances(request, obj)


class ExactKeySearchMixin:
    """Search by exact keys only (``exact_keys(term)`` -> a Q): each one an index
    lookup, since ``icontains`` on a table of millions is a full scan."""

    def exact_keys(self, term: str) -> Q:
        raise NotImplementedError

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        return (queryset.filter(self.exact_keys(term)) if term else queryset), False


def _of_customer_code(term: str) -> Q:
    ids = list(Customer.objects.filter(code__iexact=term).values_list("pk", flat=True)[:1])
    return Q(customer_id__in=ids) if ids else Q(pk__in=[])


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


class AllocationInline(admin.TabularInline):
    """Read-only: the allocations of a payment or an invoice, active or unapplied."""

    model = Allocation
    extra = 0
    can_delete = False
    show_change_link = True
    counterpart = "invoice"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return (self.counterpart, "amount", "allocated_on", "is_active", "unapplied_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return self.get_fields(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Allocation]:
        return super().get_queryset(request).select_related(self.counterpart)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True, description=_("active"))
    def is_active(self, allocation: Allocation) -> bool:
        return allocation.is_active


class PaymentAllocationInline(AllocationInline):
    fk_name = "payment"
    counterpart = "invoice"


class InvoiceAllocationInline(AllocationInline):
    fk_name = "invoice"
    counterpart = "payment"


# --- invoices -----------------------------------------------------------------


class InvoiceForm(ServiceModelForm):
    optional_fields = {
        "due_date": _("Leave blank to use the customer's payment terms."),
        "currency": _("Leave blank to use the customer's currency."),
    }


@admin.register(Invoice)
class InvoiceAdmin(
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
        "status", "paid_date", "is_disputed", *_RECORD,
    )  # fmt: skip

    def exact_keys(self, term: str) -> Q:
        return Q(number=term) | Q(external_id=term) | _of_customer_code(term)

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


class PaymentForm(ServiceModelForm):
    optional_fields = {"currency": _("Leave blank to use the customer's currency.")}


@admin.register(Payment)
class PaymentAdmin(
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
    view_fields = (*add_fields, "amount_allocated", "unapplied_amount", "status", *_RECORD)

    @admin.display(description=_("unapplied"))
    def unapplied_amount(self, payment: Payment) -> Any:
        return payment.unapplied_amount

    def exact_keys(self, term: str) -> Q:
        return Q(reference=term) | Q(external_id=term) | _of_customer_code(term)

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


class AllocationForm(ServiceModelForm):
    optional_fields = {
        "allocated_on": _("Leave blank for today (or the payment's date, if later).")
    }


@admin.register(Allocation)
class AllocationAdmin(
    CustomerScopedMixin,
    ExactKeySearchMixin,
    AddThenViewMixin,
    ServiceWritesMixin,
    BigTableMixin,
    admin.ModelAdmin,
):
    form = AllocationForm
    customer_path = "invoice__customer__"
    list_display = ("__str__", "payment", "invoice", "amount", "allocated_on", "is_active")
    list_filter = (ActiveFilter, ("allocated_on", admin.DateFieldListFilter))
    list_select_related = ("payment", "invoice")
    search_fields = ("invoice__number",)  # see get_search_results
    search_help_text = _("Exact invoice number, or payment reference or external id.")
    autocomplete_fields = ("payment", "invoice")
    add_fields = ("payment", "invoice", "amount", "allocated_on")
    view_fields = (*add_fields, "is_active", "created_by", "unapplied_at", "unapplied_by", *_RECORD)

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
        return Q(invoice_id__in=list(invoices)) | Q(payment_id__in=list(payment_ids))

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


# --- credit notes, write-offs, disputes ---------------------------------------


@admin.register(CreditNote)
class CreditNoteAdmin(CustomerScopedMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "customer", "invoice", "issue_date", "amount", "currency", "reason")
    list_filter = ("currency", ("issue_date", admin.DateFieldListFilter))
    list_select_related = ("customer", "invoice")
    search_fields = ("=number", "=customer__code", "=invoice__number")
    search_help_text = _("Exact credit note number, customer code or invoice number.")
    date_hierarchy = "issue_date"


@admin.register(WriteOff)
class WriteOffAdmin(CustomerScopedMixin, ViewOnlyMixin, admin.ModelAdmin):
    customer_path = "invoice__customer__"
    list_display = ("invoice", "amount", "written_off_on", "reason", "created_by")
    list_filter = (("written_off_on", admin.DateFieldListFilter),)
    list_select_related = ("invoice", "created_by")
    search_fields = ("=invoice__number", "reason")
    search_help_text = _("Exact invoice number, or words of the reason.")
    date_hierarchy = "written_off_on"


class DisputeForm(ServiceModelForm):
    optional_fields = {"opened_on": _("Leave blank for today.")}


@admin.register(Dispute)
class DisputeAdmin(CustomerScopedMixin, AddThenViewMixin, ServiceWritesMixin, admin.ModelAdmin):
    form = DisputeForm
    customer_path = "invoice__customer__"
    list_display = ("invoice", "status", "opened_on", "resolved_on", "reason", "opened_by")
    list_filter = ("status", ("opened_on", admin.DateFieldListFilter))
    list_select_related = ("invoice", "opened_by")
    search_fields = ("=invoice__number", "reason")
    search_help_text = _("Exact invoice number, or words of the reason.")
    date_hierarchy = "opened_on"
    autocomplete_fields = ("invoice",)
    add_fields = ("invoice", "reason", "opened_on")
    view_fields = (
        *add_fields, "status", "resolved_on", "resolution", "opened_by", *_RECORD,
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


class PromiseToPayForm(ServiceModelForm):
    optional_fields = {"made_on": _("Leave blank for today.")}


@admin.register(PromiseToPay)
class PromiseToPayAdmin(
    CustomerScopedMixin, AddThenViewMixin, ServiceWritesMixin, admin.ModelAdmin
):
    """Recorded through ``promise_to_pay_create``; the daily evaluation closes it."""

    form = PromiseToPayForm
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
        *add_fields, "currency", "status", "amount_received", "closed_on", "created_by", *_RECORD,
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
