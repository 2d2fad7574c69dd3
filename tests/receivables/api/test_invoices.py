from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import Invoice
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("invoice-list")


def _detail(invoice: Invoice) -> str:
    return reverse("invoice-detail", args=[invoice.pk])


def _new_invoice(customer, **overrides):
    return {
        "customer": customer.pk, "number": "INV-1", "issue_date": "2026-09-01",
        "due_date": "2026-10-01", "total": "1250.50", **overrides,
    }  # fmt: skip


def test_unauthenticated_is_refused(api_client):
    # given an invoice
    invoice = InvoiceFactory()

    # when nobody logged in reads or posts
    responses = [
        api_client.get(LIST),
        api_client.get(_detail(invoice)),
        api_client.post(LIST, _new_invoice(invoice.customer), format="json"),
    ]

    # then all are refused and nothing was written
    for response in responses:
        assert_error(response, 401, "not_authenticated")
    assert Invoice.objects.count() == 1


def test_a_wrong_role_cannot_post(client_for):
    # given a collections clerk (reads invoices only)
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()

    # when they post an invoice
    response = client.post(LIST, _new_invoice(customer), format="json")

    # then it is refused and nothing is written
    body = assert_error(response, 403, "permission_denied")
    assert "receivables.add_invoice" in body["message"]
    assert Invoice.objects.count() == 0


def test_create_posts_an_invoice_with_computed_amounts(client_for):
    # given an integrator and a EUR customer
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory(currency="EUR")

    # when an invoice is posted with amounts as a string and an integer
    response = client.post(
        LIST, _new_invoice(customer, total="1250.50", cost_of_goods=700), format="json"
    )

    # then it is stored in the customer's currency and returned with read-only amounts
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("1250.50")
    assert invoice.cost_of_goods == Decimal("700.00")
    assert invoice.currency == "EUR"
    body = response.json()
    assert body["id"] == invoice.pk
    assert body["total"] == "1250.50"
    assert body["open_amount"] == "1250.50"
    assert body["amount_paid"] == "0.00"
    assert body["status"] == "open"
    assert body["paid_date"] is None
    assert body["is_disputed"] is False


def test_create_ignores_amounts_the_ledger_maintains(client_for):
    # given an integrator
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()

    # when the maintained amounts are sent too
    response = client.post(
        LIST,
        _new_invoice(customer, amount_paid="1250.50", open_amount="0", status="paid"),
        format="json",
    )

    # then they are ignored: the invoice is open for its total
    assert response.status_code == 201
    invoice = Invoice.objects.get()
    assert (invoice.amount_paid, invoice.open_amount, invoice.status) == (
        Decimal("0.00"),
        Decimal("1250.50"),
        "open",
    )


