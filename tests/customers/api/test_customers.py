from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from customers.models import Customer
from tests.crm.api.support import assert_error
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("customer-list")


def _detail(customer: Customer) -> str:
    return reverse("customer-detail", args=[customer.pk])


def _new_customer(**overrides):
    return {
        "code": "ACME", "name": "Acme Ltd.", "industry": "retail", "region": "europe",
        "sales_channel": "direct", "currency": "EUR", **overrides,
    }  # fmt: skip


def test_unauthenticated_is_refused(api_client):
    # given a customer
    customer = CustomerFactory()

    # when nobody logged in reads or writes
    responses = [
        api_client.get(LIST),
        api_client.get(_detail(customer)),
        api_client.post(LIST, _new_customer(), format="json"),
        api_client.patch(_detail(customer), {"name": "X"}, format="json"),
    ]

    # then every request is refused and nothing changed
    for response in responses:
        assert_error(response, 401, "not_authenticated")
    assert Customer.objects.count() == 1


def test_a_wrong_role_cannot_create_or_change(client_for):
    # given a credit manager (reads only) and a customer
    client, _ = client_for(roles.CREDIT_MANAGER)
    customer = CustomerFactory(name="Old")

    # when they create and change
    created = client.post(LIST, _new_customer(), format="json")
    changed = client.patch(_detail(customer), {"name": "New"}, format="json")

    # then both are refused with the permission named, and nothing was written
    assert_error(created, 403, "permission_denied")
    assert "customers.add_customer" in created.json()["message"]
    assert_error(changed, 403, "permission_denied")
    assert Customer.objects.count() == 1
    customer.refresh_from_db()
    assert customer.name == "Old"


def test_list_shows_balances_in_the_customer_currency(client_for):
    # given a customer with an overdue, a current, a paid and a foreign-currency invoice
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    today = timezone.localdate()
    issued = today - timedelta(days=200)
    customer = CustomerFactory(currency="EUR")
    InvoiceFactory(
        customer=customer,
        issue_date=issued,
        total=Decimal("100.10"),
        due_date=today - timedelta(days=1),
    )
    InvoiceFactory(customer=customer, issue_date=issued, total=Decimal("50.05"), due_date=today)
    InvoiceFactory(
        customer=customer,
        issue_date=issued,
        total=Decimal("70.00"),
        open_amount=Decimal("0.00"),
        amount_paid=Decimal("70.00"),
        status="paid",
        due_date=today - timedelta(days=90),
    )
    InvoiceFactory(
        customer=customer, issue_date=issued, currency="USD", due_date=today - timedelta(days=5)
    )
    other = CustomerFactory(currency="USD")

    # when the clerk lists customers
    response = client.get(LIST)

    # then each customer carries its balance as decimal strings
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert rows[customer.pk]["open_balance"] == "150.15"
    assert rows[customer.pk]["overdue_amount"] == "100.10"
    assert rows[customer.pk]["currency"] == "EUR"
    assert rows[customer.pk]["has_open_items_in_other_currencies"] is True
    assert rows[other.pk]["open_balance"] == "0.00"
    assert rows[other.pk]["overdue_amount"] == "0.00"
    assert rows[other.pk]["has_open_items_in_other_currencies"] is False


def test_retrieve_returns_one_customer(client_for):
    # given a customer
    client, _ = client_for(roles.CREDIT_MANAGER)
    customer = CustomerFactory(code="C-1", name="One Ltd.")

    # when it is read
    response = client.get(_detail(customer))

    # then its fields are returned
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "C-1"
    assert body["name"] == "One Ltd."
    assert body["open_balance"] == "0.00"


def test_sales_rep_sees_only_own_customers(client_for):
    # given a rep with one customer and another rep's customer
    client, rep = client_for(roles.SALES_REP)
    own = CustomerFactory(sales_rep=rep)
    other = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep lists and reads
    listed = client.get(LIST)
    own_detail = client.get(_detail(own))
    other_detail = client.get(_detail(other))

    # then only the own customer is visible; the other is a 404, not a 403
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert own_detail.status_code == 200
    assert_error(other_detail, 404, "not_found")


