"""Unapplying allocations, automatic application and voiding invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.exceptions import Conflict, ValidationFailed
from receivables import events
from receivables.lock_objects import invoice_lock, invoices_lock, payment_lock
from receivables.models import Allocation, Invoice, InvoiceStatus, Payment, PaymentStatus
from receivables.services._amounts import (
    ALLOCATION_FIELDS,
    invoice_refresh_amounts,
    invoice_refresh_late_paid,
    invoices_refresh_amounts,
    invoices_refresh_late_paid,
)
from receivables.services._checks import actor, allocation_date_checked
from receivables.services.balances import balance_apply_change


def allocation_unapply(*, allocation: Allocation, user: Any = None) -> Allocation:
    """Take an allocation back: the invoice reopens, the payment regains the room.

    The row stays, marked unapplied, for the audit trail; unapplying twice is a 409.
    """
    with transaction.atomic():
        payment = payment_lock(payment_id=allocation.payment_id)
        invoice = invoice_lock(invoice_id=allocation.invoice_id)
        locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if locked.unapplied_at is not None:
            raise Conflict(
                f"This allocation was already unapplied at {locked.unapplied_at:%Y-%m-%d %H:%M}.",
                code="allocation_already_unapplied",
            )
        locked.unapplied_at = timezone.now()
        locked.unapplied_by = actor(user)
        locked.save(update_fields=["unapplied_at", "unapplied_by", "updated_at"])
        payment.amount_allocated -= locked.amount
        payment.save(update_fields=["amount_allocated", "updated_at"])
        invoice.amount_paid -= locked.amount
        invoice.paid_date = None
        invoice_refresh_amounts(invoice)
        invoice_refresh_late_paid(invoice)
        invoice.save(update_fields=ALLOCATION_FIELDS)
        balance_apply_change(invoice=invoice, delta=locked.amount)
        events.allocation_unapplied.send(
            sender=Allocation,
            allocation_id=locked.pk,
            invoice_id=invoice.pk,
            payment_id=payment.pk,
            customer_id=invoice.customer_id,
        )
    allocation.refresh_from_db()
    return allocation


def payment_apply_oldest_first(
    *, payment: Payment, user: Any = None, applied_on: date | None = None
) -> list[Allocation]:
    """Apply the payment's unapplied amount to its customer's open invoices in the
    same currency, oldest due date first. Disputed invoices are skipped, and so
    are invoices issued after ``applied_on`` (default: the later of the payment's
    received date and today), which may not be before the payment was received.
    What is left stays on the payment as customer credit."""
    when = applied_on or max(payment.received_date, timezone.localdate())
    allocation_date_checked(when, payment=payment, field="applied_on")
    with transaction.atomic():
        locked_payment = payment_lock(payment_id=payment.pk)
        if locked_payment.status == PaymentStatus.BOUNCED:
            raise ValidationFailed.for_field(
                "payment", "The payment bounced; it cannot be applied.", code="payment_bounced"
            )
        payable = _payable_invoices(locked_payment, when)
        candidate_ids = list(payable.values_list("pk", flat=True))
        locked = invoices_lock(invoice_ids=candidate_ids)
        # Picked before their locks were taken: a candidate disputed, settled or closed
        # in between is left out by asking the same question again under the locks.
        still_payable = set(payable.filter(pk__in=candidate_ids).values_list("pk", flat=True))
        invoices = {pk: invoice for pk, invoice in locked.items() if pk in still_payable}
        room = locked_payment.amount - locked_payment.amount_allocated
        created: list[Allocation] = []
        for invoice in sorted(invoices.values(), key=lambda i: (i.due_date, i.issue_date, i.pk)):
            if room <= 0:
                break
            amount = min(room, invoice.open_amount)
            created.append(
                Allocation.objects.create(
                    payment=locked_payment,
                    invoice=invoice,
                    amount=amount,
                    allocated_on=when,
                    created_by=actor(user),
                )
            )
            invoice.amount_paid += amount
            room -= amount
        # The amounts and late-payment figures of the invoices paid here (one each),
        # their settlement dates and allocations read in one query each.
        paid = [invoices[allocation.invoice_id] for allocation in created]
        invoices_refresh_amounts(paid, settled_on=when)
        invoices_refresh_late_paid(paid)
        for allocation in created:
            invoice = invoices[allocation.invoice_id]
            invoice.save(update_fields=ALLOCATION_FIELDS)
            balance_apply_change(invoice=invoice, delta=-allocation.amount)
        locked_payment.amount_allocated = locked_payment.amount - room
        locked_payment.save(update_fields=["amount_allocated", "updated_at"])
        for allocation in created:
            events.allocation_created.send(
                sender=Allocation,
                allocation_id=allocation.pk,
                invoice_id=allocation.invoice_id,
                payment_id=locked_payment.pk,
                customer_id=locked_payment.customer_id,
            )
    payment.refresh_from_db()
    return created


def _payable_invoices(payment: Payment, when: date) -> QuerySet[Invoice]:
    """The invoices the payment can be applied to on ``when``."""
    return Invoice.objects.filter(
        customer_id=payment.customer_id,
        currency=payment.currency,
        open_amount__gt=0,
        is_disputed=False,
        issue_date__lte=when,
    ).exclude(status__in=[InvoiceStatus.VOID, InvoiceStatus.WRITTEN_OFF])


def invoice_void(*, invoice: Invoice, reason: str, user: Any = None) -> Invoice:
    """Void an invoice posted in error. Only an invoice nothing was settled against."""
    if not (reason or "").strip():
        raise ValidationFailed.for_field(
            "reason", "Say why the invoice is voided.", code="reason_required"
        )
    with transaction.atomic():
        locked = invoice_lock(invoice_id=invoice.pk)
        if locked.status == InvoiceStatus.VOID:
            raise Conflict(f"Invoice {locked.number} is already void.", code="invoice_already_void")
        settled = locked.amount_paid + locked.amount_credited + locked.amount_written_off
        if settled > Decimal("0"):
            raise Conflict(
                f"Invoice {locked.number} has {settled} {locked.currency} paid, credited or written off; "
                "unapply the payments and reverse the credits before voiding it.",
                code="invoice_has_settlements",
            )
        balance_apply_change(invoice=locked, delta=-locked.open_amount)
        locked.status = InvoiceStatus.VOID
        locked.open_amount = Decimal("0")
        locked.description = (f"{locked.description} | void: {reason.strip()}").strip(" |")[:255]
        locked.save(update_fields=["status", "open_amount", "description", "updated_at"])
        events.invoice_voided.send(
            sender=Invoice, invoice_id=locked.pk, customer_id=locked.customer_id
        )
    invoice.refresh_from_db()
    return invoice
