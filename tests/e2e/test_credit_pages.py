"""Credit pages in a real browser: a sales rep runs a credit check from the form and
reads the reasons; a credit manager places and releases a hold with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from credit.models import CreditHoldEvent, CreditProfile
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "correct horse battery staple"  # UserFactory's default


def log_in(page, username: str, next_url: str) -> None:
    page.goto(next_url)  # an anonymous visitor is sent to the login page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_sales_rep_runs_a_credit_check_and_reads_the_reasons(page):
    # given a rep's customer with a limit of 1000.00 and 600.00 open
    rep = UserFactory(username="sam", roles=[roles.SALES_REP])
    customer = CustomerFactory(code="HARB-1", name="Harbour Logistics GmbH", sales_rep=rep)
    CreditProfileFactory(customer=customer, credit_limit=Decimal("1000.00"))
    InvoiceFactory(customer=customer, total=Decimal("600.00"), issue_date=timezone.localdate())

    # when the rep checks an order of 500.00 from the form
    log_in(page, "sam", "/credit/check/")
    expect(page.get_by_role("heading", name="Credit check for an order")).to_be_visible()
    page.get_by_label("Customer code").fill("HARB-1")
    page.get_by_label("Order amount").fill("500.00")
    page.get_by_label("Order reference").fill("SO-1001")
    page.get_by_role("button", name="Check").click()

    # then the result fails and says by how much the limit is exceeded
    expect(page.get_by_role("heading", name="Fail · SO-1001")).to_be_visible()
    reason = page.locator('#check-reasons li[data-code="over_limit"]')
    expect(reason).to_contain_text("exceeds the limit of 1000.00 USD by 100.00")
    expect(page.locator(".facts")).to_contain_text("400.00")  # available credit


def test_credit_manager_places_and_releases_a_hold_with_a_reason(page):
    # given a customer of a sales rep, not on hold
    rep = UserFactory(username="sam", roles=[roles.SALES_REP])
    UserFactory(username="maria", roles=[roles.CREDIT_MANAGER])
    customer = CustomerFactory(name="Pacific Traders Ltd", sales_rep=rep)
    CreditProfileFactory(customer=customer, credit_limit=Decimal("5000.00"))
    url = f"/credit/customers/{customer.pk}/"

    # when the credit manager places a hold with a reason
    log_in(page, "maria", url)
    expect(page.locator("#hold-status")).to_contain_text("Not on hold")
    page.get_by_label("Reason for the hold").fill("Cheque bounced twice")
    page.get_by_role("button", name="Place hold").click()

    # then the page shows the hold and its history row
    expect(page.locator("#hold-status")).to_contain_text("On hold")
    expect(page.locator("#hold-status")).to_contain_text("Cheque bounced twice")
    expect(page.locator("#hold-history tr").first).to_contain_text("maria")

    # when they release it with a reason
    page.get_by_label("Reason for the release").fill("Paid by bank transfer")
    page.get_by_role("button", name="Release hold").click()

    # then it is off hold and both steps are in the history
    expect(page.locator("#hold-status")).to_contain_text("Not on hold")
    expect(page.locator("#hold-history tr")).to_have_count(2)
    expect(page.locator("#hold-history")).to_contain_text("Paid by bank transfer")
    assert CreditProfile.objects.get(customer=customer).is_on_hold is False
    assert list(CreditHoldEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "place",
        "release",
    ]
