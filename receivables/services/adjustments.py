"""Credit notes, write-offs and disputes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from crm import roles
from crm.exceptions import Conflict, PermissionDenied, ValidationFailed
from crm.validation import external_id_unused
from customers.models import Customer
from receivables import events
from receivables.lock_objects import invoice_lock
from receivables.models import CreditNote, Dispute, DisputeStatus, Invoice, InvoiceStatus, WriteOff
from receivables.services._amounts import invoice_refresh_amounts
from receivables.services._checks import (
    actor,
    amount_checked,
    currency_checked,
    date_checked,
)
from receivables.services.balances import balance_apply_change

_CLOSED = (InvoiceStatus.VOID, InvoiceStatus.WRITTEN_OFF)


def _reason_checked(reason: str, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed.for_field(field, f"A {field} is required.", code=f"{field}_required")
    return text[:255]


def _open_invoice_checked(invoice: Invoice, *, action: str) -> None:
    if invoice.status in _CLOSED:
        raise Conflict(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; it cannot be {action}.",
            code="invoice_closed",
        )


@transaction.atomic
def credit_note_create(
    *,
    customer: Customer,
    number: str,
    amount: Decimal | str,
    reason: str,
    issue_date: date | None = None,
    invoice: Invoice | None = None,
    currency: str | None = None,
    external_id: str | None = None,
) -> CreditNote:
    """Issue a credit note, applied to one invoice or left as customer credit."""
    number = (number or "").strip()
    if not number:
        raise ValidationFailed.for_field("number", "The credit note number is required.")
    text = _reason_checked(reason)
    issued_on = date_checked(issue_date or timezone.localdate(), field="issue_date")
    if CreditNote.objects.filter(number=number).exists():
        raise Conflict(
            f"Credit note number {number!r} is already used.", code="duplicate_credit_note_number"
        )
    external_id_unused(CreditNote.objects, external_id, noun="credit note")
    locked = None
    if invoice is not None:
        if invoice.customer_id != customer.pk:
            raise ValidationFailed.for_field(
                "invoice",
                f"Invoice {invoice.number} belongs to another customer.",
                code="credit_note_customer_mismatch",
            )
        locked = invoice_lock(invoice_id=invoice.pk)
        _open_invoice_checked(locked, action="credited")
        if currency and currency != locked.currency:
            raise ValidationFailed.for_field(
                "currency",
                f"Invoice {locked.number} is in {locked.currency}; a credit note on it must be too, not {currency}.",
                code="credit_note_currency_mismatch",
            )
        currency = locked.currency
    currency = currency_checked(currency or customer.currency)
    value = amount_checked(amount, currency, field="amount")
    if locked is not None and value > locked.open_amount:
        raise ValidationFailed.for_field(
            "amount",
            f"The credit note ({value} {currency}) is larger than what is open on invoice "
            f"{locked.number} ({locked.open_amount}); issue it as customer credit instead.",
            code="credit_note_exceeds_invoice",
        )
    note = CreditNote.objects.create(
        customer=customer,
        invoice=locked,
        number=number,
        external_id=external_id or None,
        issue_date=issued_on,
        currency=currency,
        amount=value,
        reason=text,
    )
    if locked is not None:
        locked.amount_credited += value
        invoice_refresh_amounts(locked, settled_on=note.issue_date)
        locked.save(
            update_fields=["amount_credited", "open_amount", "status", "paid_date", "updated_at"]
        )
        balance_apply_change(invoice=locked, delta=-value)
    events.credit_note_issued.send(
        sender=CreditNote,
        credit_note_id=note.pk,
        customer_id=customer.pk,
        invoice_id=locked.pk if locked else None,
    )
    return note


def user_may_write_off(user: Any) -> bool:
    """The audited accessor for write-offs: finance admins (and superusers) only."""
    if user is None or not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=roles.FINANCE_ADMIN).exists()


@transaction.atomic
def write_off_create(
    *,
    invoice: Invoice,
    amount: Decimal | str,
    reason: str,
    user: Any,
    written_off_on: date | None = None,
) -> WriteOff:
    """Write off part or all of an invoice's open amount (finance_admin, reason required)."""
    if not user_may_write_off(user):
        raise PermissionDenied(
            "Only a finance admin may write off receivables.", code="write_off_not_allowed"
        )
    text = _reason_checked(reason)
    when = date_checked(written_off_on or timezone.localdate(), field="written_off_on")
    locked = invoice_lock(invoice_id=invoice.pk)
    _open_invoice_checked(locked, action="written off")
    value = amount_checked(amount, locked.currency, field="amount")
    if value > locked.open_amount:
        raise ValidationFailed.for_field(
            "amount",
            f"Cannot write off {value} {locked.currency}: only {locked.open_amount} is open on {locked.number}.",
            code="write_off_exceeds_open_amount",
        )
    write_off = WriteOff.objects.create(
        invoice=locked, amount=value, written_off_on=when, reason=text, created_by=actor(user)
    )
    locked.amount_written_off += value
    invoice_refresh_amounts(locked, settled_on=when)
    locked.save(
        update_fields=["amount_written_off", "open_amount", "status", "paid_date", "updated_at"]
    )
    balance_apply_change(invoice=locked, delta=-value)
    events.invoice_written_off.send(
        sender=WriteOff,
        write_off_id=write_off.pk,
        invoice_id=locked.pk,
        customer_id=locked.customer_id,
    )
    invoice.refresh_from_db()
    return write_off


