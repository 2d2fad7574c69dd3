"""The back office's main path in a real browser: log in, find a customer,
open it, see its contacts; a sales rep sees only their own customers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from crm import roles
from tests.e2e.conftest import log_in
from tests.factories.accounts import UserFactory
from tests.factories.customers import ContactFactory, CustomerFactory

pytestmark = [
    pytest.mark.e2e,
    # Transactional: the live server reads the data from another thread.
    pytest.mark.django_db(transaction=True),
    # The test profile collects no static files; the live server serves them itself.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "correct horse battery staple"  # UserFactory's default
CUSTOMER_LIST = "/admin/customers/customer/"


def test_finance_admin_searches_a_customer_and_sees_its_contacts(page):
    # given
    UserFactory(username="fiona", is_staff=True, roles=[roles.FINANCE_ADMIN])
    harbour = CustomerFactory(name="Harbour Logistics GmbH")
    ContactFactory(customer=harbour, name="Greta Billing", email="greta@harbour.example.com")
    CustomerFactory(name="Alpine Tools AG")
    CustomerFactory(name="Nordic Paper Oy")

    # when
    log_in(page, "fiona", PASSWORD)
    page.goto(CUSTOMER_LIST)
    page.fill("#searchbar", "Harbour")
    page.press("#searchbar", "Enter")

    # then the list shows the match only
    results = page.locator("#result_list")
    expect(results).to_contain_text("Harbour Logistics GmbH")
    expect(results).not_to_contain_text("Alpine Tools AG")
    expect(results).not_to_contain_text("Nordic Paper Oy")

    # when
    results.get_by_role(
        "link", name=re.compile("Harbour Logistics GmbH|" + harbour.code)
    ).first.click()

    # then the customer page shows its contacts
    expect(page).to_have_url(re.compile(rf"/admin/customers/customer/{harbour.pk}/"))
    content = page.locator("#content")
    expect(content).to_contain_text("Greta Billing")
    expect(content).to_contain_text("greta@harbour.example.com")


def test_sales_rep_sees_only_own_customers(page):
    # given
    rep = UserFactory(username="sam", is_staff=True, roles=[roles.SALES_REP])
    other_rep = UserFactory(username="olga", is_staff=True, roles=[roles.SALES_REP])
    CustomerFactory(name="Mine Manufacturing Ltd", sales_rep=rep)
    theirs = CustomerFactory(name="Theirs Trading Ltd", sales_rep=other_rep)
    CustomerFactory(name="Unowned Utilities Ltd", sales_rep=None)

    # when
    log_in(page, "sam", PASSWORD)
    page.goto(CUSTOMER_LIST)

    # then
    results = page.locator("#result_list")
    expect(results).to_contain_text("Mine Manufacturing Ltd")
    expect(results).not_to_contain_text("Theirs Trading Ltd")
    expect(results).not_to_contain_text("Unowned Utilities Ltd")

    # when the rep types another rep's customer URL
    page.goto(f"{CUSTOMER_LIST}{theirs.pk}/change/")

    # then the admin answers as if it did not exist
    expect(page.locator(".messagelist")).to_contain_text(re.compile(r"doesn.t exist"))
    expect(page.locator("body")).not_to_contain_text("Theirs Trading Ltd")


def test_wrong_password_shows_an_error_and_stays_logged_out(page):
    # given
    UserFactory(username="fiona", is_staff=True, roles=[roles.FINANCE_ADMIN])

    # when
    log_in(page, "fiona", "not the password")

    # then
    expect(page.locator(".errornote")).to_be_visible()
    page.goto(CUSTOMER_LIST)
    expect(page).to_have_url(re.compile(r"/admin/login/"))
