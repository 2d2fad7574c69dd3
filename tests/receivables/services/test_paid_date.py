"""An invoice's paid date is the latest date among its active settlements (allocations
not unapplied, credit notes, write-offs), whichever of them happened to close it."""

import datetime
from decimal import Decimal

import pytest

from crm import roles
from receivables.models import Invoice, InvoiceStatus
from receivables.services import (
    allocation_create,
    allocation_unapply,
    credit_note_create,
    payment_apply_oldest_first,
    write_off_create,
)
from tests.factories.accounts import UserFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 9, 1)


def _invoice() -> Invoice:
    return InvoiceFactory(
        total=Decimal("1000.00"), issue_date=ISSUED, due_date=datetime.date(2026, 10, 1)
    )


def _pay(invoice: Invoice, amount: str, on: datetime.date):
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal(amount), received_date=on)
    return allocation_create(payment=payment, invoice=invoice, amount=amount, allocated_on=on)


def test_a_back_dated_allocation_closing_the_invoice_keeps_the_latest_date():
    # given half paid on 1 December
    invoice = _invoice()
    _pay(invoice, "500.00", datetime.date(2026, 12, 1))
    # when the other half is entered later, dated 20 September
    _pay(invoice, "500.00", datetime.date(2026, 9, 20))
    # then it became fully paid on 1 December, not on the date of the closing entry
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_date == datetime.date(2026, 12, 1)


def test_a_back_dated_credit_note_closing_the_invoice_keeps_the_latest_date():
    # given 900.00 paid on 20 December
    invoice = _invoice()
    _pay(invoice, "900.00", datetime.date(2026, 12, 20))
    # when a credit note dated 5 September credits the rest
    credit_note_create(
        customer=invoice.customer,
        invoice=invoice,
        number="CN-PAID-1",
        amount="100.00",
        reason="discount",
        issue_date=datetime.date(2026, 9, 5),
    )
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_date == datetime.date(2026, 12, 20)


def test_a_write_off_dated_after_the_payments_sets_the_date():
    # given 990.00 paid on 2 November
    invoice = _invoice()
    _pay(invoice, "990.00", datetime.date(2026, 11, 2))
    # when the rest is written off on 15 November
    write_off_create(
        invoice=invoice,
        amount="10.00",
        reason="small balance",
        user=UserFactory(roles=[roles.FINANCE_ADMIN]),
        written_off_on=datetime.date(2026, 11, 15),
    )
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.WRITTEN_OFF
    assert invoice.paid_date == datetime.date(2026, 11, 15)


def test_an_unapplied_allocation_does_not_count():
    # given paid in full, the last part on 1 December, which is then unapplied
    invoice = _invoice()
    _pay(invoice, "600.00", datetime.date(2026, 11, 1))
    late = _pay(invoice, "400.00", datetime.date(2026, 12, 1))
    allocation_unapply(allocation=late)
    invoice.refresh_from_db()
    assert invoice.paid_date is None
    # when the rest is paid again, dated 15 November
    _pay(invoice, "400.00", datetime.date(2026, 11, 15))
    # then the unapplied allocation's date is not the paid date
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_date == datetime.date(2026, 11, 15)


def test_applying_oldest_first_back_dated_keeps_the_latest_date():
    # given half paid on 1 December
    invoice = _invoice()
    _pay(invoice, "500.00", datetime.date(2026, 12, 1))
    payment = PaymentFactory(
        customer=invoice.customer,
        amount=Decimal("500.00"),
        received_date=datetime.date(2026, 10, 10),
    )
    # when a payment is applied oldest first, dated 15 October
    payment_apply_oldest_first(payment=payment, applied_on=datetime.date(2026, 10, 15))
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_date == datetime.date(2026, 12, 1)
