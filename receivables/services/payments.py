"""Recording payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from crm.exceptions import ValidationFailed
from crm.validation import external_id_unused
from customers.models import Customer
from receivables import events
from receivables.models import Payment, PaymentMethod
from receivables.services._checks import (
    amount_checked,
    currency_checked,
    date_checked,
)


@transaction.atomic
def payment_create(
    *,
    customer: Customer,
    received_date: date,
    amount: Decimal | str,
    currency: str | None = None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    external_id: str | None = None,
) -> Payment:
    """Record money received; it stays unapplied until allocated to invoices."""
    currency = currency_checked(currency or customer.currency)
    value = amount_checked(amount, currency, field="amount")
    date_checked(received_date, field="received_date")
    if method not in PaymentMethod.values:
        raise ValidationFailed.for_field(
            "method",
            f"Unknown payment method {method!r}; use one of: {', '.join(PaymentMethod.values)}.",
            code="unknown_payment_method",
        )
    external_id_unused(Payment.objects, external_id, noun="payment")
    payment = Payment.objects.create(
        customer=customer,
        received_date=received_date,
        amount=value,
        currency=currency,
        method=method,
        reference=reference,
        external_id=external_id or None,
    )
    events.payment_received.send(sender=Payment, payment_id=payment.pk, customer_id=customer.pk)
    return payment
