"""Limit approvals in a real browser: a sales rep requests a higher limit for their
customer, a credit manager (not the requester) approves it in the inbox, the
customer's page shows the new limit and the history row, and the requester finds
the notification."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from playwright.sync_api import expect

from credit.models import CreditProfile
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "correct horse battery staple"  # UserFactory's default


def log_in(page, username: str, next_path: str) -> None:
    page.goto(next_path)  # sends an anonymous visitor to the login page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_a_rep_requests_a_manager_approves_and_the_rep_is_told(page, settings):
    # given
    settings.CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE = {"EUR": "100000"}
    rep = UserFactory(username="sam", roles=[roles.SALES_REP])
    UserFactory(username="cora", roles=[roles.CREDIT_MANAGER])
    customer = CustomerFactory(
        code="HARB", name="Harbour Logistics GmbH", currency="EUR", sales_rep=rep
    )
    CreditProfileFactory(customer=customer, credit_limit=Decimal("10000.00"))
    limits_page = f"/credit/customers/{customer.pk}/limits/"

    # when the sales rep requests 25,000 on the customer's limits page, by keyboard labels
    log_in(page, "sam", limits_page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("HARB")
    page.get_by_label("Requested limit").fill("25000.00")
    page.get_by_label("Reason").fill("Two new warehouses from January")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("sent")
    expect(page.locator("#current-limit-value")).to_contain_text("10,000.00 EUR")
    log_out(page)

    # and a credit manager approves it in the inbox
    log_in(page, "cora", "/credit/approvals/")
    card = page.locator("article.approval", has_text="HARB")
    expect(card).to_contain_text("25,000.00 EUR")
    expect(card).to_contain_text("Two new warehouses")
    card.get_by_label("Comment").fill("Good payer, fine")
    card.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved")
    expect(page.locator("article.approval")).to_have_count(0)

    # then the customer's page shows the new limit and the history
    page.goto(limits_page)
    expect(page.locator("#current-limit-value")).to_contain_text("25,000.00 EUR")
    if connection.vendor == "postgresql":
        row = page.locator("tr.history-row").first
        expect(row).to_contain_text("cora")
        expect(row).to_contain_text("10000.00 EUR")
        expect(row).to_contain_text("25000.00 EUR")
        expect(row).to_contain_text("Two new warehouses")
    else:
        expect(page.get_by_role("note")).to_contain_text("does not record the history")
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("25000.00")
    log_out(page)

    # and the requester finds the notification
    log_in(page, "sam", "/notifications/")
    expect(page.locator("ul.notifications")).to_contain_text("approved: HARB now has 25000.00 EUR")
