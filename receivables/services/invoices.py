"""Posting invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from crm.exceptions import Conflict, ValidationFailed
from crm.validation import external_id_unused
from customers.models import Customer, CustomerStatus
from receivables import events
from receivables.models import Invoice, InvoiceStatus
from receivables.services._checks import (
    amount_checked,
    currency_checked,
    date_checked,
)
from receivables.services.balances import balance_apply_change


def _check_unique(*, number: str, external_id: str | None) -> None:
    existing = Invoice.objects.filter(number=number).values_list("pk", flat=True).first()
    if existing:
        raise Conflict(
            f"Invoice number {number!r} is already used (invoice id {existing}).",
            code="duplicate_invoice_number",
            extra={
                "fields": {"number": ["This invoice number is already used."]},
                "existing_id": existing,
            },
        )
    external_id_unused(Invoice.objects, external_id, noun="invoice")


@transaction.atomic
def invoice_create(
    *,
    customer: Customer,
    number: str,
    issue_date: date,
    total: Decimal | str,
    due_date: date | None = None,
    currency: str | None = None,
    cost_of_goods: Decimal | str = "0",
    external_id: str | None = None,
    description: str = "",
) -> Invoice:
    """Post an invoice to the ledger; due date defaults to the customer's terms."""
    number = (number or "").strip()
    if not number:
        raise ValidationFailed.for_field("number", "The invoice number is required.")
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationFailed.for_field(
            "customer",
            f"Customer {customer.code} is {customer.status}; invoices can only be posted "
            "to active customers.",
            code="customer_inactive",
        )
    currency = currency_checked(currency or customer.currency)
    total_amount = amount_checked(total, currency, field="total")
    cost = amount_checked(cost_of_goods, currency, field="cost_of_goods", allow_zero=True)
    date_checked(issue_date, field="issue_date")
    if due_date is not None:
        date_checked(due_date, field="due_date")
    due = due_date or issue_date + timedelta(days=customer.payment_terms_days)
    if due < issue_date:
        raise ValidationFailed.for_field(
            "due_date",
            f"The due date {due} is before the issue date {issue_date}.",
            code="due_before_issue",
        )
    _check_unique(number=number, external_id=external_id or None)
    invoice = Invoice.objects.create(
        customer=customer,
        number=number,
        external_id=external_id or None,
        issue_date=issue_date,
        due_date=due,
        currency=currency,
        total=total_amount,
        cost_of_goods=cost,
        open_amount=total_amount,
        status=InvoiceStatus.OPEN,
        description=description,
    )
    balance_apply_change(invoice=invoice, delta=total_amount)
    events.invoice_posted.send(sender=Invoice, invoice_id=invoice.pk, customer_id=customer.pk)
    return invoice