def test_create_makes_a_customer_with_a_sales_rep(client_for):
    # given an integrator and a sales rep
    client, _ = client_for(roles.INTEGRATOR)
    rep = UserFactory(roles=[roles.SALES_REP])

    # when the integrator creates a customer owned by the rep
    response = client.post(
        LIST,
        _new_customer(sales_rep=rep.pk, payment_terms_days=45, external_id="ERP-1"),
        format="json",
    )

    # then it is stored as sent and returned with an empty balance
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(code="ACME")
    assert customer.sales_rep == rep
    assert customer.payment_terms_days == 45
    assert customer.external_id == "ERP-1"
    body = response.json()
    assert body["id"] == customer.pk
    assert body["sales_rep"] == rep.pk
    assert body["open_balance"] == "0.00"


def test_create_stores_a_blank_external_id_as_none(client_for):
    # given a finance admin
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when two customers are created with a blank external id
    first = client.post(LIST, _new_customer(code="A", external_id=""), format="json")
    second = client.post(LIST, _new_customer(code="B", external_id=""), format="json")

    # then both exist, without an external id
    assert first.status_code == 201
    assert second.status_code == 201
    assert list(Customer.objects.values_list("external_id", flat=True)) == [None, None]


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"currency": "XXX"}, 400, "unknown_currency", "currency"),
        ({"currency": "EURO"}, 400, "invalid", "currency"),
        ({"code": "C" * 33}, 400, "invalid", "code"),
        ({"name": ""}, 400, "invalid", "name"),
        ({"region": "mars"}, 400, "invalid", "region"),
        ({"payment_terms_days": 366}, 400, "invalid", "payment_terms_days"),
        ({"payment_terms_days": 10**30}, 400, "invalid", "payment_terms_days"),
        ({"payment_terms_days": "thirty"}, 400, "invalid", "payment_terms_days"),
        ({"customer_since": "2026-02-30"}, 400, "invalid", "customer_since"),
        ({"sales_rep": 10**30}, 400, "invalid", "sales_rep"),
        ({"sales_rep": "abc"}, 400, "invalid", "sales_rep"),
        ({"sales_rep": True}, 400, "invalid", "sales_rep"),
        ({"name": "\x00"}, 400, "invalid", "name"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(client_for, overrides, status, code, field):
    # given a finance admin
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when the customer sent is invalid
    response = client.post(LIST, _new_customer(**overrides), format="json")

    # then it is refused with a field message and nothing is written
    assert_error(response, status, code, field=field)
    assert Customer.objects.count() == 0


def test_create_refuses_a_sales_rep_without_the_role(client_for):
    # given a user who is not a sales rep
    client, _ = client_for(roles.FINANCE_ADMIN)
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])

    # when a customer is created with them as rep
    response = client.post(LIST, _new_customer(sales_rep=clerk.pk), format="json")

    # then the service refuses it and nothing is written
    assert_error(response, 400, "not_a_sales_rep", field="sales_rep")
    assert Customer.objects.count() == 0


def test_create_refuses_a_duplicate_code(client_for):
    # given a customer with code ACME
    client, _ = client_for(roles.FINANCE_ADMIN)
    CustomerFactory(code="ACME")

    # when another is created with the same code
    response = client.post(LIST, _new_customer(), format="json")

    # then it is a conflict and nothing is written
    assert_error(response, 409, "duplicate_customer_code", field="code")
    assert Customer.objects.count() == 1


def test_partial_update_changes_only_the_fields_sent(client_for):
    # given a customer
    client, _ = client_for(roles.FINANCE_ADMIN)
    rep = UserFactory(roles=[roles.SALES_REP])
    customer = CustomerFactory(name="Old", region="europe")

    # when the name and the rep change
    response = client.patch(_detail(customer), {"name": "New", "sales_rep": rep.pk}, format="json")

    # then only they changed
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.name == "New"
    assert customer.sales_rep == rep
    assert customer.region == "europe"
    assert response.json()["name"] == "New"


