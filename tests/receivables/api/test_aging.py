import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import Invoice
from receivables.services import allocation_create
from receivables.services.balances import customer_balances_refresh
from tests.crm.api.support import assert_error
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

URL = reverse("aging-list")
KEYS = ["current", "d1_30", "d31_60", "d61_90", "d91_120", "d121_plus"]


def _invoice(customer, total: str, days_past_due: int) -> Invoice:
    due = timezone.localdate() - datetime.timedelta(days=days_past_due)
    return InvoiceFactory(
        customer=customer,
        total=Decimal(total),
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
    )


@pytest.fixture
def ledger():
    """Two USD customers (one a rep's) and one EUR customer, across the buckets."""
    rep = UserFactory(roles=[roles.SALES_REP], username="rep1")
    acme = CustomerFactory(code="ACME", name="Acme", sales_rep=rep, region="europe")
    bolt = CustomerFactory(code="BOLT", name="Bolt", region="north_america")
    euro = CustomerFactory(code="EURO", name="Euro", currency="EUR", region="europe")
    _invoice(acme, "100.10", -5)  # current
    _invoice(acme, "200.20", 10)  # 1–30
    partly_paid = _invoice(bolt, "300.30", 45)  # 31–60, 100.00 paid
    payment = PaymentFactory(customer=bolt, amount=Decimal("100.00"))
    allocation_create(payment=payment, invoice=partly_paid, amount=Decimal("100.00"))
    _invoice(bolt, "400.40", 200)  # 121+
    _invoice(euro, "50.05", 95)  # 91–120
    return rep


def _money(amounts: dict[str, str]) -> dict[str, str]:
    return {key: amounts.get(key, "0.00") for key in KEYS}


def test_unauthenticated_is_refused(api_client):
    # when nobody logged in asks for the report
    response = api_client.get(URL)

    # then it is refused
    assert_error(response, 401, "not_authenticated")


def test_a_user_without_a_role_is_refused(client_for):
    # given a user without a role
    client, _ = client_for()

    # when they ask for the report
    response = client.get(URL)

    # then it is refused, naming the permission
    body = assert_error(response, 403, "permission_denied")
    assert "receivables.view_invoice" in body["message"]


def test_portfolio_totals_per_currency(client_for, ledger):
    # given a credit manager
    client, _ = client_for(roles.CREDIT_MANAGER)

    # when the portfolio is aged today
    response = client.get(URL)

    # then each currency has its own row and totals, to the cent
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["as_of"] == str(timezone.localdate())
    assert body["group_by"] == "portfolio"
    assert [bucket["key"] for bucket in body["buckets"]] == KEYS
    assert body["buckets"][1]["label"] == "1–30"
    usd = {
        "currency": "USD",
        "buckets": _money(
            {"current": "100.10", "d1_30": "200.20", "d31_60": "200.30", "d121_plus": "400.40"}
        ),
        "overdue": "800.90",
        "total": "901.00",
    }
    eur = {
        "currency": "EUR",
        "buckets": _money({"d91_120": "50.05"}),
        "overdue": "50.05",
        "total": "50.05",
    }
    assert body["totals"] == [eur, usd]
    assert body["count"] == 2
    assert body["rows"] == [{"group": {}, **usd}, {"group": {}, **eur}]
    assert (body["next"], body["previous"]) == (None, None)


def test_group_by_customer_pages_through_the_rows(client_for, ledger):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the customers are aged one row per page
    first = client.get(URL, {"group_by": "customer", "page_size": 1})
    second = client.get(first.json()["next"])
    third = client.get(second.json()["next"])

    # then the largest overdue comes first, each page names its customer, totals are complete
    pages = [first.json(), second.json(), third.json()]
    assert [page["count"] for page in pages] == [3, 3, 3]
    assert [page["rows"][0]["group"]["customer_code"] for page in pages] == ["BOLT", "ACME", "EURO"]
    assert pages[0]["rows"][0]["group"] == {
        "customer_id": pages[0]["rows"][0]["group"]["customer_id"],
        "customer_code": "BOLT",
        "customer_name": "Bolt",
    }
    assert pages[0]["rows"][0]["overdue"] == "600.70"
    assert pages[2]["next"] is None
    assert "page=2" in pages[2]["previous"]
    assert all(len(page["totals"]) == 2 for page in pages)


@pytest.mark.parametrize(
    ("group_by", "group"),
    [
        ("sales_rep", {"sales_rep_id": None, "sales_rep_username": None}),
        ("region", {"region": "north_america"}),
        ("tier", {"tier": "normal"}),
        ("currency", {}),
    ],
)
def test_other_groupings_name_their_group(client_for, ledger, group_by, group):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the report is grouped
    response = client.get(URL, {"group_by": group_by, "currency": "USD"})

    # then the largest USD overdue group comes first with its fields
    assert response.status_code == 200, response.content
    first = response.json()["rows"][0]
    assert first["group"] == group
    assert first["currency"] == "USD"