@transaction.atomic
def dispute_open(
    *, invoice: Invoice, reason: str, user: Any = None, opened_on: date | None = None
) -> Dispute:
    """Open a dispute: the invoice stays in the balance, dunning pauses on it."""
    text = _reason_checked(reason)
    locked = invoice_lock(invoice_id=invoice.pk)
    _open_invoice_checked(locked, action="disputed")
    if locked.open_amount <= 0:
        raise Conflict(
            f"Invoice {locked.number} is settled; there is nothing to dispute.",
            code="invoice_settled",
        )
    if locked.disputes.filter(status=DisputeStatus.OPEN).exists():
        raise Conflict(
            f"Invoice {locked.number} already has an open dispute.", code="dispute_already_open"
        )
    dispute = Dispute.objects.create(
        invoice=locked,
        customer_id=locked.customer_id,
        reason=text,
        opened_on=opened_on or timezone.localdate(),
        opened_by=actor(user),
    )
    locked.is_disputed = True
    locked.save(update_fields=["is_disputed", "updated_at"])
    events.dispute_opened.send(
        sender=Dispute, dispute_id=dispute.pk, invoice_id=locked.pk, customer_id=locked.customer_id
    )
    invoice.refresh_from_db()
    return dispute


@transaction.atomic
def dispute_resolve(
    *, dispute: Dispute, resolution: str, user: Any = None, resolved_on: date | None = None
) -> Dispute:
    text = _reason_checked(resolution, field="resolution")
    locked_invoice = invoice_lock(invoice_id=dispute.invoice_id)
    locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if locked.status == DisputeStatus.RESOLVED:
        raise Conflict("This dispute is already resolved.", code="dispute_already_resolved")
    locked.status = DisputeStatus.RESOLVED
    locked.resolution = text
    locked.resolved_on = resolved_on or timezone.localdate()
    locked.save(update_fields=["status", "resolution", "resolved_on", "updated_at"])
    locked_invoice.is_disputed = False
    locked_invoice.save(update_fields=["is_disputed", "updated_at"])
    events.dispute_resolved.send(
        sender=Dispute,
        dispute_id=locked.pk,
        invoice_id=locked_invoice.pk,
        customer_id=locked_invoice.customer_id,
    )
    dispute.refresh_from_db()
    return dispute
