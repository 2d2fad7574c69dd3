"""Hand-built ledgers for the scoring tests, written through the receivables services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

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
