"""The aging page in a real browser: a collections clerk filters by region,
reads the chart and the totals, and downloads the CSV; a sales rep sees only
their own customers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "correct horse battery staple"  # UserFactory's default


def log_in(page, username: str) -> None:
    """Log in through the site's login form (clerks and reps are not staff)."""
    page.goto("/receivables/aging/")  # sends an anonymous visitor to the login page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _overdue_invoice(customer, days: int, total: str) -> None:
    due = timezone.localdate() - datetime.timedelta(days=days)
    InvoiceFactory(
        customer=customer,
        total=Decimal(total),
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
    )


@pytest.fixture
def portfolio():
    rep = UserFactory(username="sam", roles=[roles.SALES_REP])
    _overdue_invoice(
        CustomerFactory(name="Harbour Logistics GmbH", region="europe", sales_rep=rep),
        45,
        "1200.00",
    )
    _overdue_invoice(
        CustomerFactory(name="Pacific Traders Ltd", region="asia_pacific"), 95, "800.50"
    )
    UserFactory(username="clara", roles=[roles.COLLECTIONS_CLERK])
    return rep


def test_clerk_filters_the_aging_by_region_and_downloads_it(page, portfolio):
    # given
    # when: logging in from the aging page's address lands back on it
    log_in(page, "clara")
    # then: both customers, the totals to the cent, and a chart labelled for screen readers
    table = page.locator("table")
    expect(table).to_contain_text("Harbour Logistics GmbH")
    expect(table).to_contain_text("Pacific Traders Ltd")
    expect(page.locator("tfoot")).to_contain_text("2,000.50")
    expect(page.get_by_role("img", name="Open receivables by days past due, USD")).to_be_visible()
    # when: grouping by region from the keyboard
    page.get_by_label("Group by").select_option("region")
    page.get_by_role("button", name="Show").press("Enter")
    # then
    expect(table).to_contain_text("Europe")
    expect(table).to_contain_text("Asia Pacific")
    expect(table).not_to_contain_text("Harbour Logistics GmbH")
    # when
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    # then
    content = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    assert "region,currency" in content
    assert "1200.00" in content


def test_sales_rep_ages_only_own_customers(page, portfolio):
    log_in(page, "sam")
    table = page.locator("table")
    expect(table).to_contain_text("Harbour Logistics GmbH")
    expect(table).not_to_contain_text("Pacific Traders Ltd")