def test_a_past_as_of_date_ages_the_open_amounts_of_then(client_for, ledger):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    as_of = timezone.localdate() - datetime.timedelta(days=20)

    # when the USD portfolio is aged 20 days ago
    response = client.get(URL, {"as_of": str(as_of), "currency": "USD"})

    # then the days past due are counted on that date and today's payment is not in it
    body = response.json()
    assert body["as_of"] == str(as_of)
    assert body["rows"][0]["buckets"] == _money(
        {"current": "300.30", "d1_30": "300.30", "d121_plus": "400.40"}
    )
    assert body["rows"][0]["total"] == "1001.00"


def test_a_sales_rep_ages_only_their_customers(client_for, ledger):
    # given the rep of Acme
    client = client_for()[0]
    client.force_authenticate(user=ledger)

    # when they ask for the portfolio
    body = client.get(URL).json()

    # then only Acme's invoices are in it
    assert [(row["currency"], row["total"]) for row in body["rows"]] == [("USD", "300.30")]
    assert [total["total"] for total in body["totals"]] == ["300.30"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"as_of": "2026-02-30"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"group_by": "planet"}, "group_by"),
        ({"currency": "XXX"}, "currency"),
        ({"page": "0"}, "page"),
        ({"page_size": "501"}, "page_size"),
        ({"page": "abc"}, "page"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(client_for, query, field):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when a parameter is wrong
    response = client.get(URL, query)

    # then it says which
    assert_error(response, 400, "invalid", field=field)


def test_a_page_past_the_end_is_not_found(client_for, ledger):
    # given a clerk and three customer rows
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when page 2 of 3-row pages is asked for
    response = client.get(URL, {"group_by": "customer", "page_size": 3, "page": 2})

    # then it is a 404 that says how many rows there are
    body = assert_error(response, 404, "not_found")
    assert "3 rows" in body["message"]


def test_csv_when_the_client_accepts_it(client_for, ledger):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the customer rows are asked for as CSV
    response = client.get(URL, {"group_by": "customer"}, HTTP_ACCEPT="text/csv")

    # then every row is in the file with exact amounts
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["customer_id", "customer_code", "customer_name", "currency"]
    assert [row[1] for row in rows[1:]] == ["BOLT", "ACME", "EURO"]
    assert rows[1][-2:] == ["600.70", "600.70"]


def test_errors_are_json_even_when_csv_is_asked_for(client_for):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when a bad parameter is sent with Accept: text/csv
    response = client.get(URL, {"group_by": "planet"}, HTTP_ACCEPT="text/csv")

    # then the error is the JSON error body
    assert response["Content-Type"] == "application/json"
    assert_error(response, 400, "invalid", field="group_by")


@pytest.mark.parametrize("customers", [2, 8])
@pytest.mark.parametrize("from_balances", [False, True], ids=["invoices", "balances"])
def test_query_count_does_not_grow_with_rows(
    client_for, django_assert_num_queries, customers, from_balances
):
    # given invoices of several customers, with or without today's balances rebuilt
    for _ in range(customers):
        _invoice(CustomerFactory(), "10.00", 40)
    if from_balances:
        customer_balances_refresh()
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the report is read: permissions and roles (1), balances fresh? (1),
    # totals (1), count (1), rows (1)
    with django_assert_num_queries(5):
        response = client.get(URL, {"group_by": "customer"})

    # then every customer has a row
    assert response.json()["count"] == customers


def test_portfolio_rows_are_paged_too(client_for, ledger):
    # given a clerk and two currencies
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the portfolio is read one row per page
    first = client.get(URL, {"page_size": 1}).json()
    second = client.get(URL, {"page_size": 1, "page": 2}).json()
    third = client.get(URL, {"page_size": 1, "page": 3})

    # then each page has one currency, and there is no third page
    assert [row["currency"] for row in first["rows"] + second["rows"]] == ["USD", "EUR"]
    assert (first["count"], first["next"] is not None, second["next"]) == (2, True, None)
    assert_error(third, 404, "not_found")


def test_todays_balances_give_the_same_report(client_for, ledger):
    # given a clerk and the report from the invoices
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    from_invoices = client.get(URL, {"group_by": "customer"}).json()

    # when today's balances are rebuilt and the report is read again
    customer_balances_refresh()
    from_balances = client.get(URL, {"group_by": "customer"}).json()

    # then nothing differs
    assert from_balances == from_invoices
    assert [row["group"]["customer_code"] for row in from_balances["rows"]] == [
        "BOLT",
        "ACME",
        "EURO",
    ]
