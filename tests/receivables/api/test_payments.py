from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import Payment
from receivables.services import allocation_create
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("payment-list")


def _detail(payment: Payment) -> str:
    return reverse("payment-detail", args=[payment.pk])


def _new_payment(customer, **overrides):
    return {
        "customer": customer.pk, "received_date": "2026-10-01", "amount": "500.00", **overrides
    }  # fmt: skip


def test_unauthenticated_is_refused(api_client):
    # given a payment
    payment = PaymentFactory()

    # when nobody logged in reads or records
    responses = [
        api_client.get(LIST),
        api_client.get(_detail(payment)),
        api_client.post(LIST, _new_payment(payment.customer), format="json"),
    ]

    # then all are refused and nothing was written
    for response in responses:
        assert_error(response, 401, "not_authenticated")
    assert Payment.objects.count() == 1


def test_a_wrong_role_cannot_record(client_for):
    # given a sales rep (reads payments only) with a customer
    client, rep = client_for(roles.SALES_REP)
    customer = CustomerFactory(sales_rep=rep)

    # when they record a payment
    response = client.post(LIST, _new_payment(customer), format="json")

    # then it is refused and nothing is written
    assert_error(response, 403, "permission_denied")
    assert Payment.objects.count() == 0


def test_create_records_a_payment(client_for):
    # given a finance admin and a GBP customer
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory(currency="GBP")

    # when a payment is recorded
    response = client.post(
        LIST,
        _new_payment(customer, amount=500, method="card", reference="R-1", external_id="BANK-1"),
        format="json",
    )

    # then it is stored, unapplied
    assert response.status_code == 201, response.content
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.method, payment.external_id) == (
        Decimal("500.00"),
        "GBP",
        "card",
        "BANK-1",
    )
    body = response.json()
    assert body["amount"] == "500.00"
    assert body["amount_allocated"] == "0.00"
    assert body["unapplied_amount"] == "500.00"


def test_retrieve_shows_allocated_and_unapplied_amounts(client_for):
    # given a payment of 500 with 120.40 applied
    client, _ = client_for(roles.CREDIT_MANAGER)
    payment = PaymentFactory(amount=Decimal("500.00"))
    invoice = InvoiceFactory(customer=payment.customer)
    allocation_create(payment=payment, invoice=invoice, amount=Decimal("120.40"))

    # when it is read
    body = client.get(_detail(payment)).json()

    # then both parts are shown
    assert body["amount_allocated"] == "120.40"
    assert body["unapplied_amount"] == "379.60"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"amount": "-1.00"}, 400, "amount_not_positive", "amount"),
        ({"amount": 0}, 400, "amount_not_positive", "amount"),
        ({"amount": 0.1}, 400, "invalid", "amount"),
        ({"amount": "99999999999999999999"}, 400, "invalid", "amount"),
        ({"currency": "ABC"}, 400, "unknown_currency", "currency"),
        ({"method": "bitcoin"}, 400, "invalid", "method"),
        ({"reference": "r" * 101}, 400, "invalid", "reference"),
        ({"external_id": "e" * 65}, 400, "invalid", "external_id"),
        ({"received_date": "2026-10-32"}, 400, "invalid", "received_date"),
        ({"received_date": None}, 400, "invalid", "received_date"),
        ({"external_id": "BANK-1"}, 409, "duplicate_external_id", "external_id"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(client_for, overrides, status, code, field):
    # given an integrator, a customer and a payment BANK-1
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()
    PaymentFactory(customer=customer, external_id="BANK-1")

    # when an invalid payment is recorded
    response = client.post(LIST, {**_new_payment(customer), **overrides}, format="json")

    # then it is refused naming the field, and nothing is written
    assert_error(response, status, code, field=field)
    assert Payment.objects.count() == 1


def test_create_refuses_a_customer_the_user_cannot_see(client_for):
    # given a rep who may record payments, and another rep's customer
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "add_payment")
    other = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep records a payment for it
    response = client.post(LIST, _new_payment(other), format="json")

    # then it is refused and nothing is written
    assert_error(response, 400, "invalid", field="customer")
    assert Payment.objects.count() == 0


def test_sales_rep_sees_only_payments_of_own_customers(client_for):
    # given the rep's payment and another rep's
    client, rep = client_for(roles.SALES_REP)
    own = PaymentFactory(customer=CustomerFactory(sales_rep=rep))
    other = PaymentFactory(customer=CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP])))

    # when the rep lists and reads
    listed = client.get(LIST)
    read_other = client.get(_detail(other))

    # then only the own payment is visible
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert_error(read_other, 404, "not_found")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("method=card", ["card"]),
        ("currency=EUR", ["eur"]),
        ("received_date_from=2026-10-01&received_date_to=2026-10-31", ["eur", "card"]),
        ("received_date_to=2026-09-30", ["old"]),
        ("ordering=amount", ["old", "card", "eur"]),
        ("ordering=-received_date", ["eur", "card", "old"]),
    ],
)
def test_list_filters_and_orders(client_for, query, expected):
    # given three payments
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    payments = {
        "old": PaymentFactory(received_date=date(2026, 9, 1), amount=Decimal("10.00")),
        "card": PaymentFactory(
            received_date=date(2026, 10, 1), amount=Decimal("20.00"), method="card"
        ),
        "eur": PaymentFactory(
            customer=CustomerFactory(currency="EUR"),
            received_date=date(2026, 10, 31),
            amount=Decimal("30.00"),
        ),
    }

    # when the list is filtered
    response = client.get(f"{LIST}?{query}")

    # then the matching payments come back in order
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [
        payments[name].pk for name in expected
    ]


def test_list_filters_by_customer(client_for):
    # given payments of two customers
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    mine = PaymentFactory()
    PaymentFactory()

    # when filtered by one customer
    response = client.get(f"{LIST}?customer={mine.customer_id}")

    # then only theirs come back
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


@pytest.mark.parametrize(
    "query", ["customer=x", "method=gold", "received_date_from=2026-99-01", "page=-1"]
)
def test_list_refuses_bad_query_parameters_without_a_500(client_for, query):
    # given a payment
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    PaymentFactory()

    # when the list is asked with a bad parameter
    response = client.get(f"{LIST}?{query}")

    # then it is a clear client error
    assert response.status_code in (400, 404), response.content
    assert response.json()["message"]


@pytest.mark.parametrize("rows", [5, 20])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given payments
    PaymentFactory.create_batch(rows)
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back
    assert response.json()["count"] == rows
