from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from analytics.kpis.customers import my_customer_list
from analytics.models import ClvMethod
from credit.selectors import customer_exposure
from crm import roles
from customers.models import Tier
from receivables.services import invoice_create
from tests.analytics.pages_helpers import loss_maker, metrics_for
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/analytics/my-customers/"


@pytest.fixture
def book():
    """A rep with two customers (one overdue, one churning) and someone else's customer."""
    today = timezone.localdate()
    rep = UserFactory(username="rita", roles=[roles.SALES_REP])
    overdue = CustomerFactory(name="Overdue Oy", sales_rep=rep, tier=Tier.HIGH_RISK)
    CreditProfileFactory(customer=overdue, credit_limit=Decimal("1000.00"))
    invoice_create(
        customer=overdue, number="O1", issue_date=today - timedelta(days=60),
        due_date=today - timedelta(days=30), total="400.00",
    )  # fmt: skip
    invoice_create(
        customer=overdue, number="O2", issue_date=today - timedelta(days=5),
        due_date=today + timedelta(days=25), total="250.50",
    )  # fmt: skip
    metrics_for(overdue, clv=Decimal("5400.00"), clv_method=ClvMethod.BGNBD_GG)
    churning = CustomerFactory(name="Churning AB", sales_rep=rep, tier=Tier.VIP)
    CreditProfileFactory(customer=churning, credit_limit=Decimal("20000.00"))
    metrics_for(
        churning, clv=Decimal("120.00"), is_churn_warning=True, churn_reason="P(alive) 0.12"
    )
    foreign = CustomerFactory(name="Foreign GmbH", sales_rep=UserFactory(roles=[roles.SALES_REP]))
    loss_maker(foreign, "-50.00", is_churn_warning=True)
    return rep


def test_a_sales_rep_sees_only_their_customers_with_badges_credit_and_clv_method(client, book):
    # given
    client.force_login(book)

    # when
    response = client.get(URL)

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "Overdue Oy" in content
    assert "Churning AB" in content
    assert "Foreign GmbH" not in content
    assert '<span class="tier tier-high_risk">High risk</span>' in content
    assert '<span class="tier tier-vip">VIP</span>' in content
    assert "Model fit (BG/NBD + Gamma-Gamma)" in content
    assert "Historic (too little data for a model fit)" in content
    assert "400.00 USD" in content  # overdue
    assert "349.50" in content  # available credit: 1,000 - 650.50


def test_available_credit_is_the_limit_minus_credits_exposure(book):
    # when
    customer = my_customer_list(user=book, as_of=timezone.localdate()).get(name="Overdue Oy")

    # then it agrees with credit's own exposure read
    assert customer.exposure == customer_exposure(customer=customer) == Decimal("650.50")
    assert customer.available_credit == Decimal("349.50")
    assert customer.overdue_amount == Decimal("400.00")


def test_a_manager_sees_every_customer(client, book):
    client.force_login(UserFactory(roles=[roles.CREDIT_MANAGER]))
    content = client.get(URL).content.decode()
    assert "Foreign GmbH" in content
    assert "(rita)" in content  # whose customer it is


def test_filter_by_tier_churn_and_search_and_sort_by_clv(client, book):
    client.force_login(book)
    vip = client.get(URL, {"tier": "vip"}).content.decode()
    assert "Churning AB" in vip
    assert "Overdue Oy" not in vip
    churn = client.get(URL, {"churn": "on"}).content.decode()
    assert "Churning AB" in churn
    assert "Overdue Oy" not in churn
    assert "Overdue Oy" in client.get(URL, {"q": "overdue"}).content.decode()
    by_clv = client.get(URL, {"sort": "clv"}).content.decode()
    assert by_clv.index("Overdue Oy") < by_clv.index("Churning AB")


