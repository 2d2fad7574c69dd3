"""The collections clerk's main path in a real browser, mostly from the keyboard:
log in, open the worklist, read why the first customer is first, open it, log a
call, record a promise to pay, set the next follow-up and claim the case."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm import roles
from receivables.models import ActivityKind, CollectionActivity, CollectionCase, PromiseToPay
from tests.factories.accounts import UserFactory
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "correct horse battery staple"  # UserFactory's default


def _overdue(name: str, days: int, total: str, pd: str, grade: str):
    customer = CustomerFactory(name=name, probability_of_default=Decimal(pd), risk_grade=grade)
    ContactFactory(customer=customer, name=f"{name} AP")
    due = timezone.localdate() - datetime.timedelta(days=days)
    InvoiceFactory(
        customer=customer,
        total=Decimal(total),
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
    )
    return customer


@pytest.fixture
def portfolio():
    first = _overdue("Harbour Logistics GmbH", 74, "12400.00", "0.0800", "C")
    _overdue("Pacific Traders Ltd", 10, "900.00", "0.0200", "A")
    clerk = UserFactory(username="clara", roles=[roles.COLLECTIONS_CLERK])
    return first, clerk


def test_clerk_works_the_first_customer_of_the_queue(page, portfolio):
    customer, clerk = portfolio
    # when: logging in from the worklist's address lands back on it
    page.goto("/receivables/worklist/")
    page.get_by_label("Username").fill("clara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_load_state()

    # then: the first row says why it is first
    first_row = page.locator("table.worklist tbody tr").first
    expect(first_row).to_contain_text("Harbour Logistics GmbH")
    expect(first_row).to_contain_text("12,400.00 USD overdue × PD 8% (grade C)")
    expect(first_row).to_contain_text("74 days past due ×1.5")

    # when: the skip link and the customer's link are reached from the keyboard
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    link = page.get_by_role("link", name="Harbour Logistics GmbH")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/receivables/worklist/{customer.pk}/")

    # then: the panel shows open items and contacts
    expect(page.get_by_role("heading", name="Open items")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Harbour Logistics GmbH AP")

    # when: logging a call, typed and submitted from the keyboard
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Outcome").fill("Spoke to AP: payment run on Friday")
    page.get_by_label("Outcome").press("Tab")
    expect(page.get_by_role("button", name="Log activity")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    # then
    expect(page.get_by_role("status")).to_contain_text("Activity logged.")
    expect(page.locator(".timeline")).to_contain_text("Spoke to AP: payment run on Friday")

    # when: recording a promise to pay
    promised = timezone.localdate() + datetime.timedelta(days=4)
    page.get_by_label("Amount").fill("5000.00")
    page.get_by_label("Promised for").fill(promised.isoformat())
    page.get_by_role("textbox", name="Note", exact=True).fill("First half")
    page.get_by_role("textbox", name="Note", exact=True).press("Enter")
    page.wait_for_load_state()

    # then
    expect(page.get_by_role("status")).to_contain_text("Promise to pay recorded.")
    expect(page.locator(".timeline")).to_contain_text(
        f"Promised 5000.00 USD by {promised.isoformat()}: First half"
    )

    # when: setting the next follow-up to the promised day
    page.get_by_label("Next follow-up").fill(promised.isoformat())
    page.get_by_role("button", name="Save follow-up").press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("Follow-up saved.")

    # when: claiming the case
    page.get_by_role("button", name="Claim").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    # then
    expect(page.get_by_role("status")).to_contain_text("You now work Harbour Logistics GmbH.")
    expect(page.locator(".case")).to_contain_text("clara")
    case = CollectionCase.objects.get(customer=customer)
    assert case.assignee_id == clerk.pk
    assert case.next_follow_up_on == promised
    assert PromiseToPay.objects.get(customer=customer).amount == Decimal("5000.00")
    assert list(
        CollectionActivity.objects.filter(customer=customer).order_by("id").values_list("kind")
    ) == [
        (ActivityKind.CALL,),
        (ActivityKind.PROMISE,),
        (ActivityKind.FOLLOW_UP,),
        (ActivityKind.ASSIGNMENT,),
    ]

    # when: back to the queue, filtered to "My queue"
    page.get_by_role("link", name="Back to the worklist").click()
    page.get_by_label("My queue").check()
    page.get_by_role("button", name="Show").press("Enter")

    # then
    rows = page.locator("table.worklist tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Harbour Logistics GmbH")
    expect(rows.first).to_contain_text("clara")


def test_panel_is_readable_on_a_phone(page, portfolio):
    customer, _ = portfolio
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/receivables/worklist/{customer.pk}/")
    page.get_by_label("Username").fill("clara")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Log a call, email or note")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
