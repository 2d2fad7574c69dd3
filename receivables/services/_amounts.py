"""How an invoice's maintained amounts and status follow from its settlements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from receivables.models import Invoice, InvoiceStatus

ZERO = Decimal("0")


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
