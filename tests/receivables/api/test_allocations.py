from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import Allocation, Invoice, Payment
from receivables.services import allocation_create
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("allocation-list")


def _detail(allocation: Allocation) -> str:
    return reverse("allocation-detail", args=[allocation.pk])


def _pair(**customer_fields):
    """An open invoice of 1000.00 and an unapplied payment of 600.00 of one customer."""
    customer = CustomerFactory(**customer_fields)
    invoice = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("600.00"))
    return invoice, payment


def _assert_nothing_applied(invoice: Invoice, payment: Payment) -> None:
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert Allocation.objects.count() == 0
    assert invoice.open_amount == Decimal("1000.00")
    assert invoice.amount_paid == Decimal("0.00")
    assert payment.amount_allocated == Decimal("0.00")


def test_unauthenticated_is_refused(api_client):
    # given an invoice and a payment
    invoice, payment = _pair()

    # when nobody logged in lists or applies
    listed = api_client.get(LIST)
    created = api_client.post(
        LIST, {"payment": payment.pk, "invoice": invoice.pk, "amount": "1"}, format="json"
    )

    # then both are refused and nothing was applied
    assert_error(listed, 401, "not_authenticated")
    assert_error(created, 401, "not_authenticated")
    _assert_nothing_applied(invoice, payment)


def test_a_wrong_role_cannot_apply(client_for):
    # given a credit manager
    client, _ = client_for(roles.CREDIT_MANAGER)
    invoice, payment = _pair()

    # when they apply a payment
    response = client.post(
        LIST, {"payment": payment.pk, "invoice": invoice.pk, "amount": "1"}, format="json"
    )

    # then it is refused and nothing was applied
    assert_error(response, 403, "permission_denied")
    _assert_nothing_applied(invoice, payment)


def test_create_applies_part_of_a_payment(client_for):
    # given an integrator
    client, user = client_for(roles.INTEGRATOR)
    invoice, payment = _pair(currency="EUR")

    # when 250.25 is applied on a given date
    response = client.post(
        LIST,
        {
            "payment": payment.pk,
            "invoice": invoice.pk,
            "amount": "250.25",
            "allocated_on": "2026-10-02",
        },
        format="json",
    )

    # then the allocation exists and both sides are updated
    assert response.status_code == 201, response.content
    allocation = Allocation.objects.get()
    assert (allocation.amount, allocation.allocated_on, allocation.created_by) == (
        Decimal("250.25"),
        date(2026, 10, 2),
        user,
    )
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.open_amount == Decimal("749.75")
    assert invoice.status == "partially_paid"
    assert payment.amount_allocated == Decimal("250.25")
    body = response.json()
    assert body["amount"] == "250.25"
    assert body["currency"] == "EUR"
    assert body["is_active"] is True


def test_create_defaults_the_allocation_date(client_for):
    # given a finance admin
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice, payment = _pair()

    # when no date is sent
    response = client.post(
        LIST, {"payment": payment.pk, "invoice": invoice.pk, "amount": "10"}, format="json"
    )

    # then it is the later of the received date and today
    assert response.status_code == 201
    expected = max(payment.received_date, timezone.localdate())
    assert Allocation.objects.get().allocated_on == expected


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("1000.01", "over_allocation_invoice"),
        ("600.01", "over_allocation_payment"),
        ("-5", "amount_not_positive"),
        ("0.00", "amount_not_positive"),
        (5.5, "invalid"),
        ("5.555", "invalid"),
        ("1" * 30, "invalid"),
        ("five", "invalid"),
    ],
)
def test_create_refuses_bad_amounts_and_applies_nothing(client_for, amount, code):
    # given an invoice of 1000 and a payment of 600... where the invoice has 1000 open
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice, payment = _pair()
    if code == "over_allocation_invoice":
        payment.amount = Decimal("5000.00")
        payment.save()

    # when too much, a negative or a malformed amount is applied
    response = client.post(
        LIST, {"payment": payment.pk, "invoice": invoice.pk, "amount": amount}, format="json"
    )

    # then it is a 400 on the amount and nothing was applied
    assert_error(response, 400, code, field="amount")
    _assert_nothing_applied(invoice, payment)


