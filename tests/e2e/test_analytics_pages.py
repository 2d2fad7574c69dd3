"""The analytics pages in a real browser: a sales rep opens My customers, reads the
tier badges and how each CLV was computed, and downloads the CSV; finance opens the
dashboard and reads the KPIs and the charts."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics.kpis.services import kpi_snapshot_take
from analytics.models import ClvMethod, RunStatus
from crm import roles
from customers.models import Tier
from receivables.services import invoice_create
from tests.analytics.pages_helpers import loss_maker, metrics_for, pipeline_run
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "correct horse battery staple"  # UserFactory's default


def log_in(page, username: str, start: str) -> None:
    page.goto(start)  # an anonymous visitor is sent to the login page, then back
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


@pytest.fixture
def book():
    today = timezone.localdate()
    rep = UserFactory(username="sam", roles=[roles.SALES_REP])
    harbour = CustomerFactory(name="Harbour Logistics GmbH", sales_rep=rep, tier=Tier.VIP)
    CreditProfileFactory(customer=harbour, credit_limit=Decimal("5000.00"))
    invoice_create(
        customer=harbour, number="H1", issue_date=today - timedelta(days=50),
        due_date=today - timedelta(days=20), total="1200.00",
    )  # fmt: skip
    metrics_for(harbour, clv=Decimal("8800.00"), clv_method=ClvMethod.BGNBD_GG)
    quiet = CustomerFactory(name="Quiet Mill Ltd", sales_rep=rep, tier=Tier.HIGH_RISK)
    metrics_for(quiet, clv=Decimal("90.00"), clv_method=ClvMethod.HISTORIC, is_churn_warning=True)
    CustomerFactory(name="Pacific Traders Ltd", tier=Tier.NORMAL)
    return rep


def test_sales_rep_reads_my_customers_and_downloads_the_csv(page, book):
    # when
    log_in(page, "sam", "/analytics/my-customers/")

    # then: own customers only, tier badges, the CLV method in words, available credit
    table = page.locator("table")
    expect(table).to_contain_text("Harbour Logistics GmbH")
    expect(table).to_contain_text("Quiet Mill Ltd")
    expect(table).not_to_contain_text("Pacific Traders Ltd")
    expect(page.locator(".tier-vip")).to_have_text("VIP")
    expect(page.locator(".tier-high_risk")).to_have_text("High risk")
    expect(table).to_contain_text("Model fit (BG/NBD + Gamma-Gamma)")
    expect(table).to_contain_text("Historic (too little data for a model fit)")
    expect(table).to_contain_text("3,800.00")  # 5,000 limit - 1,200 open
    # when: filtering to the churn warnings from the keyboard
    page.get_by_label("Only churn warnings").check()
    page.get_by_role("button", name="Show").press("Enter")
    expect(table).to_contain_text("Quiet Mill Ltd")
    expect(table).not_to_contain_text("Harbour Logistics GmbH")
    # when: downloading the table
    page.get_by_label("Only churn warnings").uncheck()
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV my customers").click()
    # then
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["customer_name"] for row in rows) == [
        "Harbour Logistics GmbH",
        "Quiet Mill Ltd",
    ]
    harbour = next(row for row in rows if row["customer_name"] == "Harbour Logistics GmbH")
    assert (harbour["overdue"], harbour["available_credit"], harbour["clv_method"]) == (
        "1200.00",
        "3800.00",
        "bgnbd_gg",
    )


def test_finance_reads_the_dashboard(page, book):
    # given a day of KPIs, a loss maker and a pipeline run in progress
    UserFactory(username="fiona", roles=[roles.FINANCE_ADMIN])
    loss_maker(CustomerFactory(name="Costly Co"), "-321.00")
    kpi_snapshot_take(as_of=timezone.localdate() - timedelta(days=1))
    run = pipeline_run(status=RunStatus.RUNNING, done=1, total=4)

    # when
    log_in(page, "fiona", "/analytics/")

    # then: KPIs, the charts (labelled images), loss makers, churn warnings, progress
    expect(page.get_by_role("heading", name="Finance dashboard")).to_be_visible()
    expect(page.locator(".kpis")).to_contain_text("Ending AR")
    expect(page.locator(".kpis")).to_contain_text("1,200.00")
    expect(page.get_by_role("img", name="Days sales outstanding, daily")).to_be_visible()
    expect(
        page.get_by_role("img", name="Collection effectiveness index (%), daily")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Open receivables by days past due, USD")).to_be_visible()
    expect(page.get_by_role("img", name="Customers per tier")).to_be_visible()
    expect(page.locator("#loss-title + table")).to_contain_text("Costly Co")
    expect(page.locator("#churn-title + table")).to_contain_text("Quiet Mill Ltd")
    progress = page.locator("#pipeline-progress")
    expect(progress).to_have_attribute("value", "25")
    # when the run moves on, the bar follows without a reload of the whole page by hand
    run.chunks_done = 3
    run.customers_done = 3000
    run.save(update_fields=["chunks_done", "customers_done"])
    expect(progress).to_have_attribute("value", "75", timeout=10_000)
