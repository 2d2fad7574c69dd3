import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import CreditNote, Invoice
from tests.crm.api.support import assert_error
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import CreditNoteFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("credit-note-list")


def _body(on: Invoice, **fields) -> dict:
    return {
        "customer": on.customer_id,
        "invoice": on.pk,
        "number": "CN-1",
        "amount": "200.00",
        "reason": "Damaged goods",
        **fields,
    }


def _assert_nothing_written(invoice: Invoice) -> None:
    invoice.refresh_from_db()
    assert CreditNote.objects.count() == 0
    assert (invoice.open_amount, invoice.amount_credited) == (Decimal("1000.00"), Decimal("0.00"))


def test_unauthenticated_is_refused(api_client):
    # given an open invoice
    invoice = InvoiceFactory()

    # when nobody logged in lists or issues
    listed = api_client.get(LIST)
    created = api_client.post(LIST, _body(invoice), format="json")

    # then both are refused and nothing was written
    assert_error(listed, 401, "not_authenticated")
    assert_error(created, 401, "not_authenticated")
    _assert_nothing_written(invoice)


def test_a_wrong_role_cannot_issue(client_for):
    # given a collections clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()

    # when they issue a credit note
    response = client.post(LIST, _body(invoice), format="json")

    # then it is refused and nothing was written
    assert_error(response, 403, "permission_denied")
    _assert_nothing_written(invoice)


def test_issue_on_an_invoice_reduces_what_is_open(client_for):
    # given an invoice of 1000.00 in EUR
    client, _ = client_for(roles.INTEGRATOR)
    invoice = InvoiceFactory(customer=CustomerFactory(currency="EUR"))

    # when a credit note of 200.10 is issued on it
    response = client.post(
        LIST,
        _body(invoice, amount="200.10", issue_date="2026-10-03", external_id="ERP-CN-1"),
        format="json",
    )

    # then it exists and the invoice is partly settled
    assert response.status_code == 201, response.content
    note = CreditNote.objects.get()
    assert (note.amount, note.currency, note.issue_date, note.invoice) == (
        Decimal("200.10"),
        "EUR",
        datetime.date(2026, 10, 3),
        invoice,
    )
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.amount_credited, invoice.status) == (
        Decimal("799.90"),
        Decimal("200.10"),
        "partially_paid",
    )
    body = response.json()
    assert (body["amount"], body["currency"], body["external_id"]) == ("200.10", "EUR", "ERP-CN-1")


def test_issue_on_the_account_defaults_currency_and_date(client_for):
    # given a customer in GBP
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory(currency="GBP")

    # when a credit note without invoice is issued
    response = client.post(
        LIST,
        {"customer": customer.pk, "number": "CN-2", "amount": "50", "reason": "Goodwill"},
        format="json",
    )

    # then it is customer credit in the customer's currency, dated today
    assert response.status_code == 201, response.content
    note = CreditNote.objects.get()
    assert (note.invoice, note.currency, note.amount, note.issue_date) == (
        None,
        "GBP",
        Decimal("50.00"),
        timezone.localdate(),
    )