def test_create_refuses_an_invoice_of_another_customer(client_for):
    # given a payment and another customer's invoice
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice, _ = _pair()
    _, payment = _pair()

    # when they are paired
    response = client.post(
        LIST, {"payment": payment.pk, "invoice": invoice.pk, "amount": "1"}, format="json"
    )

    # then it is refused
    assert_error(response, 400, "allocation_customer_mismatch", field="invoice")
    _assert_nothing_applied(invoice, payment)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payment": 10**30}, "payment"),
        ({"invoice": "INV-1"}, "invoice"),
        ({"invoice": None}, "invoice"),
        ({"allocated_on": "02/10/2026"}, "allocated_on"),
    ],
)
def test_create_refuses_malformed_references(client_for, body, field):
    # given a finance admin
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice, payment = _pair()

    # when a reference is malformed
    response = client.post(
        LIST,
        {"payment": payment.pk, "invoice": invoice.pk, "amount": "1", **body},
        format="json",
    )

    # then it is a field error and nothing was applied
    assert_error(response, 400, "invalid", field=field)
    _assert_nothing_applied(invoice, payment)


def test_create_refuses_a_payment_and_invoice_the_user_cannot_see(client_for):
    # given a rep who may apply payments, and another rep's customer's invoice and payment
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "add_allocation")
    invoice, payment = _pair(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep applies the payment
    response = client.post(
        LIST, {"payment": payment.pk, "invoice": invoice.pk, "amount": "1"}, format="json"
    )

    # then both references are unknown to them and nothing was applied
    body = assert_error(response, 400, "invalid")
    assert set(body["extra"]["fields"]) == {"payment", "invoice"}
    _assert_nothing_applied(invoice, payment)


def test_sales_rep_sees_only_allocations_of_own_customers(client_for):
    # given an allocation of the rep's customer and one of another rep's
    client, rep = client_for(roles.SALES_REP)
    own_invoice, own_payment = _pair(sales_rep=rep)
    own = allocation_create(payment=own_payment, invoice=own_invoice, amount=Decimal("1"))
    other_invoice, other_payment = _pair(sales_rep=UserFactory(roles=[roles.SALES_REP]))
    other = allocation_create(payment=other_payment, invoice=other_invoice, amount=Decimal("1"))

    # when the rep lists and reads
    listed = client.get(LIST)
    read_other = client.get(_detail(other))

    # then only the own allocation is visible
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert_error(read_other, 404, "not_found")


def test_list_filters_and_orders(client_for):
    # given two allocations of one payment, one unapplied, and one of another payment
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    invoice, payment = _pair()
    small = allocation_create(payment=payment, invoice=invoice, amount=Decimal("10"))
    big = allocation_create(payment=payment, invoice=invoice, amount=Decimal("90"))
    Allocation.objects.filter(pk=small.pk).update(unapplied_at=timezone.now())
    other_invoice, other_payment = _pair()
    other = allocation_create(payment=other_payment, invoice=other_invoice, amount=Decimal("5"))

    # when filtered and ordered
    def ids(query):
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    # then the filters select and the ordering sorts
    assert ids(f"payment={payment.pk}&ordering=amount") == [small.pk, big.pk]
    assert ids(f"invoice={other_invoice.pk}") == [other.pk]
    assert ids("is_active=false") == [small.pk]
    assert ids("is_active=true&ordering=-amount") == [big.pk, other.pk]


@pytest.mark.parametrize("query", ["payment=abc", "invoice=1.5", "page=abc"])
def test_list_refuses_bad_query_parameters_without_a_500(client_for, query):
    # given an allocation
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    invoice, payment = _pair()
    allocation_create(payment=payment, invoice=invoice, amount=Decimal("1"))

    # when the list is asked with a bad parameter
    response = client.get(f"{LIST}?{query}")

    # then it is a clear client error
    assert response.status_code in (400, 404), response.content
    assert response.json()["message"]


@pytest.mark.parametrize("rows", [5, 20])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given allocations of several customers
    for _ in range(rows):
        invoice, payment = _pair()
        allocation_create(payment=payment, invoice=invoice, amount=Decimal("1"))
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back, with its currency
    body = response.json()
    assert body["count"] == rows
    assert {row["currency"] for row in body["results"]} == {"USD"}


def _post_with_external_id(client, invoice: Invoice, payment: Payment, **fields):
    body = {"payment": payment.pk, "invoice": invoice.pk, "amount": "250.00", **fields}
    return client.post(LIST, body, format="json")


def test_create_keeps_and_shows_the_external_id(client_for):
    # given
    client, _ = client_for(roles.INTEGRATOR)
    invoice, payment = _pair()

    # when an allocation is posted with the ERP's key
    response = _post_with_external_id(client, invoice, payment, external_id="ERP-ALLOC-1")

    # then it is kept and shown, in the answer and when read back
    assert response.status_code == 201, response.content
    assert response.json()["external_id"] == "ERP-ALLOC-1"
    allocation = Allocation.objects.get()
    assert allocation.external_id == "ERP-ALLOC-1"
    assert client.get(_detail(allocation)).json()["external_id"] == "ERP-ALLOC-1"


@pytest.mark.parametrize("fields", [{}, {"external_id": ""}, {"external_id": None}])
def test_create_without_an_external_id_stores_none_and_allows_many(client_for, fields):
    # given
    client, _ = client_for(roles.INTEGRATOR)
    invoice, payment = _pair()

    # when two allocations are posted without an external id (left out, blank or null)
    first = _post_with_external_id(client, invoice, payment, **fields)
    second = _post_with_external_id(client, invoice, payment, **fields)

    # then both are applied, with no external id
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert first.json()["external_id"] is None
    assert list(Allocation.objects.values_list("external_id", flat=True)) == [None, None]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("500.00")


def test_a_retry_with_the_same_external_id_is_a_409_and_applies_nothing_twice(client_for):
    # given an allocation the ERP posted, whose answer it never got
    client, _ = client_for(roles.INTEGRATOR)
    invoice, payment = _pair()
    first = _post_with_external_id(client, invoice, payment, external_id="ERP-ALLOC-7")
    assert first.status_code == 201, first.content

    # when the ERP retries the same request
    retry = _post_with_external_id(client, invoice, payment, external_id="ERP-ALLOC-7")

    # then it is a 409 naming the allocation already made, and the money is applied once
    body = assert_error(retry, 409, "duplicate_external_id", field="external_id")
    assert body["extra"]["existing_id"] == first.json()["id"]
    assert "ERP-ALLOC-7" in body["message"]
    assert Allocation.objects.count() == 1
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.amount_paid == Decimal("250.00")
    assert invoice.open_amount == Decimal("750.00")
    assert payment.amount_allocated == Decimal("250.00")


def test_a_retry_after_the_payment_was_used_up_is_still_a_duplicate(client_for):
    # given the whole payment applied under an external id
    client, _ = client_for(roles.INTEGRATOR)
    invoice, payment = _pair()
    first = _post_with_external_id(
        client, invoice, payment, amount="600.00", external_id="ERP-ALLOC-8"
    )
    assert first.status_code == 201, first.content

    # when the request is retried (the payment has no room left for it)
    retry = _post_with_external_id(
        client, invoice, payment, amount="600.00", external_id="ERP-ALLOC-8"
    )

    # then the retry is told it was already applied, not that the payment is used up
    body = assert_error(retry, 409, "duplicate_external_id", field="external_id")
    assert body["extra"]["existing_id"] == first.json()["id"]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("600.00")


def test_a_retry_of_an_unapplied_allocation_is_still_a_duplicate(client_for):
    # given an allocation posted with an external id and then taken back
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice, payment = _pair()
    first = _post_with_external_id(client, invoice, payment, external_id="ERP-ALLOC-9")
    assert first.status_code == 201, first.content
    unapplied = client.post(reverse("allocation-unapply", args=[first.json()["id"]]))
    assert unapplied.status_code == 200, unapplied.content

    # when the same request is sent again
    retry = _post_with_external_id(client, invoice, payment, external_id="ERP-ALLOC-9")

    # then the key still names the first allocation: nothing is applied again
    body = assert_error(retry, 409, "duplicate_external_id", field="external_id")
    assert body["extra"]["existing_id"] == first.json()["id"]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("0.00")


def test_an_external_id_longer_than_64_characters_is_refused(client_for):
    # given
    client, _ = client_for(roles.INTEGRATOR)
    invoice, payment = _pair()

    # when
    response = _post_with_external_id(client, invoice, payment, external_id="X" * 65)

    # then
    assert_error(response, 400, "invalid", field="external_id")
    _assert_nothing_applied(invoice, payment)