def test_an_unknown_sort_is_a_400_that_names_the_choices(client, book):
    client.force_login(book)
    response = client.get(URL, {"sort": "shoe_size"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_roles_without_metrics_are_refused(client):
    client.force_login(UserFactory(roles=[roles.INTEGRATOR]))
    assert client.get(URL).status_code == 403
    assert client.get("/analytics/export/my-customers/").status_code == 403


def test_csv_export_of_my_customers_streams_only_own_rows_with_exact_amounts(client, book):
    # given
    client.force_login(book)

    # when
    response = client.get("/analytics/export/my-customers/", {"format": "csv", "sort": "name"})

    # then
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["customer_name"] for row in rows] == ["Churning AB", "Overdue Oy"]
    overdue = rows[1]
    assert (overdue["overdue"], overdue["available_credit"], overdue["clv"]) == (
        "400.00",
        "349.50",
        "5400.00",
    )
    assert overdue["clv_method"] == "bgnbd_gg"
    assert overdue["tier"] == "high_risk"


def test_xlsx_export_keeps_numbers(client, book):
    client.force_login(book)
    response = client.get(
        "/analytics/export/my-customers/", {"format": "xlsx", "tier": "high_risk"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, row = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert Decimal(str(row[header.index("available_credit")])) == Decimal("349.50")


def test_churn_warning_page_and_export_for_a_sales_rep(client, book):
    client.force_login(book)
    page = client.get("/analytics/churn-warnings/").content.decode()
    assert "Churning AB" in page
    assert "P(alive) 0.12" in page
    assert "Foreign GmbH" not in page
    text = b"".join(
        client.get("/analytics/export/churn-warnings/", {"format": "csv"}).streaming_content
    ).decode()
    assert "Churning AB" in text
    assert "Foreign GmbH" not in text


def test_loss_maker_export_lists_the_components(client, book):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    text = b"".join(
        client.get("/analytics/export/loss-makers/", {"format": "csv"}).streaming_content
    ).decode()
    (row,) = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert row["customer_name"] == "Foreign GmbH"
    assert (row["revenue_net"], row["cost_of_goods"], row["cost_to_serve"]) == (
        "1000.00",
        "700.00",
        "250.00",
    )
    assert (row["financing_cost"], row["write_offs"], row["contribution"]) == (
        "100.00",
        "0.00",
        "-50.00",
    )


def test_exports_refuse_unknown_tables_formats_and_roles(client, book):
    client.force_login(book)
    assert client.get("/analytics/export/salaries/").status_code == 404
    assert client.get("/analytics/export/my-customers/", {"format": "pdf"}).status_code == 404
    assert client.get("/analytics/export/kpis/", {"format": "csv"}).status_code == 403


def test_exposure_counts_what_the_credit_check_counts_other_currencies_and_orders(book):
    # given a USD customer with a 10,000 limit, 1,000 USD and 4,000 JPY open, and a
    # 3,000 USD open order reported by the ERP
    from credit.selectors import credit_position_get
    from tests.factories.credit import OpenOrderFactory

    today = timezone.localdate()
    customer = CustomerFactory(currency="USD", sales_rep=book)
    CreditProfileFactory(customer=customer, credit_limit=Decimal("10000.00"))
    invoice_create(customer=customer, number="U1", issue_date=today, total="1000.00")
    invoice_create(customer=customer, number="J1", issue_date=today, total="4000", currency="JPY")
    OpenOrderFactory(customer=customer, amount=Decimal("3000.00"), currency="USD")
    # when the rep's page reads it
    row = my_customer_list(user=book, as_of=today).get(pk=customer.pk)
    # then exposure and available credit are the credit check's (the JPY is not USD)
    position = credit_position_get(customer_id=customer.pk)
    assert (row.exposure, row.available_credit) == (Decimal("4000.00"), Decimal("6000.00"))
    assert (row.exposure, row.available_credit) == (position.exposure, position.available_credit)


@pytest.mark.parametrize("path", [URL, "/analytics/kpis/", "/analytics/churn-warnings/"])
def test_a_page_number_beyond_the_last_possible_one_is_not_a_500(client, book, path):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    response = client.get(path, {"page": "99999999999999999999"})
    assert response.status_code in (200, 400)


def test_the_csv_export_escapes_a_customer_name_that_is_a_formula(client, book):
    # given a customer of the rep whose name came in as a formula
    CustomerFactory(name="=1+1", sales_rep=book)
    client.force_login(book)
    # when
    response = client.get("/analytics/export/my-customers/", {"format": "csv"})
    # then
    body = b"".join(response.streaming_content).decode()
    assert "'=1+1" in body
