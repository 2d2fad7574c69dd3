import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import PromiseToPay
from receivables.services import promise_to_pay_create
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("promise-list")


def _days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _cancel_url(promise: PromiseToPay) -> str:
    return reverse("promise-cancel", args=[promise.pk])


def _promise(customer=None, *, days: int = 7, amount: str = "100.00") -> PromiseToPay:
    return promise_to_pay_create(
        customer=customer or CustomerFactory(), amount=Decimal(amount), promised_date=_days(days)
    )


def _state(promise: PromiseToPay) -> tuple:
    promise.refresh_from_db()
    return (promise.status, promise.closed_on)


def test_unauthenticated_is_refused(api_client):
    # given a customer and an open promise
    customer = CustomerFactory()
    promise = _promise(customer)

    # when nobody logged in lists, records or cancels
    listed = api_client.get(LIST)
    created = api_client.post(
        LIST,
        {"customer": customer.pk, "amount": "1", "promised_date": str(_days(1))},
        format="json",
    )
    cancelled = api_client.post(_cancel_url(promise))

    # then all are refused and nothing changed
    for response in (listed, created, cancelled):
        assert_error(response, 401, "not_authenticated")
    assert PromiseToPay.objects.count() == 1
    assert _state(promise) == ("open", None)


def test_a_wrong_role_cannot_record_or_cancel(client_for):
    # given an integrator (who may read promises only)
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()
    promise = _promise(customer)

    # when they record and cancel promises
    created = client.post(
        LIST,
        {"customer": customer.pk, "amount": "1", "promised_date": str(_days(1))},
        format="json",
    )
    cancelled = client.post(_cancel_url(promise))

    # then both are refused and nothing changed
    assert "add_promisetopay" in assert_error(created, 403, "permission_denied")["message"]
    assert "change_promisetopay" in assert_error(cancelled, 403, "permission_denied")["message"]
    assert PromiseToPay.objects.count() == 1
    assert _state(promise) == ("open", None)


def test_a_clerk_records_a_promise_for_invoices(client_for):
    # given two open EUR invoices of a customer
    client, clerk = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory(currency="EUR")
    first, second = InvoiceFactory.create_batch(2, customer=customer)

    # when a promise of 1500.50 for both is recorded
    response = client.post(
        LIST,
        {
            "customer": customer.pk,
            "amount": "1500.50",
            "promised_date": str(_days(10)),
            "invoices": [second.pk, first.pk],
            "note": "CFO on the phone",
        },
        format="json",
    )

    # then it is open, made today, covering both invoices
    assert response.status_code == 201, response.content
    promise = PromiseToPay.objects.get()
    assert (promise.amount, promise.currency, promise.made_on, promise.created_by) == (
        Decimal("1500.50"),
        "EUR",
        timezone.localdate(),
        clerk,
    )
    body = response.json()
    assert sorted(body["invoices"]) == sorted([first.pk, second.pk])
    assert (body["amount"], body["status"], body["amount_received"], body["note"]) == (
        "1500.50",
        "open",
        "0.00",
        "CFO on the phone",
    )


def test_a_promise_in_the_past_is_refused(client_for):
    # given a customer
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()

    # when a promise for yesterday is recorded
    response = client.post(
        LIST,
        {"customer": customer.pk, "amount": "100.00", "promised_date": str(_days(-1))},
        format="json",
    )

    # then it is a 400 on the date and nothing was written
    assert_error(response, 400, "promise_in_the_past", field="promised_date")
    assert PromiseToPay.objects.count() == 0


def test_a_promise_beyond_the_limit_is_refused(client_for, settings):
    # given a customer
    settings.CRM_PROMISE_MAX_DAYS = 365
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()

    # when a promise for the end of the calendar is recorded
    response = client.post(
        LIST,
        {"customer": customer.pk, "amount": "1.00", "promised_date": "9999-12-31"},
        format="json",
    )

    # then it is a 400 on the date naming the latest allowed one, and nothing was written
    body = assert_error(response, 400, "promise_too_far", field="promised_date")
    assert str(_days(365)) in body["message"]
    assert PromiseToPay.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"amount": 99.5}, "amount", "invalid"),
        ({"amount": "-3"}, "amount", "amount_not_positive"),
        ({"promised_date": "next week"}, "promised_date", "invalid"),
        ({"invoices": "1,2"}, "invoices", "invalid"),
        ({"invoices": [10**30]}, "invoices", "invalid"),
        ({"note": "x" * 256}, "note", "invalid"),
    ],
)
def test_bad_input_records_nothing(client_for, fields, field, code):
    # given a customer
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()
    body = {"customer": customer.pk, "amount": "100.00", "promised_date": str(_days(3))}

    # when the promise is malformed
    response = client.post(LIST, {**body, **fields}, format="json")

    # then it is a field error and nothing was written
    assert_error(response, 400, code, field=field)
    assert PromiseToPay.objects.count() == 0


