import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import Invoice, WriteOff
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, WriteOffFactory

pytestmark = pytest.mark.django_db

LIST = reverse("write-off-list")


def _body(on: Invoice, **fields) -> dict:
    return {"invoice": on.pk, "amount": "40.00", "reason": "Uncollectable", **fields}


def _assert_nothing_written(invoice: Invoice) -> None:
    invoice.refresh_from_db()
    assert WriteOff.objects.count() == 0
    assert (invoice.open_amount, invoice.amount_written_off, invoice.status) == (
        Decimal("1000.00"),
        Decimal("0.00"),
        "open",
    )


def test_unauthenticated_is_refused(api_client):
    # given an open invoice
    invoice = InvoiceFactory()

    # when nobody logged in lists or writes off
    listed = api_client.get(LIST)
    created = api_client.post(LIST, _body(invoice), format="json")

    # then both are refused and nothing was written
    assert_error(listed, 401, "not_authenticated")
    assert_error(created, 401, "not_authenticated")
    _assert_nothing_written(invoice)


def test_a_clerk_cannot_write_off(client_for):
    # given a collections clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()

    # when they write off part of an invoice
    response = client.post(LIST, _body(invoice), format="json")

    # then their role is refused and nothing was written
    body = assert_error(response, 403, "permission_denied")
    assert "receivables.add_writeoff" in body["message"]
    _assert_nothing_written(invoice)


def test_the_model_permission_alone_is_not_enough(client_for):
    # given a clerk who was granted the model permission directly
    client, clerk = client_for(roles.COLLECTIONS_CLERK)
    grant(clerk, "add_writeoff")
    invoice = InvoiceFactory()

    # when they write off part of an invoice
    response = client.post(LIST, _body(invoice), format="json")

    # then the service still refuses anyone but a finance admin
    assert_error(response, 403, "write_off_not_allowed")
    _assert_nothing_written(invoice)


def test_a_finance_admin_writes_off_part_of_an_invoice(client_for):
    # given an invoice with 1000.00 open
    client, admin = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(customer=CustomerFactory(currency="EUR"))

    # when 40.25 is written off on a date
    response = client.post(
        LIST, _body(invoice, amount="40.25", written_off_on="2026-11-02"), format="json"
    )

    # then the write-off exists and the invoice owes less
    assert response.status_code == 201, response.content
    write_off = WriteOff.objects.get()
    assert (write_off.amount, write_off.written_off_on, write_off.created_by) == (
        Decimal("40.25"),
        datetime.date(2026, 11, 2),
        admin,
    )
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.amount_written_off) == (
        Decimal("959.75"),
        Decimal("40.25"),
    )
    body = response.json()
    assert (body["amount"], body["currency"], body["customer"]) == (
        "40.25",
        "EUR",
        invoice.customer_id,
    )


def test_writing_off_everything_closes_the_invoice(client_for):
    # given an invoice with 1000.00 open
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()

    # when all of it is written off, then a little more
    first = client.post(LIST, _body(invoice, amount="1000.00"), format="json")
    second = client.post(LIST, _body(invoice, amount="1.00"), format="json")

    # then it is written off, dated today, and nothing more can be written off
    assert first.status_code == 201, first.content
    invoice.refresh_from_db()
    assert (invoice.status, invoice.open_amount, invoice.paid_date) == (
        "written_off",
        Decimal("0.00"),
        timezone.localdate(),
    )
    assert_error(second, 409, "invoice_closed")
    assert WriteOff.objects.count() == 1


def test_a_write_off_above_the_open_amount_is_refused(client_for):
    # given an invoice with 1000.00 open
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()

    # when 1000.01 is written off
    response = client.post(LIST, _body(invoice, amount="1000.01"), format="json")

    # then it is a 400 on the amount and nothing was written
    body = assert_error(response, 400, "write_off_exceeds_open_amount", field="amount")
    assert "1000.00" in body["message"]
    _assert_nothing_written(invoice)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"amount": 0.1}, "amount", "invalid"),
        ({"amount": "0"}, "amount", "amount_not_positive"),
        ({"reason": ""}, "reason", "invalid"),
        ({"written_off_on": "2026-13-01"}, "written_off_on", "invalid"),
        ({"invoice": None}, "invoice", "invalid"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(client_for, fields, field, code):
    # given an open invoice
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()

    # when the write-off is malformed
    response = client.post(LIST, _body(invoice, **fields), format="json")

    # then it is a field error and nothing was written
    assert_error(response, 400, code, field=field)
    _assert_nothing_written(invoice)


def test_sales_rep_sees_only_write_offs_of_own_customers(client_for):
    # given a write-off on the rep's customer's invoice and one on another rep's
    client, rep = client_for(roles.SALES_REP)
    own = WriteOffFactory(invoice=InvoiceFactory(customer=CustomerFactory(sales_rep=rep)))
    other = WriteOffFactory(
        invoice=InvoiceFactory(
            customer=CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))
        )
    )

    # when the rep lists and reads
    listed = client.get(LIST)
    read_other = client.get(reverse("write-off-detail", args=[other.pk]))

    # then only the own write-off is visible
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert_error(read_other, 404, "not_found")


def test_list_filters(client_for):
    # given write-offs on two invoices of different customers
    client, _ = client_for(roles.CREDIT_MANAGER)
    early = WriteOffFactory(written_off_on=datetime.date(2026, 10, 1))
    late = WriteOffFactory(written_off_on=datetime.date(2026, 11, 15))

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    # then the filters select
    assert ids(f"invoice={early.invoice_id}") == [early.pk]
    assert ids(f"customer={late.invoice.customer_id}") == [late.pk]
    assert ids("written_off_on_from=2026-11-01") == [late.pk]
    assert ids("written_off_on_to=2026-10-31") == [early.pk]


@pytest.mark.parametrize("rows", [3, 12])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given write-offs on invoices of several customers
    WriteOffFactory.create_batch(rows)
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back with its invoice's customer and currency
    body = response.json()
    assert body["count"] == rows
    assert {row["currency"] for row in body["results"]} == {"USD"}
