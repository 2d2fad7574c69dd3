"""Recomputing the maintained ledger amounts from scratch and reporting drift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from crm.money import quantize
from receivables.lock_objects import invoices_lock, payments_lock
from receivables.models import (
    Allocation,
    CreditNote,
    Dispute,
    Invoice,
    InvoiceStatus,
    Payment,
    WriteOff,
)
from receivables.services._amounts import (
    invoice_refresh_amounts,
    invoices_last_settled_on,
    invoices_refresh_amounts,
)
from receivables.services.balances import balance_drift, customer_balances_refresh

_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))
_AMOUNT_DAYS = DecimalField(max_digits=24, decimal_places=2)


@dataclass(frozen=True)
class Drift:
    kind: str  # "invoice", "payment", "dispute" or "balance" (object_id: the customer's)
    object_id: int
    field: str
    stored: Decimal | str
    recomputed: Decimal | str


def _sum_of(model, link: str, condition: Q | None = None) -> Subquery:
    rows = model.objects.filter(**{link: OuterRef("pk")})
    if condition is not None:
        rows = rows.filter(condition)
    return Coalesce(
        Subquery(rows.values(link).annotate(total=Sum("amount")).values("total")[:1]),
        _ZERO,
    )


class _DaysBetween(Func):
    """Whole days from the second date to the first (SQL spelt per database)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _late_paid_of_invoice() -> Coalesce:
    """Σ amount × days late of the invoice's active allocations applied after its due date,
    in SQL: an independent recomputation of the figure the services keep."""
    late = Allocation.objects.filter(
        invoice=OuterRef("pk"), unapplied_at__isnull=True, allocated_on__gt=OuterRef("due_date")
    )
    amount_days = ExpressionWrapper(
        F("amount") * _DaysBetween(F("allocated_on"), OuterRef("due_date")),
        output_field=_AMOUNT_DAYS,
    )
    return Coalesce(
        Subquery(late.values("invoice").annotate(total=Sum(amount_days)).values("total")[:1]),
        Value(Decimal("0"), output_field=_AMOUNT_DAYS),
    )


def _invoices_with_recomputed():
    return Invoice.objects.annotate(
        paid_now=_sum_of(Allocation, "invoice", Q(unapplied_at__isnull=True)),
        credited_now=_sum_of(CreditNote, "invoice"),
        written_off_now=_sum_of(WriteOff, "invoice"),
        late_paid_now=_late_paid_of_invoice(),
    )


def _payments_with_recomputed():
    return Payment.objects.annotate(
        allocated_now=_sum_of(Allocation, "payment", Q(unapplied_at__isnull=True))
    )


def _normalise_invoice(invoice: Invoice) -> None:
    # Sums come back unrounded (and with float noise on SQLite): round to the minor unit.
    for name in ("paid_now", "credited_now", "written_off_now", "late_paid_now"):
        setattr(invoice, name, quantize(getattr(invoice, name), invoice.currency))


def _invoice_drift(invoice: Invoice) -> list[Drift]:
    _normalise_invoice(invoice)
    drift = []
    pairs = (
        ("amount_paid", invoice.paid_now),
        ("amount_credited", invoice.credited_now),
        ("amount_written_off", invoice.written_off_now),
        ("late_paid_amount_days", invoice.late_paid_now),
    )
    for field, recomputed in pairs:
        if getattr(invoice, field) != recomputed:
            drift.append(Drift("invoice", invoice.pk, field, getattr(invoice, field), recomputed))
    expected = Invoice(
        total=invoice.total, amount_paid=invoice.paid_now, amount_credited=invoice.credited_now,
        amount_written_off=invoice.written_off_now, status=invoice.status, paid_date=invoice.paid_date,
    )  # fmt: skip
    invoice_refresh_amounts(expected, settled_on=invoice.paid_date)
    if expected.open_amount != invoice.open_amount:
        drift.append(
            Drift("invoice", invoice.pk, "open_amount", invoice.open_amount, expected.open_amount)
        )
    if invoice.status != InvoiceStatus.VOID and expected.status != invoice.status:
        drift.append(Drift("invoice", invoice.pk, "status", invoice.status, expected.status))
    return drift


def _paid_date_drift(settled: list[tuple[int, date | None]]) -> list[Drift]:
    """Settled invoices whose paid date is not the latest date of their settlements
    (one query for the batch)."""
    latest = invoices_last_settled_on(invoice_ids=[pk for pk, _stored in settled])
    return [
        Drift("invoice", pk, "paid_date", _iso(stored), _iso(latest[pk]))
        for pk, stored in settled
        if pk in latest and stored != latest[pk]
    ]


