"""What the ledger admins share: the customer scope, record fields, inlines."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.admin import RowScopedMixin
from customers.models import Customer
from customers.selectors import customer_list, customer_visibility_q
from receivables.models import Allocation, Invoice

RECORD = ("created_at", "updated_at")


class CustomerScopedMixin(RowScopedMixin):
    """Only rows of customers the user may see (the customers' own rule).

    ``scope_path`` leads from the model to its customer.
    """

    scope_q = staticmethod(customer_visibility_q)
    scope_path = "customer__"
    scope_model = Customer
    scope_choices = staticmethod(customer_list)


def of_customer_code(term: str) -> Q:
    ids = list(Customer.objects.filter(code__iexact=term).values_list("pk", flat=True)[:1])
    return Q(customer_id__in=ids) if ids else Q(pk__in=[])


def invoice_link(invoice: Invoice | None) -> str:
    """The invoice's number, linking to its admin page ("—" for none)."""
    if invoice is None:
        return "—"
    url = reverse("admin:receivables_invoice_change", args=[invoice.pk])
    return format_html('<a href="{}">{}</a>', url, invoice.number)


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
