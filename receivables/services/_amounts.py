"""How an invoice's maintained amounts and status follow from its settlements."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import DateField, Max, Model, OuterRef, Q, Subquery

from receivables.models import Allocation, CreditNote, Invoice, InvoiceStatus, WriteOff

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
    """``invoices_refresh_amounts`` for one invoice."""
    invoices_refresh_amounts([invoice], settled_on=settled_on)


def invoices_refresh_amounts(
    invoices: Iterable[Invoice], *, settled_on: date | None = None
) -> None:
    """Recompute ``open_amount``, ``status`` and ``paid_date`` from the settlement totals
    (in memory, but for one query).

    An invoice is paid on the latest date among its active settlements (allocations
    not unapplied, credit notes, write-offs), whichever of them happened to close it:
    a back-dated settlement must not move the date it became fully paid earlier. Those
    dates are read in one query for all the saved invoices that are settled, so call
    it with the invoices locked, after their settlements changed in the same
    transaction. ``settled_on`` stands in for an invoice not saved yet.
    """
    settled = []
    for invoice in invoices:
        if _refresh_open_amount_and_status(invoice):
            settled.append(invoice)
    latest = invoices_last_settled_on(
        invoice_ids=[invoice.pk for invoice in settled if invoice.pk is not None]
    )
    for invoice in settled:
        invoice.paid_date = latest.get(invoice.pk) or settled_on


def _refresh_open_amount_and_status(invoice: Invoice) -> bool:
    """Set ``open_amount`` and ``status``; True when the invoice is now settled in full."""
    if invoice.status == InvoiceStatus.VOID:
        invoice.open_amount = ZERO
        return False
    invoice.open_amount = (
        invoice.total - invoice.amount_paid - invoice.amount_credited - invoice.amount_written_off
    )
    if invoice.open_amount == ZERO:
        invoice.status = (
            InvoiceStatus.WRITTEN_OFF if invoice.amount_written_off > ZERO else InvoiceStatus.PAID
        )
        return True
    if invoice.amount_paid > ZERO or invoice.amount_credited > ZERO:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.OPEN
    invoice.paid_date = None
    return False


def _settlement_dates() -> dict[str, Subquery]:
    """Annotations of an invoice queryset: the latest date of the invoice's active
    allocations, of its credit notes and of its write-offs (each None when it has none)."""

    def latest(model: type[Model], field: str, condition: Q) -> Subquery:
        rows = model.objects.filter(condition, invoice=OuterRef("pk")).order_by()
        return Subquery(
            rows.values("invoice").annotate(latest=Max(field)).values("latest")[:1],
            output_field=DateField(),
        )

    return {
        "last_allocated_on": latest(Allocation, "allocated_on", Q(unapplied_at__isnull=True)),
        "last_credited_on": latest(CreditNote, "issue_date", Q()),
        "last_written_off_on": latest(WriteOff, "written_off_on", Q()),
    }


def invoices_last_settled_on(*, invoice_ids: Iterable[int]) -> dict[int, date]:
    """{invoice id: latest date among its active settlements}, in one query; invoices
    with no settlement are left out."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    dates = _settlement_dates()
    rows = Invoice.objects.filter(pk__in=ids).order_by().annotate(**dates).values_list("pk", *dates)
    latest = {}
    for pk, *days in rows:
        known = [day for day in days if day is not None]
        if known:
            latest[pk] = max(known)
    return latest


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