def _dispute_drift() -> list[Drift]:
    """Disputes whose customer is not their invoice's (kept on the dispute for analytics)."""
    wrong = Dispute.objects.exclude(customer_id=F("invoice__customer_id")).order_by("pk")
    return [
        Drift("dispute", pk, "customer", str(stored), str(expected))
        for pk, stored, expected in wrong.values_list("pk", "customer_id", "invoice__customer_id")
    ]


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def ledger_drift_list(*, batch_size: int = 5000) -> list[Drift]:
    """Every maintained amount (and paid date) that differs from a recomputation from the rows."""
    drift: list[Drift] = []
    settled: list[tuple[int, date | None]] = []
    for invoice in _invoices_with_recomputed().order_by("pk").iterator(chunk_size=batch_size):
        drift.extend(_invoice_drift(invoice))
        if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.WRITTEN_OFF):
            settled.append((invoice.pk, invoice.paid_date))
            if len(settled) >= batch_size:
                drift.extend(_paid_date_drift(settled))
                settled = []
    if settled:
        drift.extend(_paid_date_drift(settled))
    drift.extend(
        Drift("balance", customer_id, f"{currency} {field}", stored, recomputed)
        for customer_id, currency, field, stored, recomputed in balance_drift()
    )
    drift.extend(_dispute_drift())
    for payment in _payments_with_recomputed().order_by("pk").iterator(chunk_size=batch_size):
        payment.allocated_now = quantize(payment.allocated_now, payment.currency)
        if payment.amount_allocated != payment.allocated_now:
            drift.append(
                Drift(
                    "payment",
                    payment.pk,
                    "amount_allocated",
                    payment.amount_allocated,
                    payment.allocated_now,
                )
            )
    return drift


@transaction.atomic
def ledger_drift_repair(*, drift: list[Drift]) -> int:
    """Rewrite the drifting rows from their recomputation; returns rows fixed.

    The rows are locked first (payments, then invoices, as the allocation
    services lock them), and recomputed by a later statement: a statement that
    waits for a lock still reads the allocations as they were when it began,
    so recomputing in the locking statement missed an allocation committed
    while it waited, and wrote stale amounts over it.
    """
    invoice_ids = sorted({d.object_id for d in drift if d.kind == "invoice"})
    payment_ids = sorted({d.object_id for d in drift if d.kind == "payment"})
    dispute_ids = sorted({d.object_id for d in drift if d.kind == "dispute"})
    Dispute.objects.filter(pk__in=dispute_ids).update(
        customer_id=Subquery(
            Invoice.objects.filter(pk=OuterRef("invoice_id")).values("customer_id")
        )
    )
    payments_lock(payment_ids=payment_ids)
    invoices_lock(invoice_ids=invoice_ids)
    for payment in _payments_with_recomputed().filter(pk__in=payment_ids).order_by("pk"):
        payment.amount_allocated = quantize(payment.allocated_now, payment.currency)
        payment.save(update_fields=["amount_allocated", "updated_at"])
    invoices = list(_invoices_with_recomputed().filter(pk__in=invoice_ids).order_by("pk"))
    for invoice in invoices:
        _normalise_invoice(invoice)
        invoice.amount_paid = invoice.paid_now
        invoice.amount_credited = invoice.credited_now
        invoice.amount_written_off = invoice.written_off_now
        invoice.late_paid_amount_days = invoice.late_paid_now
    # The date each settled invoice became fully paid, from its settlements (one query).
    invoices_refresh_amounts(invoices)
    for invoice in invoices:
        invoice.save(
            update_fields=["amount_paid", "amount_credited", "amount_written_off", "late_paid_amount_days",
                           "open_amount", "status", "paid_date", "updated_at"]
        )  # fmt: skip
    # A repaired open amount changes its customer's balance: rebuild the balances of those
    # customers as well as of the ones reported drifting.
    balance_customer_ids = sorted(
        {d.object_id for d in drift if d.kind == "balance"}
        | {invoice.customer_id for invoice in invoices}
    )
    if balance_customer_ids:
        customer_balances_refresh(customer_ids=balance_customer_ids)
    return len(invoice_ids) + len(payment_ids) + len(dispute_ids) + len(balance_customer_ids)
