"""Row locks for the ledger. Always payment before invoice, each in pk order,
and always evaluated (a lazy queryset takes no lock)."""

from __future__ import annotations

from receivables.models import Invoice, Payment


def payment_lock(*, payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def payments_lock(*, payment_ids: list[int]) -> dict[int, Payment]:
    payments = list(Payment.objects.select_for_update().filter(pk__in=payment_ids).order_by("pk"))
    return {payment.pk: payment for payment in payments}


def invoice_lock(*, invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def invoices_lock(*, invoice_ids: list[int]) -> dict[int, Invoice]:
    invoices = list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk"))
    return {invoice.pk: invoice for invoice in invoices}
