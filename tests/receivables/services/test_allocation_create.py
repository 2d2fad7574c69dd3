import datetime
from decimal import Decimal

import pytest

from crm.exceptions import ValidationFailed
from receivables.models import Allocation, InvoiceStatus, PaymentStatus
from receivables.services import allocation_create, payment_create
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_partial_then_full_allocation_settles_the_invoice():
    # given
    invoice = InvoiceFactory(total=Decimal("1000.00"))
    first = PaymentFactory(customer=invoice.customer, amount=Decimal("400.00"))
    second = PaymentFactory(customer=invoice.customer, amount=Decimal("700.00"))
    # when
    allocation_create(
        payment=first, invoice=invoice, amount="400.00", allocated_on=datetime.date(2026, 10, 2)
    )
    invoice.refresh_from_db()
    # then
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.open_amount == Decimal("600.00")
    assert invoice.paid_date is None
    # when
    allocation_create(
        payment=second, invoice=invoice, amount="600.00", allocated_on=datetime.date(2026, 10, 9)
    )
    invoice.refresh_from_db()
    second.refresh_from_db()
    # then
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.open_amount == Decimal("0.00")
    assert invoice.amount_paid == Decimal("1000.00")
    assert invoice.paid_date == datetime.date(2026, 10, 9)
    assert second.amount_allocated == Decimal("600.00")
    assert second.unapplied_amount == Decimal("100.00")


def _assert_nothing_written(payment, invoice):
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert Allocation.objects.count() == 0
    assert payment.amount_allocated == Decimal("0.00")
    assert invoice.amount_paid == Decimal("0.00")
    assert invoice.open_amount == invoice.total


def test_allocation_larger_than_the_open_amount_is_refused():
    invoice = InvoiceFactory(total=Decimal("100.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("500.00"))
    with pytest.raises(ValidationFailed) as error:
        allocation_create(payment=payment, invoice=invoice, amount="100.01")
    assert error.value.code == "over_allocation_invoice"
    assert "only 100.00 is open" in error.value.message
    _assert_nothing_written(payment, invoice)


def test_allocation_larger_than_the_unapplied_payment_is_refused():
    invoice = InvoiceFactory(total=Decimal("1000.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("50.00"))
    with pytest.raises(ValidationFailed) as error:
        allocation_create(payment=payment, invoice=invoice, amount="60")
    assert error.value.code == "over_allocation_payment"
    _assert_nothing_written(payment, invoice)


def test_allocation_across_customers_is_refused():
    invoice = InvoiceFactory()
    payment = PaymentFactory(customer=CustomerFactory())
    with pytest.raises(ValidationFailed) as error:
        allocation_create(payment=payment, invoice=invoice, amount="10")
    assert error.value.code == "allocation_customer_mismatch"
    _assert_nothing_written(payment, invoice)


def test_allocation_across_currencies_is_refused():
    invoice = InvoiceFactory(currency="EUR")
    payment = PaymentFactory(customer=invoice.customer, currency="USD")
    with pytest.raises(ValidationFailed) as error:
        allocation_create(payment=payment, invoice=invoice, amount="10")
    assert error.value.code == "allocation_currency_mismatch"
    _assert_nothing_written(payment, invoice)


def test_allocation_to_a_void_invoice_is_refused():
    invoice = InvoiceFactory(status=InvoiceStatus.VOID, open_amount=Decimal("0"))
    payment = PaymentFactory(customer=invoice.customer)
    with pytest.raises(ValidationFailed) as error:
        allocation_create(payment=payment, invoice=invoice, amount="10")
    assert error.value.code == "invoice_closed"
    assert Allocation.objects.count() == 0


def test_allocation_of_a_bounced_payment_is_refused():
    invoice = InvoiceFactory()
    payment = PaymentFactory(customer=invoice.customer, status=PaymentStatus.BOUNCED)
    with pytest.raises(ValidationFailed) as error:
        allocation_create(payment=payment, invoice=invoice, amount="10")
    assert error.value.code == "payment_bounced"
    _assert_nothing_written(payment, invoice)


@pytest.mark.parametrize("amount", ["0", "-1", "1e400", "nan"])
def test_allocation_of_a_non_positive_or_invalid_amount_is_refused(amount):
    invoice = InvoiceFactory()
    payment = PaymentFactory(customer=invoice.customer)
    with pytest.raises(ValidationFailed):
        allocation_create(payment=payment, invoice=invoice, amount=amount)
    _assert_nothing_written(payment, invoice)


def test_payment_create_records_an_unapplied_payment_in_the_customers_currency():
    customer = CustomerFactory(currency="GBP")
    payment = payment_create(
        customer=customer, received_date=datetime.date(2026, 3, 1), amount="99.995"
    )
    payment.refresh_from_db()
    assert payment.currency == "GBP"
    assert payment.amount == Decimal("100.00")
    assert payment.amount_allocated == Decimal("0.00")


def test_payment_create_refuses_an_unknown_method():
    from receivables.models import Payment

    customer = CustomerFactory()
    with pytest.raises(ValidationFailed) as error:
        payment_create(
            customer=customer, received_date=datetime.date(2026, 3, 1), amount="1", method="barter"
        )
    assert error.value.code == "unknown_payment_method"
    assert Payment.objects.count() == 0
