import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

URL = "/receivables/aging/"


@pytest.fixture
def portfolio():
    today = timezone.localdate()
    rep = UserFactory(roles=[roles.SALES_REP])
    mine = CustomerFactory(name="Mine GmbH", sales_rep=rep)
    other = CustomerFactory(name="Other SA")
    InvoiceFactory(customer=mine, total=Decimal("120.50"), issue_date=today - datetime.timedelta(days=80),
                   due_date=today - datetime.timedelta(days=50))  # fmt: skip
    InvoiceFactory(customer=other, total=Decimal("999.99"), issue_date=today - datetime.timedelta(days=10),
                   due_date=today + datetime.timedelta(days=20))  # fmt: skip
    return rep


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_a_clerk_sees_every_customer_with_totals_and_a_chart(client, portfolio):
    client.force_login(UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    response = client.get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mine GmbH" in content
    assert "Other SA" in content
    assert "<svg" in content
    assert "1,120.49" in content  # total of both, to the cent


def test_a_sales_rep_sees_only_their_customers(client, portfolio):
    client.force_login(portfolio)
    content = client.get(URL).content.decode()
    assert "Mine GmbH" in content
    assert "Other SA" not in content


def test_a_bad_date_is_a_400_that_says_so(client, portfolio):
    client.force_login(UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    response = client.get(URL, {"as_of": "2026-02-31"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_csv_and_xlsx_exports_carry_exact_amounts(client, portfolio):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    csv = client.get(URL, {"group_by": "customer", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert "120.50" in text
    assert "999.99" in text
    xlsx = client.get(URL, {"group_by": "region", "format": "xlsx"})
    sheet = openpyxl.load_workbook(filename=__import__("io").BytesIO(xlsx.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert Decimal(str(values[-1])) == Decimal("1120.49")


@pytest.mark.parametrize("as_of", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
@pytest.mark.parametrize("file_format", [None, "csv"])
def test_an_as_of_date_out_of_range_is_a_400_that_names_the_range(
    client, portfolio, as_of, file_format
):
    # given a clerk
    client.force_login(UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    query = {"as_of": as_of} if file_format is None else {"as_of": as_of, "format": file_format}

    # when the page (or its export) is asked for as of a date out of range
    response = client.get(URL, query)

    # then the page says what is wrong and which dates work, with no report
    assert response.status_code == 400
    content = response.content.decode()
    assert "As of:" in content
    assert "out of range" in content
    assert "from 1900-01-01 to 2199-12-31" in content
    assert response.context["report"] is None


@pytest.mark.parametrize("as_of", ["1900-01-01", "2199-12-31"])
def test_an_as_of_date_on_the_edges_of_the_range_is_answered(client, portfolio, as_of):
    # given a clerk
    client.force_login(UserFactory(roles=[roles.COLLECTIONS_CLERK]))

    # when the page is asked for as of the first or the last day of the range
    response = client.get(URL, {"as_of": as_of})

    # then it is answered
    assert response.status_code == 200
    assert response.context["as_of"] == datetime.date.fromisoformat(as_of)
