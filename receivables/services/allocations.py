"""Applying payments to invoices, safely under concurrency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm.exceptions import Conflict, ValidationFailed
from crm.validation import external_id_unused
from receivables import events
from receivables.lock_objects import invoice_lock, payment_lock
from receivables.models import Allocation, Invoice, InvoiceStatus, Payment, PaymentStatus
from receivables.services._amounts import (
    ALLOCATION_FIELDS,
    invoice_refresh_amounts,
    invoice_refresh_late_paid,
)
from receivables.services._checks import (
    actor,
    allocation_date_checked,
    amount_checked,
)
from receivables.services.balances import balance_apply_change

_CLOSED_STATUSES = {
    InvoiceStatus.VOID: "void",
    InvoiceStatus.WRITTEN_OFF: "written off",
}


def _check_pair(payment: Payment, invoice: Invoice) -> None:
    if payment.customer_id != invoice.customer_id:
        raise ValidationFailed.for_field(
            "invoice",
            f"Invoice {invoice.number} belongs to another customer than the payment; "
            "a payment can only be applied to its own customer's invoices.",
            code="allocation_customer_mismatch",
        )
    if payment.currency != invoice.currency:
        raise ValidationFailed.for_field(
            "invoice",
            f"Invoice {invoice.number} is in {invoice.currency} but the payment is in {payment.currency}.",
            code="allocation_currency_mismatch",
        )
    if invoice.status in _CLOSED_STATUSES:
        raise ValidationFailed.for_field(
            "invoice",
            f"Invoice {invoice.number} is {_CLOSED_STATUSES[invoice.status]}; nothing can be applied to it.",
            code="invoice_closed",
        )
    if payment.status == PaymentStatus.BOUNCED:
        raise ValidationFailed.for_field(
            "payment", "The payment bounced; it cannot be applied.", code="payment_bounced"
        )


def _check_room(payment: Payment, invoice: Invoice, amount: Decimal, *, error: type) -> None:
    if amount > invoice.open_amount:
        raise error(
            f"Cannot apply {amount} {invoice.currency} to invoice {invoice.number}: "
            f"only {invoice.open_amount} is open.",
            code="over_allocation_invoice",
            extra={
                "fields": {"amount": [f"At most {invoice.open_amount} is open on the invoice."]},
                "open_amount": str(invoice.open_amount),
            },
        )
    unapplied = payment.amount - payment.amount_allocated
    if amount > unapplied:
        raise error(
            f"Cannot apply {amount} {payment.currency} from the payment: only {unapplied} is unapplied.",
            code="over_allocation_payment",
            extra={
                "fields": {"amount": [f"At most {unapplied} of the payment is unapplied."]},
                "unapplied_amount": str(unapplied),
            },
        )


def _check_external_id_unused(external_id: str | None) -> None:
    """A retry of an allocation already made (same external id) is refused, whatever
    the payment and invoice have left: the money was applied the first time."""
    external_id_unused(
        Allocation.objects,
        external_id,
        noun="allocation",
        advice="; it was applied once and is not applied again. Read it with that id, "
        "or send a new external id for a new allocation",
    )


def allocation_create(
    *,
    payment: Payment,
    invoice: Invoice,
    amount: Decimal | str,
    allocated_on: date | None = None,
    external_id: str | None = None,
    user: Any = None,
) -> Allocation:
    """Apply ``amount`` of ``payment`` to ``invoice``.

    Checked first against the rows as read (400 for a request that can never
    fit), then again under row locks (409 when a concurrent allocation took
    the room in between). Payment is locked before invoice. ``allocated_on``
    (default: the later of the payment's received date and today) may not be
    before the payment was received nor before the invoice was issued.

    ``external_id`` (the caller's key, unique) makes a retry safe: an allocation
    already made under it is a 409 ``duplicate_external_id`` naming it, checked
    before the room (a retry of an allocation that used the payment up is still
    a duplicate) and again under the locks, where a concurrent retry of the same
    allocation waits for the first. Requests that share no lock meet at the
    unique constraint: the later insert fails and its whole transaction rolls
    back (the API answers 409 ``conflict``).
    """
    value = amount_checked(amount, invoice.currency, field="amount")
    _check_external_id_unused(external_id)
    _check_pair(payment, invoice)
    _check_room(payment, invoice, value, error=ValidationFailed)
    applied_on = allocated_on or max(payment.received_date, timezone.localdate())
    allocation_date_checked(applied_on, payment=payment, invoice=invoice, field="allocated_on")
    with transaction.atomic():
        locked_payment = payment_lock(payment_id=payment.pk)
        locked_invoice = invoice_lock(invoice_id=invoice.pk)
        _check_external_id_unused(external_id)
        _check_pair(locked_payment, locked_invoice)
        _check_room(locked_payment, locked_invoice, value, error=Conflict)
        allocation = Allocation.objects.create(
            payment=locked_payment,
            invoice=locked_invoice,
            external_id=external_id or None,
            amount=value,
            allocated_on=applied_on,
            created_by=actor(user),
        )
        locked_payment.amount_allocated += value
        locked_payment.save(update_fields=["amount_allocated", "updated_at"])
        locked_invoice.amount_paid += value
        invoice_refresh_amounts(locked_invoice, settled_on=applied_on)
        invoice_refresh_late_paid(locked_invoice)
        locked_invoice.save(update_fields=ALLOCATION_FIELDS)
        balance_apply_change(invoice=locked_invoice, delta=-value)
        events.allocation_created.send(
            sender=Allocation,
            allocation_id=allocation.pk,
            invoice_id=locked_invoice.pk,
            payment_id=locked_payment.pk,
            customer_id=locked_invoice.customer_id,
        )
    payment.refresh_from_db()
    invoice.refresh_from_db()
    return allocation