def test_create_defaults_the_due_date_from_the_terms(client_for):
    # given a customer on 45 days
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory(payment_terms_days=45)

    # when an invoice is posted without a due date
    response = client.post(LIST, _new_invoice(customer, due_date=None), format="json")

    # then the due date is issue date + 45 days
    assert response.status_code == 201
    assert Invoice.objects.get().due_date == date(2026, 10, 16)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"currency": "XXX"}, "unknown_currency", "currency"),
        ({"currency": "EURO"}, "invalid", "currency"),
        ({"due_date": "2026-08-31"}, "due_before_issue", "due_date"),
        ({"total": "-5.00"}, "amount_not_positive", "total"),
        ({"total": "0"}, "amount_not_positive", "total"),
        ({"total": 12.5}, "invalid", "total"),
        ({"total": "12.345"}, "invalid", "total"),
        ({"total": "1e30"}, "invalid", "total"),
        ({"total": "9" * 40}, "invalid", "total"),
        ({"total": "NaN"}, "invalid", "total"),
        ({"total": "Infinity"}, "invalid", "total"),
        ({"total": "lots"}, "invalid", "total"),
        ({"total": True}, "invalid", "total"),
        ({"total": None}, "invalid", "total"),
        ({"cost_of_goods": "-1"}, "amount_not_positive", "cost_of_goods"),
        ({"number": "N" * 41}, "invalid", "number"),
        ({"number": "   "}, "invalid", "number"),
        ({"description": "d" * 256}, "invalid", "description"),
        ({"issue_date": "2026-13-01"}, "invalid", "issue_date"),
        ({"issue_date": "yesterday"}, "invalid", "issue_date"),
        ({"issue_date": 20260901}, "invalid", "issue_date"),
        ({"customer": "abc"}, "invalid", "customer"),
        ({"customer": 10**30}, "invalid", "customer"),
        ({"customer": [1]}, "invalid", "customer"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(client_for, overrides, code, field):
    # given an integrator and a customer
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()

    # when an invalid invoice is posted
    response = client.post(LIST, {**_new_invoice(customer), **overrides}, format="json")

    # then it is a 400 naming the field, and nothing is written
    assert_error(response, 400, code, field=field)
    assert Invoice.objects.count() == 0


def test_create_refuses_a_duplicate_number_with_409(client_for):
    # given an invoice INV-1
    client, _ = client_for(roles.INTEGRATOR)
    existing = InvoiceFactory(number="INV-1")

    # when another INV-1 is posted
    response = client.post(LIST, _new_invoice(existing.customer), format="json")

    # then it is a conflict pointing at the existing invoice, and nothing is written
    body = assert_error(response, 409, "duplicate_invoice_number", field="number")
    assert body["extra"]["existing_id"] == existing.pk
    assert Invoice.objects.count() == 1


def test_create_refuses_an_inactive_customer(client_for):
    # given an inactive customer
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory(status="inactive")

    # when an invoice is posted to it
    response = client.post(LIST, _new_invoice(customer), format="json")

    # then it is refused
    assert_error(response, 400, "customer_inactive", field="customer")
    assert Invoice.objects.count() == 0


def test_create_refuses_a_customer_the_user_cannot_see(client_for):
    # given a sales rep who may post invoices, and another rep's customer
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "add_invoice")
    other = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep posts an invoice to it
    response = client.post(LIST, _new_invoice(other), format="json")

    # then the customer is treated as unknown and nothing is written
    body = assert_error(response, 400, "invalid", field="customer")
    assert "that you can see" in body["message"]
    assert Invoice.objects.count() == 0


def test_create_with_malformed_json_is_400(client_for):
    # given an integrator
    client, _ = client_for(roles.INTEGRATOR)

    # when the body is not valid JSON
    response = client.post(LIST, '{"number": "INV-1",', content_type="application/json")

    # then it says so and nothing is written
    assert_error(response, 400, "malformed_request")
    assert Invoice.objects.count() == 0


def test_sales_rep_sees_only_invoices_of_own_customers(client_for):
    # given an invoice of the rep's customer and one of another rep's
    client, rep = client_for(roles.SALES_REP)
    own = InvoiceFactory(customer=CustomerFactory(sales_rep=rep))
    other = InvoiceFactory(customer=CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP])))

    # when the rep lists and reads
    listed = client.get(LIST)
    read_own = client.get(_detail(own))
    read_other = client.get(_detail(other))

    # then only the own one is visible
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert read_own.status_code == 200
    assert_error(read_other, 404, "not_found")


def test_retrieve_reports_days_past_due(client_for):
    # given an invoice due ten days ago and one not yet due
    client, _ = client_for(roles.CREDIT_MANAGER)
    today = timezone.localdate()
    late = InvoiceFactory(
        issue_date=today - timedelta(days=40), due_date=today - timedelta(days=10)
    )
    current = InvoiceFactory(issue_date=today, due_date=today + timedelta(days=30))

    # when both are read
    late_body = client.get(_detail(late)).json()
    current_body = client.get(_detail(current)).json()

    # then the days past due are counted as of today
    assert late_body["days_past_due"] == 10
    assert current_body["days_past_due"] == 0