def test_a_credit_note_larger_than_the_invoice_is_refused(client_for):
    # given an invoice with 1000.00 open
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()

    # when 1000.01 is credited on it
    response = client.post(LIST, _body(invoice, amount="1000.01"), format="json")

    # then it is a 400 on the amount and nothing was written
    body = assert_error(response, 400, "credit_note_exceeds_invoice", field="amount")
    assert "1000.00" in body["message"]
    _assert_nothing_written(invoice)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"amount": 12.5}, "amount", "invalid"),
        ({"amount": "-1"}, "amount", "amount_not_positive"),
        ({"amount": "1.001"}, "amount", "invalid"),
        ({"reason": ""}, "reason", "invalid"),
        ({"number": ""}, "number", "invalid"),
        ({"currency": "XXX"}, "currency", "invalid"),
        ({"issue_date": "yesterday"}, "issue_date", "invalid"),
        ({"invoice": "INV-1"}, "invoice", "invalid"),
        ({"customer": 10**30}, "customer", "invalid"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(client_for, fields, field, code):
    # given an open invoice
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()

    # when the credit note is malformed
    response = client.post(LIST, _body(invoice, **fields), format="json")

    # then it is a field error and nothing was written
    assert_error(response, 400, code, field=field)
    _assert_nothing_written(invoice)


def test_an_invoice_of_another_customer_is_refused(client_for):
    # given an invoice and another customer
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()
    other = CustomerFactory()

    # when the other customer's credit note names the invoice
    response = client.post(LIST, _body(invoice, customer=other.pk), format="json")

    # then it is refused and nothing was written
    assert_error(response, 400, "credit_note_customer_mismatch", field="invoice")
    _assert_nothing_written(invoice)


def test_a_duplicate_number_is_a_conflict(client_for):
    # given a credit note CN-1
    client, _ = client_for(roles.FINANCE_ADMIN)
    CreditNoteFactory(number="CN-1")
    invoice = InvoiceFactory()

    # when another CN-1 is issued
    response = client.post(LIST, _body(invoice), format="json")

    # then it is a 409 and the invoice is untouched
    assert_error(response, 409, "duplicate_credit_note_number")
    assert CreditNote.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("1000.00")


def test_sales_rep_sees_only_credit_notes_of_own_customers(client_for):
    # given a credit note of the rep's customer and one of another rep's
    client, rep = client_for(roles.SALES_REP)
    own = CreditNoteFactory(customer=CustomerFactory(sales_rep=rep))
    other = CreditNoteFactory(
        customer=CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))
    )

    # when the rep lists and reads
    listed = client.get(LIST)
    read_own = client.get(reverse("credit-note-detail", args=[own.pk]))
    read_other = client.get(reverse("credit-note-detail", args=[other.pk]))

    # then only the own credit note is visible
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert read_own.json()["amount"] == "50.00"
    assert_error(read_other, 404, "not_found")


def test_list_filters_and_orders(client_for):
    # given credit notes of two customers, one on an invoice
    client, _ = client_for(roles.CREDIT_MANAGER)
    invoice = InvoiceFactory()
    on_invoice = CreditNoteFactory(
        customer=invoice.customer, invoice=invoice, amount=Decimal("30.00")
    )
    on_account = CreditNoteFactory(customer=invoice.customer, issue_date=datetime.date(2026, 11, 5))
    other = CreditNoteFactory(currency="EUR", issue_date=datetime.date(2026, 9, 1))

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    # then the filters select and the ordering sorts
    assert ids(f"customer={invoice.customer_id}&ordering=amount") == [on_invoice.pk, on_account.pk]
    assert ids(f"invoice={invoice.pk}") == [on_invoice.pk]
    assert ids("currency=EUR") == [other.pk]
    assert ids("issue_date_from=2026-10-01&issue_date_to=2026-10-31") == [on_invoice.pk]
    assert ids(f"search={on_account.number}") == [on_account.pk]


@pytest.mark.parametrize("query", ["customer=abc", "currency=XXX", "issue_date_from=soon"])
def test_list_refuses_bad_query_parameters(client_for, query):
    # given a reader
    client, _ = client_for(roles.CREDIT_MANAGER)

    # when the list is asked with a bad filter
    response = client.get(f"{LIST}?{query}")

    # then it is a 400, not an empty list
    assert_error(response, 400, "invalid")


@pytest.mark.parametrize("rows", [3, 12])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given credit notes of several customers
    CreditNoteFactory.create_batch(rows)
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back
    assert response.json()["count"] == rows


def test_a_retried_credit_note_is_a_409_naming_the_existing_one(client_for):
    # given a credit note issued from the ERP
    client, _ = client_for(roles.INTEGRATOR)
    invoice = InvoiceFactory(customer=CustomerFactory(currency="EUR"))
    first = client.post(LIST, _body(invoice, number="CN-A", external_id="ERP-CN-9"), format="json")
    assert first.status_code == 201, first.content

    # when the ERP retries it (a new number, the same external id)
    retry = client.post(LIST, _body(invoice, number="CN-B", external_id="ERP-CN-9"), format="json")

    # then it is refused with the id of the one that exists, and nothing more is credited
    assert_error(retry, 409, "duplicate_external_id", field="external_id")
    assert retry.json()["extra"]["existing_id"] == first.json()["id"]
    assert CreditNote.objects.count() == 1