def test_partial_update_can_clear_the_sales_rep(client_for):
    # given a customer with a rep
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep is cleared
    response = client.patch(_detail(customer), {"sales_rep": None}, format="json")

    # then the customer has none
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.sales_rep is None


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"currency": "XXX"}, "unknown_currency", "currency"),
        ({"payment_terms_days": -1}, "invalid", "payment_terms_days"),
        ({"name": "N" * 201}, "invalid", "name"),
        ({"status": "deleted"}, "invalid", "status"),
    ],
)
def test_partial_update_refuses_bad_input_and_changes_nothing(client_for, body, code, field):
    # given a customer
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory(name="Old", currency="USD", payment_terms_days=30)

    # when an invalid change is sent
    response = client.patch(_detail(customer), body, format="json")

    # then it is refused and the customer is unchanged
    assert_error(response, 400, code, field=field)
    customer.refresh_from_db()
    assert (customer.name, customer.currency, customer.payment_terms_days) == ("Old", "USD", 30)


def test_partial_update_of_an_unknown_customer_is_404(client_for):
    # given no customer with a huge id
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when it is changed, or read by a malformed id
    huge = client.patch("/api/v1/customers/99999999999999999999999/", {"name": "X"}, format="json")
    word = client.get("/api/v1/customers/abc/")

    # then both are 404
    assert_error(huge, 404, "not_found")
    assert_error(word, 404, "not_found")


@pytest.mark.parametrize(
    ("query", "expected_codes"),
    [
        ("status=inactive", ["B"]),
        ("region=asia_pacific", ["C"]),
        ("tier=vip", ["A"]),
        ("industry=healthcare", ["B"]),
        ("currency=EUR", ["A", "C"]),
        ("search=beta", ["B"]),
        ("search=TAX-C", ["C"]),
        ("search=alp", ["A"]),
        ("ordering=-name", ["C", "B", "A"]),
        ("ordering=name", ["A", "B", "C"]),
    ],
)
def test_list_filters_searches_and_orders(client_for, query, expected_codes):
    # given three different customers
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    CustomerFactory(code="A", name="Alpha", tax_id="TAX-A", tier="vip", currency="EUR")
    CustomerFactory(code="B", name="Beta", tax_id="TAX-B", status="inactive", industry="healthcare")
    CustomerFactory(code="C", name="Gamma", tax_id="TAX-C", region="asia_pacific", currency="EUR")

    # when the list is filtered
    response = client.get(f"{LIST}?{query}")

    # then exactly the matching customers come back, in order
    assert response.status_code == 200, response.content
    assert [row["code"] for row in response.json()["results"]] == expected_codes


def test_list_filters_by_sales_rep(client_for):
    # given customers of two reps
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    rep = UserFactory(roles=[roles.SALES_REP])
    mine = CustomerFactory(sales_rep=rep)
    CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when filtered by one rep
    response = client.get(f"{LIST}?sales_rep={rep.pk}")

    # then only that rep's customers come back
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_list_orders_by_open_balance(client_for):
    # given customers with different balances
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    small = CustomerFactory()
    big = CustomerFactory()
    InvoiceFactory(customer=small, total=Decimal("10.00"))
    InvoiceFactory(customer=big, total=Decimal("900.00"))

    # when ordered by balance, largest first
    response = client.get(f"{LIST}?ordering=-open_balance")

    # then the biggest debtor comes first
    assert [row["id"] for row in response.json()["results"]] == [big.pk, small.pk]


@pytest.mark.parametrize(
    "query",
    [
        "status=gone",
        "currency=XXX",
        "sales_rep=abc",
        "sales_rep=99999999999999999999999",
        "search=%00",
        "page=abc",
        "page=0",
        "page=999",
    ],
)
def test_list_refuses_bad_query_parameters_without_a_500(client_for, query):
    # given a customer
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    CustomerFactory()

    # when the list is asked with a bad parameter
    response = client.get(f"{LIST}?{query}")

    # then it is a clear client error
    assert response.status_code in (400, 404), response.content
    assert response.json()["message"]


@pytest.mark.parametrize(
    "query", ["sales_rep=999999", "ordering=nonsense", "page_size=x", "page_size=100000"]
)
def test_list_tolerates_odd_query_parameters(client_for, query):
    # given a customer
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    CustomerFactory()

    # when the list is asked with an odd but harmless parameter
    response = client.get(f"{LIST}?{query}")

    # then it answers normally
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("rows", [5, 20])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given customers with invoices
    for customer in CustomerFactory.create_batch(rows):
        InvoiceFactory(customer=customer, issue_date=date(2020, 1, 1), due_date=date(2020, 1, 31))
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back
    assert response.json()["count"] == rows
