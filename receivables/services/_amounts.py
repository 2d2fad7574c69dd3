"""How an invoice's maintained amounts and status follow from its settlements."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from receivables.models import Allocation, Invoice, InvoiceStatus

ZERO = Decimal("0")

# The invoice fields a change of its allocations rewrites (applying or unapplying).
ALLOCATION_FIELDS = [
    "amount_paid",
    "late_paid_amount_days",
    "open_amount",
    "status",
    "paid_date",
    "updated_at",
]


def invoice_refresh_amounts(invoice: Invoice, *, settled_on: date | None = None) -> None:
    """Recompute ``open_amount`` and ``status`` from the settlement totals (in memory)."""
    if invoice.status == InvoiceStatus.VOID:
        invoice.open_amount = ZERO
        return
    invoice.open_amount = (
        invoice.total - invoice.amount_paid - invoice.amount_credited - invoice.amount_written_off
    )
    if invoice.open_amount == ZERO:
        invoice.status = (
            InvoiceStatus.WRITTEN_OFF if invoice.amount_written_off > ZERO else InvoiceStatus.PAID
        )
        if invoice.paid_date is None:
            invoice.paid_date = settled_on
    elif invoice.amount_paid > ZERO or invoice.amount_credited > ZERO:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
        invoice.paid_date = None
    else:
        invoice.status = InvoiceStatus.OPEN
        invoice.paid_date = None


def late_paid_amount_days(
    *, due_date: date, allocations: Iterable[tuple[Decimal, date]]
) -> Decimal:
    """Σ amount × days after ``due_date`` of (amount, applied on) pairs; on time counts 0.

    Exact: two-decimal amounts times whole days, added up as ``Decimal``.
    """
    total = ZERO
    for amount, applied_on in allocations:
        days = (applied_on - due_date).days
        if days > 0:
            total += amount * days
    return total


def invoices_refresh_late_paid(invoices: Iterable[Invoice]) -> None:
    """Recompute ``late_paid_amount_days`` of each invoice from its active allocations
    (in memory; one query for all of them).

    Call it with the invoices locked, after their allocations changed in the same
    transaction: every service that applies or unapplies an allocation locks its
    invoice first, so the allocations read here are the ones that will be committed.
    """
    by_id = {invoice.pk: invoice for invoice in invoices}
    if not by_id:
        return
    applied: dict[int, list[tuple[Decimal, date]]] = {pk: [] for pk in by_id}
    rows = Allocation.objects.filter(invoice_id__in=by_id, unapplied_at__isnull=True).values_list(
        "invoice_id", "amount", "allocated_on"
    )
    for invoice_id, amount, allocated_on in rows:
        applied[invoice_id].append((amount, allocated_on))
    for pk, invoice in by_id.items():
        invoice.late_paid_amount_days = late_paid_amount_days(
            due_date=invoice.due_date, allocations=applied[pk]
        )


def invoice_refresh_late_paid(invoice: Invoice) -> None:
    """``invoices_refresh_late_paid`` for one invoice."""
    invoices_refresh_late_paid([invoice])
