import datetime
from decimal import Decimal

import pytest

from crm.exceptions import Conflict, ValidationFailed
from customers.models import CustomerStatus
from receivables.models import Invoice, InvoiceStatus
from receivables.services import invoice_create
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


def test_invoice_create_posts_an_open_invoice_due_on_the_customers_terms():
    # given
    customer = CustomerFactory(currency="EUR", payment_terms_days=45)
    # when
    invoice = invoice_create(
        customer=customer, number="INV-1", issue_date=datetime.date(2026, 1, 10), total="1234.565"
    )
    # then
    invoice.refresh_from_db()
    assert invoice.due_date == datetime.date(2026, 2, 24)
    assert invoice.currency == "EUR"
    assert invoice.total == Decimal("1234.56")  # ROUND_HALF_EVEN at the boundary
    assert invoice.open_amount == Decimal("1234.56")
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.amount_paid == Decimal("0.00")


def test_invoice_create_rounds_to_the_currencys_minor_unit():
    customer = CustomerFactory(currency="JPY")
    invoice = invoice_create(
        customer=customer, number="J-1", issue_date=datetime.date(2026, 1, 1), total="1000.5"
    )
    invoice.refresh_from_db()
    assert invoice.total == Decimal("1000")


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"total": "-5"}, "total", "amount_not_positive"),
        ({"total": "0"}, "total", "amount_not_positive"),
        ({"total": "abc"}, "total", "invalid"),
        ({"currency": "XXX"}, "currency", "unknown_currency"),
        ({"due_date": datetime.date(2025, 12, 31)}, "due_date", "due_before_issue"),
        ({"cost_of_goods": "-1"}, "cost_of_goods", "amount_not_positive"),
        ({"number": "   "}, "number", "invalid"),
    ],
)
def test_invoice_create_rejects_bad_input_and_writes_nothing(kwargs, field, code):
    # given
    customer = CustomerFactory()
    arguments = {
        "customer": customer,
        "number": "INV-9",
        "issue_date": datetime.date(2026, 1, 1),
        "total": "10",
    }
    arguments.update(kwargs)
    # when
    with pytest.raises(ValidationFailed) as error:
        invoice_create(**arguments)
    # then
    assert error.value.code == code
    assert field in error.value.extra["fields"]
    assert Invoice.objects.count() == 0


def test_invoice_create_refuses_a_float_total():
    customer = CustomerFactory()
    with pytest.raises(ValidationFailed):
        invoice_create(
            customer=customer, number="F-1", issue_date=datetime.date(2026, 1, 1), total=10.5
        )
    assert Invoice.objects.count() == 0


def test_invoice_create_refuses_a_duplicate_number_with_409():
    # given
    existing = InvoiceFactory(number="INV-1")
    # when
    with pytest.raises(Conflict) as error:
        invoice_create(
            customer=existing.customer,
            number="INV-1",
            issue_date=datetime.date(2026, 1, 1),
            total="5",
        )
    # then
    assert error.value.code == "duplicate_invoice_number"
    assert error.value.extra["existing_id"] == existing.pk
    assert Invoice.objects.count() == 1


def test_invoice_create_refuses_a_duplicate_external_id():
    existing = InvoiceFactory(external_id="ERP-1")
    with pytest.raises(Conflict) as error:
        invoice_create(
            customer=existing.customer,
            number="NEW",
            issue_date=datetime.date(2026, 1, 1),
            total="5",
            external_id="ERP-1",
        )
    assert error.value.code == "duplicate_external_id"
    assert Invoice.objects.count() == 1


def test_invoice_create_refuses_an_inactive_customer():
    customer = CustomerFactory(status=CustomerStatus.INACTIVE)
    with pytest.raises(ValidationFailed) as error:
        invoice_create(
            customer=customer, number="I-1", issue_date=datetime.date(2026, 1, 1), total="5"
        )
    assert error.value.code == "customer_inactive"
    assert Invoice.objects.count() == 0
