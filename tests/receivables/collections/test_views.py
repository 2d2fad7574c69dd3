import datetime

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import (
    ActivityKind,
    CollectionActivity,
    CollectionCase,
    DunningLevel,
    DunningNotice,
    PromiseToPay,
)
from tests.factories.accounts import UserFactory
from tests.receivables.collections.helpers import broken_promise, overdue_customer, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    customer = overdue_customer(days=40, total="5000.00", pd="0.2000", grade="D", name="Charlie")
    broken_promise(customer)
    return customer


def _login(client, *role_names):
    user = UserFactory(roles=list(role_names))
    client.force_login(user)
    return user


def test_anonymous_is_sent_to_log_in(client, customer):
    response = client.get(reverse("receivables:worklist"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_integrator_may_not_see_the_worklist(client, customer):
    _login(client, roles.INTEGRATOR)
    assert client.get(reverse("receivables:worklist")).status_code == 403


def test_clerk_sees_the_queue_with_the_reason_and_a_claim_button(client, customer):
    # given
    _login(client, roles.COLLECTIONS_CLERK)

    # when
    response = client.get(reverse("receivables:worklist"))

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Charlie" in page
    assert "5,000.00 USD overdue × PD 20% (grade D)" in page
    assert "40 days past due ×1.25" in page
    assert "1 broken promise ×1.25" in page
    assert "Claim Charlie" in page
    assert 'href="/receivables/worklist/"' in page  # the nav link


def test_bad_filter_is_a_400_that_says_which(client, customer):
    _login(client, roles.COLLECTIONS_CLERK)
    response = client.get(reverse("receivables:worklist"), {"tier": "gold"})
    assert response.status_code == 400
    assert "Tier:" in response.content.decode()


def test_a_page_number_past_the_databases_integers_is_a_400_not_a_500(client, customer):
    _login(client, roles.COLLECTIONS_CLERK)
    response = client.get(reverse("receivables:worklist"), {"page": str(10**17)})
    assert response.status_code == 400


def test_sales_rep_reads_own_panel_without_action_forms(client, customer):
    # given
    rep = _login(client, roles.SALES_REP)
    type(customer).objects.filter(pk=customer.pk).update(sales_rep=rep)

    # when
    response = client.get(reverse("receivables:worklist-customer", args=[customer.pk]))

    # then
    assert response.status_code == 200
    assert "Log activity" not in response.content.decode()


def test_sales_rep_gets_404_for_another_customer(client, customer):
    _login(client, roles.SALES_REP)
    response = client.get(reverse("receivables:worklist-customer", args=[customer.pk]))
    assert response.status_code == 404


def test_panel_shows_preview_and_forms_to_a_clerk(client, customer):
    _login(client, roles.COLLECTIONS_CLERK)
    page = client.get(reverse("receivables:worklist-customer", args=[customer.pk])).content.decode()
    assert "What would be sent today" in page
    assert "Upcoming payment reminder" in page
    assert "Log activity" in page
    assert "Record promise" in page
    assert "Send notice now" not in page  # no send permission


def test_actions_from_the_panel(client, customer):
    # given
    clerk = _login(client, roles.COLLECTIONS_CLERK)
    url = lambda name: reverse(f"receivables:worklist-{name}", args=[customer.pk])  # noqa: E731
    day = today() + datetime.timedelta(days=5)

    # when
    client.post(url("claim"))
    client.post(url("log"), {"kind": "call", "outcome": "Reached AP"})
    client.post(url("follow-up"), {"follow_up_on": day.isoformat()})
    response = client.post(
        url("promise"), {"amount": "250.00", "promised_date": day.isoformat(), "note": ""}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == url("customer")
    case = CollectionCase.objects.get(customer=customer)
    assert (case.assignee, case.next_follow_up_on) == (clerk, day)
    assert list(
        CollectionActivity.objects.filter(customer=customer).order_by("id").values_list("kind")
    ) == [
        (ActivityKind.ASSIGNMENT,),
        (ActivityKind.CALL,),
        (ActivityKind.FOLLOW_UP,),
        (ActivityKind.PROMISE,),
    ]
    assert PromiseToPay.objects.filter(customer=customer, status="open").count() == 1
    page = client.get(url("customer")).content.decode()
    assert "Reached AP" in page
    assert "Promise to pay recorded." in page


def test_service_error_is_shown_and_nothing_written(client, customer):
    # given
    _login(client, roles.COLLECTIONS_CLERK)
    url = reverse("receivables:worklist-follow-up", args=[customer.pk])

    # when
    response = client.post(
        url, {"follow_up_on": (today() - datetime.timedelta(days=1)).isoformat()}, follow=True
    )

    # then
    assert "is in the past; pick today or a later day." in response.content.decode()
    assert CollectionActivity.objects.count() == 0


def test_manual_send_from_the_panel_is_sent_once_per_form(client, customer):
    # given
    _login(client, roles.FINANCE_ADMIN)
    level = DunningLevel.objects.get(policy__is_default_for_tier="normal", position=2)
    url = reverse("receivables:worklist-send", args=[customer.pk])
    form = {"level": level.pk, "request_token": "0123456789abcdef"}

    # when
    client.post(url, form)
    response = client.post(url, form, follow=True)

    # then
    assert DunningNotice.objects.count() == 1
    assert "the notice was not sent twice" in response.content.decode()


def test_claim_from_the_queue_goes_back_to_the_queue(client, customer):
    _login(client, roles.COLLECTIONS_CLERK)
    response = client.post(
        reverse("receivables:worklist-claim", args=[customer.pk]),
        {"next": "/receivables/worklist/?unassigned=on"},
    )
    assert response["Location"] == "/receivables/worklist/?unassigned=on"
    evil = client.post(
        reverse("receivables:worklist-claim", args=[customer.pk]),
        {"next": "https://evil.example.com/"},
    )
    assert evil["Location"] == reverse("receivables:worklist-customer", args=[customer.pk])