def _invoices_for_filters():
    today = timezone.localdate()
    customer = CustomerFactory(currency="EUR")
    overdue = InvoiceFactory(
        customer=customer,
        number="A-OVERDUE",
        issue_date=today - timedelta(days=60),
        due_date=today - timedelta(days=30),
    )
    current = InvoiceFactory(
        customer=customer,
        number="B-CURRENT",
        issue_date=today - timedelta(days=5),
        due_date=today + timedelta(days=25),
        total=Decimal("300.00"),
    )
    paid = InvoiceFactory(
        customer=customer,
        number="C-PAID",
        issue_date=today - timedelta(days=90),
        due_date=today - timedelta(days=60),
        amount_paid=Decimal("1000.00"),
        open_amount=Decimal("0.00"),
        status="paid",
    )
    disputed = InvoiceFactory(
        number="D-DISPUTED",
        issue_date=today - timedelta(days=10),
        due_date=today - timedelta(days=1),
        is_disputed=True,
        currency="USD",
    )
    return customer, {"overdue": overdue, "current": current, "paid": paid, "disputed": disputed}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=paid", ["paid"]),
        ("currency=USD", ["disputed"]),
        ("is_disputed=true", ["disputed"]),
        ("is_open=true&ordering=number", ["overdue", "current", "disputed"]),
        ("is_open=false", ["paid"]),
        ("is_overdue=true&ordering=number", ["overdue", "disputed"]),
        ("is_overdue=false&ordering=number", ["current", "paid"]),
        ("ordering=-total&is_open=true&currency=EUR", ["overdue", "current"]),
        ("ordering=due_date", ["paid", "overdue", "disputed", "current"]),
        ("search=C-PAID", ["paid"]),
    ],
)
def test_list_filters_and_orders(client_for, query, expected):
    # given invoices in every state
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    _, invoices = _invoices_for_filters()

    # when the list is filtered
    response = client.get(f"{LIST}?{query}")

    # then exactly the matching invoices come back, in order
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [invoices[name].pk for name in expected]


def test_list_filters_by_customer_and_date_ranges(client_for):
    # given invoices of two customers
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer, invoices = _invoices_for_filters()
    today = timezone.localdate()
    frm = (today - timedelta(days=60)).isoformat()
    to = (today - timedelta(days=5)).isoformat()
    due_to = (today - timedelta(days=30)).isoformat()

    # when filtered by customer and ranges
    by_customer = client.get(f"{LIST}?customer={customer.pk}&ordering=number")
    by_issue = client.get(f"{LIST}?issue_date_from={frm}&issue_date_to={to}&ordering=number")
    by_due = client.get(f"{LIST}?due_date_to={due_to}&due_date_from={due_to}")

    # then the ranges are inclusive
    def ids(response):
        return [row["id"] for row in response.json()["results"]]

    assert ids(by_customer) == [invoices[n].pk for n in ("overdue", "current", "paid")]
    assert ids(by_issue) == [invoices[n].pk for n in ("overdue", "current", "disputed")]
    assert ids(by_due) == [invoices["overdue"].pk]


@pytest.mark.parametrize(
    "query",
    [
        "customer=abc",
        "customer=99999999999999999999999",
        "status=lost",
        "issue_date_from=2026-02-30",
        "due_date_to=soon",
        "page=abc",
    ],
)
def test_list_refuses_bad_query_parameters_without_a_500(client_for, query):
    # given an invoice
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    InvoiceFactory()

    # when the list is asked with a bad parameter
    response = client.get(f"{LIST}?{query}")

    # then it is a clear client error
    assert response.status_code in (400, 404), response.content
    assert response.json()["message"]


@pytest.mark.parametrize("rows", [5, 20])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given invoices of several customers
    InvoiceFactory.create_batch(rows)
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back
    assert response.json()["count"] == rows
