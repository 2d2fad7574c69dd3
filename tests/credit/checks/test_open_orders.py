from decimal import Decimal

import pytest

from credit.models import OpenOrder, OpenOrderStatus
from credit.selectors import credit_position_get
from credit.services import open_order_close, open_order_replace_all, open_order_report
from crm.exceptions import Conflict, ValidationFailed
from tests.factories.credit import CreditProfileFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    return CreditProfileFactory(credit_limit=Decimal("10000.00"))


def test_report_creates_then_replaces_by_reference(profile):
    order, created = open_order_report(
        customer=profile.customer, external_reference="SO-1", amount="100.005", currency="usd"
    )
    assert created is True
    assert (order.amount, order.currency) == (Decimal("100.00"), "USD")  # half-even
    again, created = open_order_report(
        customer=profile.customer, external_reference="SO-1", amount="250.00", currency="USD"
    )
    assert created is False
    assert again.pk == order.pk
    assert OpenOrder.objects.get().amount == Decimal("250.00")


def test_exposure_is_the_maintained_balance_plus_open_orders(profile):
    # given 1000.00 open AR and two open orders, one of them closed later
    InvoiceFactory(customer=profile.customer, total=Decimal("1000.00"))
    open_order_report(
        customer=profile.customer, external_reference="A", amount="300.00", currency="USD"
    )
    closed, _created = open_order_report(
        customer=profile.customer, external_reference="B", amount="200.00", currency="USD"
    )
    open_order_close(order=closed)

    # when the position is read
    position = credit_position_get(customer_id=profile.customer_id)

    # then exposure counts AR and the open order only
    assert (position.open_ar, position.open_orders, position.exposure) == (
        Decimal("1000.00"),
        Decimal("300.00"),
        Decimal("1300.00"),
    )
    assert position.available_credit == Decimal("8700.00")


def test_replace_all_makes_the_list_the_complete_set(profile):
    # given orders A and B
    for reference in ("A", "B"):
        open_order_report(
            customer=profile.customer, external_reference=reference, amount="10.00", currency="USD"
        )

    # when the integrator replaces them with B (new amount) and C
    open_order_replace_all(
        customer=profile.customer,
        orders=[
            {"external_reference": "B", "amount": "20.00", "currency": "USD"},
            {"external_reference": "C", "amount": "30.00", "currency": "USD"},
        ],
    )

    # then A is closed, B replaced, C created
    assert dict(OpenOrder.objects.values_list("external_reference", "status")) == {
        "A": OpenOrderStatus.CLOSED, "B": OpenOrderStatus.OPEN, "C": OpenOrderStatus.OPEN,
    }  # fmt: skip
    assert OpenOrder.objects.get(external_reference="B").amount == Decimal("20.00")


def test_replace_all_with_one_bad_order_changes_nothing(profile):
    open_order_report(
        customer=profile.customer, external_reference="A", amount="10.00", currency="USD"
    )
    with pytest.raises(ValidationFailed) as error:
        open_order_replace_all(
            customer=profile.customer,
            orders=[
                {"external_reference": "B", "amount": "20.00", "currency": "USD"},
                {"external_reference": "C", "amount": "-1", "currency": "USD"},
            ],
        )
    assert error.value.message.startswith("Order 2:")
    assert list(OpenOrder.objects.values_list("external_reference", "status")) == [
        ("A", OpenOrderStatus.OPEN)
    ]


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [("0", "USD", "amount"), ("x", "USD", "amount"), ("5.00", "EUR", "currency")],
)
def test_bad_open_orders_are_refused(profile, amount, currency, field):
    with pytest.raises(ValidationFailed) as error:
        open_order_report(
            customer=profile.customer, external_reference="A", amount=amount, currency=currency
        )
    assert field in error.value.extra["fields"]
    assert OpenOrder.objects.count() == 0


def test_closing_twice_is_a_conflict(profile):
    order, _created = open_order_report(
        customer=profile.customer, external_reference="A", amount="10.00", currency="USD"
    )
    open_order_close(order=order)
    with pytest.raises(Conflict):
        open_order_close(order=order)
    assert OpenOrder.objects.get().status == OpenOrderStatus.CLOSED


@pytest.mark.parametrize("customer_id", [2**63, -(2**63) - 1, 10**30])
def test_a_position_for_an_id_beyond_any_row_is_none(customer_id):
    # an id no BigAutoField can hold (a URL's <int:> takes any length) is simply not there
    assert credit_position_get(customer_id=customer_id) is None
