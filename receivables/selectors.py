"""Reads of the ledger, scoped to the customers the user may see."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from customers.selectors import customer_visibility_q
from receivables.models import (
    Allocation,
    CreditNote,
    Dispute,
    Invoice,
    Payment,
    PromiseToPay,
    WriteOff,
)

User = AbstractBaseUser | AnonymousUser


def invoice_open_q() -> Q:
    """An invoice is open while something is still owed on it."""
    return Q(open_amount__gt=0)


def invoice_overdue_q(*, as_of: date) -> Q:
    """Open and due before ``as_of``."""
    return invoice_open_q() & Q(due_date__lt=as_of)


def invoice_days_past_due(*, invoice: Invoice, as_of: date) -> int:
    """Days an open invoice is past its due date on ``as_of``; 0 when not due or settled."""
    if invoice.open_amount <= 0 or invoice.due_date >= as_of:
        return 0
    return (as_of - invoice.due_date).days


def allocation_active_q() -> Q:
    """An allocation counts until it is unapplied."""
    return Q(unapplied_at__isnull=True)


def invoice_list(*, user: User) -> QuerySet[Invoice]:
    """Invoices of the customers the user may see."""
    return Invoice.objects.filter(customer_visibility_q(user=user, prefix="customer__"))


def payment_list(*, user: User) -> QuerySet[Payment]:
    """Payments of the customers the user may see."""
    return Payment.objects.filter(customer_visibility_q(user=user, prefix="customer__"))


def allocation_list(*, user: User) -> QuerySet[Allocation]:
    """Allocations between payments and invoices of the customers the user may see."""
    return Allocation.objects.select_related("invoice").filter(
        customer_visibility_q(user=user, prefix="invoice__customer__")
    )


def credit_note_list(*, user: User) -> QuerySet[CreditNote]:
    """Credit notes of the customers the user may see."""
    return CreditNote.objects.filter(customer_visibility_q(user=user, prefix="customer__"))


def write_off_list(*, user: User) -> QuerySet[WriteOff]:
    """Write-offs on invoices of the customers the user may see."""
    return WriteOff.objects.select_related("invoice").filter(
        customer_visibility_q(user=user, prefix="invoice__customer__")
    )


def dispute_list(*, user: User) -> QuerySet[Dispute]:
    """Disputes on invoices of the customers the user may see."""
    return Dispute.objects.select_related("invoice").filter(
        customer_visibility_q(user=user, prefix="invoice__customer__")
    )


def promise_to_pay_list(*, user: User) -> QuerySet[PromiseToPay]:
    """Promises to pay of the customers the user may see, with their invoices."""
    invoice_ids = Prefetch("invoices", queryset=Invoice.objects.only("pk").order_by("pk"))
    return PromiseToPay.objects.prefetch_related(invoice_ids).filter(
        customer_visibility_q(user=user, prefix="customer__")
    )
