"""An allocation is never dated before its payment was received nor before its invoice
was issued: that would settle the invoice, and count it paid on time, before either existed."""

import datetime
from decimal import Decimal

import pytest

from crm.exceptions import ValidationFailed
from receivables.models import Allocation, Invoice, InvoiceStatus, Payment
from receivables.services import allocation_create, dispute_open, payment_apply_oldest_first
from receivables.services import settlements as settlements_module
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 9, 1)
RECEIVED = datetime.date(2026, 10, 1)


def _ledger() -> tuple[Payment, Invoice]:
    invoice = InvoiceFactory(
        total=Decimal("1000.00"), issue_date=ISSUED, due_date=datetime.date(2026, 10, 1)
    )
    payment = PaymentFactory(
        customer=invoice.customer, amount=Decimal("1000.00"), received_date=RECEIVED
    )
    return payment, invoice


def _assert_nothing_written(payment: Payment, invoice: Invoice) -> None:
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert Allocation.objects.count() == 0
    assert payment.amount_allocated == Decimal("0.00")
    assert invoice.amount_paid == Decimal("0.00")
    assert invoice.open_amount == Decimal("1000.00")
    assert invoice.paid_date is None


def test_an_allocation_dated_before_the_payment_was_received_is_refused():
    # given a payment received on 1 October
    payment, invoice = _ledger()
    # when it is applied dated 30 September
    with pytest.raises(ValidationFailed) as error:
        allocation_create(
            payment=payment,
            invoice=invoice,
            amount="1000.00",
            allocated_on=datetime.date(2026, 9, 30),
        )
    # then the date is refused, naming the earliest allowed one, and nothing is written
    assert error.value.code == "allocation_before_payment"
    assert "2026-10-01 or later" in error.value.message
    assert error.value.extra["fields"]["allocated_on"] == [error.value.message]
    _assert_nothing_written(payment, invoice)


def test_an_allocation_dated_before_the_invoice_was_issued_is_refused():
    # given an invoice issued on 1 September and a payment received before it
    payment, invoice = _ledger()
    Payment.objects.filter(pk=payment.pk).update(received_date=datetime.date(2026, 8, 1))
    payment.refresh_from_db()
    # when it is applied dated 31 August
    with pytest.raises(ValidationFailed) as error:
        allocation_create(
            payment=payment,
            invoice=invoice,
            amount="1000.00",
            allocated_on=datetime.date(2026, 8, 31),
        )
    # then
    assert error.value.code == "allocation_before_invoice"
    assert invoice.number in error.value.message
    assert "2026-09-01 or later" in error.value.message
    assert error.value.extra["fields"]["allocated_on"]
    _assert_nothing_written(payment, invoice)


def test_an_allocation_dated_on_the_days_the_payment_and_invoice_arrived_is_accepted():
    # given
    payment, invoice = _ledger()
    # when applied on the day the payment was received
    allocation_create(payment=payment, invoice=invoice, amount="1000.00", allocated_on=RECEIVED)
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_date == RECEIVED


def test_applying_oldest_first_dated_before_the_payment_was_received_is_refused():
    # given
    payment, invoice = _ledger()
    # when
    with pytest.raises(ValidationFailed) as error:
        payment_apply_oldest_first(payment=payment, applied_on=datetime.date(2026, 9, 15))
    # then
    assert error.value.code == "allocation_before_payment"
    assert "2026-10-01 or later" in error.value.message
    assert error.value.extra["fields"]["applied_on"]
    _assert_nothing_written(payment, invoice)


def test_applying_oldest_first_skips_invoices_issued_after_the_date():
    # given an invoice issued on 1 September and one issued on 1 November
    customer = CustomerFactory()
    issued_before = InvoiceFactory(
        customer=customer,
        total=Decimal("300.00"),
        issue_date=ISSUED,
        due_date=datetime.date(2026, 12, 31),
    )
    issued_after = InvoiceFactory(
        customer=customer,
        total=Decimal("300.00"),
        issue_date=datetime.date(2026, 11, 1),
        due_date=datetime.date(2026, 11, 1),
    )
    payment = PaymentFactory(customer=customer, amount=Decimal("1000.00"), received_date=RECEIVED)
    # when the payment is applied dated 15 October
    created = payment_apply_oldest_first(payment=payment, applied_on=datetime.date(2026, 10, 15))
    # then only the invoice that existed then is paid, though the other is due first
    assert [allocation.invoice_id for allocation in created] == [issued_before.pk]
    issued_after.refresh_from_db()
    assert issued_after.open_amount == Decimal("300.00")
    payment.refresh_from_db()
    assert payment.amount_allocated == Decimal("300.00")


def test_applying_oldest_first_rechecks_the_invoices_once_locked(monkeypatch):
    # given two open invoices; the older one gets disputed after the candidates were
    # picked and before their locks were taken
    customer = CustomerFactory()
    disputed = InvoiceFactory(
        customer=customer, total=Decimal("400.00"), due_date=datetime.date(2026, 10, 1)
    )
    other = InvoiceFactory(
        customer=customer, total=Decimal("400.00"), due_date=datetime.date(2026, 11, 1)
    )
    payment = PaymentFactory(customer=customer, amount=Decimal("1000.00"), received_date=RECEIVED)
    real_lock = settlements_module.invoices_lock

    def dispute_then_lock(*, invoice_ids):
        dispute_open(invoice=Invoice.objects.get(pk=disputed.pk), reason="wrong quantity")
        return real_lock(invoice_ids=invoice_ids)

    monkeypatch.setattr(settlements_module, "invoices_lock", dispute_then_lock)
    # when
    created = payment_apply_oldest_first(payment=payment, applied_on=datetime.date(2026, 10, 15))
    # then the disputed invoice is left alone
    assert [allocation.invoice_id for allocation in created] == [other.pk]
    disputed.refresh_from_db()
    assert disputed.is_disputed
    assert disputed.open_amount == Decimal("400.00")
    assert disputed.amount_paid == Decimal("0.00")
    payment.refresh_from_db()
    assert payment.amount_allocated == Decimal("400.00")