def test_invoices_of_another_customer_are_refused(client_for):
    # given a customer and another customer's invoice
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()
    invoice = InvoiceFactory()

    # when a promise names the other customer's invoice
    response = client.post(
        LIST,
        {
            "customer": customer.pk,
            "amount": "10",
            "promised_date": str(_days(3)),
            "invoices": [invoice.pk],
        },
        format="json",
    )

    # then it is refused and nothing was written
    assert_error(response, 400, "promise_customer_mismatch", field="invoices")
    assert PromiseToPay.objects.count() == 0


def test_cancel_closes_an_open_promise(client_for):
    # given an open promise
    client, _ = client_for(roles.FINANCE_ADMIN)
    promise = _promise()

    # when it is cancelled
    response = client.post(_cancel_url(promise))

    # then it is cancelled today
    assert response.status_code == 200, response.content
    assert _state(promise) == ("cancelled", timezone.localdate())
    assert response.json()["status"] == "cancelled"


def test_cancelling_twice_is_a_conflict(client_for):
    # given a cancelled promise
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    promise = _promise()
    assert client.post(_cancel_url(promise)).status_code == 200
    before = _state(promise)

    # when it is cancelled again
    response = client.post(_cancel_url(promise))

    # then it is a 409 and nothing changed
    assert_error(response, 409, "promise_closed")
    assert _state(promise) == before


def test_sales_rep_sees_only_promises_of_own_customers(client_for):
    # given a rep allowed to cancel, a promise of theirs and one of another rep's
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "change_promisetopay")
    own = _promise(CustomerFactory(sales_rep=rep))
    other = _promise(CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP])))

    # when the rep lists, reads and cancels
    listed = client.get(LIST)
    read_other = client.get(reverse("promise-detail", args=[other.pk]))
    cancelled_other = client.post(_cancel_url(other))

    # then only their own is visible and the other is untouched
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert_error(read_other, 404, "not_found")
    assert_error(cancelled_other, 404, "not_found")
    assert _state(other) == ("open", None)


def test_list_filters_by_customer_status_and_promised_date(client_for):
    # given promises of two customers, one cancelled
    client, _ = client_for(roles.CREDIT_MANAGER)
    customer = CustomerFactory()
    soon = _promise(customer, days=2)
    later = _promise(customer, days=20)
    elsewhere = _promise(days=5)
    client_for(roles.COLLECTIONS_CLERK)[0].post(_cancel_url(elsewhere))

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    # then the filters select and the ordering sorts
    assert ids(f"customer={customer.pk}&ordering=promised_date") == [soon.pk, later.pk]
    assert ids("status=cancelled") == [elsewhere.pk]
    assert ids(f"promised_date_from={_days(3)}&promised_date_to={_days(10)}") == [elsewhere.pk]
    assert ids(f"promised_date_from={_days(10)}") == [later.pk]
    assert_error(client.get(f"{LIST}?status=late"), 400, "invalid")
    assert_error(client.get(f"{LIST}?promised_date_to=someday"), 400, "invalid")


@pytest.mark.parametrize("rows", [3, 12])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given promises of several customers, each for an invoice
    for _ in range(rows):
        invoice = InvoiceFactory()
        promise_to_pay_create(
            customer=invoice.customer,
            amount=Decimal("5"),
            promised_date=_days(4),
            invoices=[invoice],
        )
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1), invoices (1)
    with django_assert_num_queries(4):
        response = client.get(LIST)

    # then every row came back with its invoice
    body = response.json()
    assert body["count"] == rows
    assert all(len(row["invoices"]) == 1 for row in body["results"])
