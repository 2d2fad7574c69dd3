"""Hand-built ledgers for the scoring tests, written through the receivables services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from credit.models import CreditProfile, CreditProfileEvent
from receivables.models import Invoice, PaymentStatus
from receivables.services import allocation_create, dispute_open
from tests.factories.receivables import InvoiceFactory, PaymentFactory

AS_OF = date(2026, 6, 30)


def day(offset: int) -> date:
    """AS_OF moved by ``offset`` days."""
    return AS_OF + timedelta(days=offset)


def invoice(customer, *, total: str, due: int, issue: int | None = None) -> Invoice:
    due_date = day(due)
    issue_date = day(issue) if issue is not None else due_date - timedelta(days=30)
    return InvoiceFactory(
        customer=customer, total=Decimal(total), issue_date=issue_date, due_date=due_date
    )


def paid_invoice(customer, *, total: str, due: int, paid: int, issue: int | None = None) -> Invoice:
    """An invoice paid in full on AS_OF + ``paid`` days."""
    bill = invoice(customer, total=total, due=due, issue=issue)
    payment = PaymentFactory(customer=customer, amount=Decimal(total), received_date=day(paid))
    allocation_create(payment=payment, invoice=bill, amount=Decimal(total), allocated_on=day(paid))
    bill.refresh_from_db()
    return bill


def part_payment(bill: Invoice, *, amount: str, paid: int) -> None:
    payment = PaymentFactory(
        customer=bill.customer, amount=Decimal(amount), received_date=day(paid)
    )
    allocation_create(payment=payment, invoice=bill, amount=Decimal(amount), allocated_on=day(paid))


def dispute(bill: Invoice, *, opened: int) -> None:
    dispute_open(invoice=bill, reason="Wrong quantity", opened_on=day(opened))


def bounced_payment(customer, *, received: int) -> None:
    PaymentFactory(
        customer=customer,
        amount=Decimal("100.00"),
        received_date=day(received),
        status=PaymentStatus.BOUNCED,
    )


def limit_history(customer, *, limit: str, at: int) -> CreditProfileEvent:
    """A row of the customer's limit history, as the PostgreSQL trigger writes it, dated
    AS_OF + ``at`` days at noon (local time). The trigger dates its rows with NOW(), so a
    past date is written here directly: a raw save, as ``loaddata`` does, keeps the given
    ``pgh_created_at`` (an ``auto_now_add`` field)."""
    profile = CreditProfile.objects.get(customer=customer)
    event = CreditProfileEvent(
        pgh_obj=profile,
        pgh_label="update",
        pgh_created_at=timezone.make_aware(datetime.combine(day(at), time(12))),
        credit_limit=Decimal(limit),
        currency=profile.currency,
        is_on_hold=False,
        hold_reason="",
    )
    event.save_base(raw=True)
    return event
