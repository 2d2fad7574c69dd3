import datetime

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import ActivityKind, CollectionActivity, DunningLevel, DunningNotice
from tests.receivables.collections.helpers import broken_promise, overdue_customer, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    a = overdue_customer(days=74, total="10000.00", pd="0.0800", grade="C", name="Alpha")
    b = overdue_customer(days=10, total="20000.00", name="Bravo")
    c = overdue_customer(days=40, total="5000.00", pd="0.2000", grade="D", name="Charlie")
    broken_promise(c)
    return a, b, c


def test_list_answers_rows_with_components_and_reasons(client_for, portfolio):
    # given
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when
    response = client.get(reverse("worklist-list"))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["has_next"] is False
    assert [row["customer_name"] for row in body["results"]] == ["Charlie", "Alpha", "Bravo"]
    charlie = body["results"][0]
    assert charlie["priority"] == "1562.50"
    assert charlie["expected_loss"] == "1000.00"
    assert charlie["overdue_total"] == "5000.00"
    assert charlie["probability_of_default"] == "0.2000"
    assert charlie["days_past_due"] == 40
    assert charlie["broken_promises"] == 1
    assert charlie["reasons"] == [
        "5,000.00 USD overdue × PD 20% (grade D)",
        "40 days past due ×1.25",
        "1 broken promise ×1.25",
    ]
    assert charlie["assignee"] is None


def test_list_filters_and_refuses_bad_ones(client_for, portfolio):
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    response = client.get(reverse("worklist-list"), {"bucket": 3})
    assert [row["customer_name"] for row in response.json()["results"]] == ["Alpha"]

    response = client.get(reverse("worklist-list"), {"bucket": 99, "tier": "gold"})
    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"bucket", "tier"}


def test_list_refuses_a_page_beyond_the_last_possible_one(client_for, portfolio):
    # given
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when: a page number past the database's integers (a 500 on PostgreSQL before)
    huge = client.get(reverse("worklist-list"), {"page": str(10**18)})
    last = client.get(reverse("worklist-list"), {"page": "10000"})

    # then
    assert huge.status_code == 400
    assert set(huge.json()["extra"]["fields"]) == {"page"}
    assert last.status_code == 200
    assert last.json()["results"] == []


def test_list_query_count_is_pinned(client_for, portfolio, django_assert_num_queries):
    # given
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    for index in range(5):
        overdue_customer(days=5 + index, total="100.00")

    # when / then: permissions and roles (one query), ranking
    # (escalated, sample, others), rows shown, oldest invoices, broken promises,
    # escalations
    with django_assert_num_queries(8):
        response = client.get(reverse("worklist-list"))
    assert len(response.json()["results"]) == 8


def test_claim_then_conflict_for_another_clerk(client_for, portfolio):
    # given
    a = portfolio[0]
    first, first_user = client_for(roles.COLLECTIONS_CLERK)
    second, _ = client_for(roles.COLLECTIONS_CLERK)

    # when
    won = first.post(reverse("worklist-claim", args=[a.pk]))
    lost = second.post(reverse("worklist-claim", args=[a.pk]))

    # then
    assert won.status_code == 200
    assert won.json()["case"]["assignee"] == {"id": first_user.pk, "username": first_user.username}
    assert lost.status_code == 409
    assert lost.json()["code"] == "case_already_claimed"


def test_sales_rep_gets_404_for_other_customers(client_for, portfolio):
    client, _ = client_for(roles.SALES_REP)
    response = client.get(reverse("worklist-detail", args=[portfolio[0].pk]))
    assert response.status_code == 404


def test_panel_shows_invoices_contacts_notices_and_timeline(client_for, portfolio):
    # given
    a = portfolio[0]
    client, user = client_for(roles.COLLECTIONS_CLERK)
    client.post(
        reverse("collection-activity-list"),
        {"customer": a.pk, "kind": "call", "outcome": "Voicemail"},
        format="json",
    )

    # when
    body = client.get(reverse("worklist-detail", args=[a.pk])).json()

    # then
    assert [invoice["open_amount"] for invoice in body["open_invoices"]] == ["10000.00"]
    assert [contact["is_billing"] for contact in body["contacts"]] == [True]
    assert body["notices"] == []
    assert [(x["kind"], x["outcome"], x["author"]) for x in body["activities"]] == [
        ("call", "Voicemail", user.username)
    ]
    assert body["case"]["assignee"] is None


def test_follow_up_more_than_a_year_ahead_is_a_400_naming_the_latest_date(client_for, portfolio):
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    response = client.post(
        reverse("worklist-follow-up", args=[portfolio[0].pk]),
        {"follow_up_on": "9999-12-31"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "follow_up_too_far"
    assert (today() + datetime.timedelta(days=366)).isoformat() in body["message"]


def test_follow_up_in_the_past_is_a_400_with_the_field(client_for, portfolio):
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    response = client.post(
        reverse("worklist-follow-up", args=[portfolio[0].pk]),
        {"follow_up_on": (today() - datetime.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "follow_up_in_the_past"
    assert CollectionActivity.objects.count() == 0


def test_preview_over_the_api(client_for, portfolio):
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    body = client.get(reverse("worklist-preview", args=[portfolio[1].pk])).json()
    assert [(n["level"], n["subject"]) for n in body["notices"]] == [
        (1, "Upcoming payment reminder")
    ]
    assert DunningNotice.objects.count() == 0


def test_send_notice_twice_with_one_token(
    client_for, portfolio, django_capture_on_commit_callbacks
):
    # given
    client, _ = client_for(roles.FINANCE_ADMIN)
    level = DunningLevel.objects.get(policy__is_default_for_tier="normal", position=2)
    url = reverse("worklist-send-notice", args=[portfolio[1].pk])
    body = {"level": level.pk, "request_token": "form-token-42"}

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(url, body, format="json")
        second = client.post(url, body, format="json")

    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert len(callbacks) == 1
    assert DunningNotice.objects.count() == 1


def test_clerk_without_send_permission_gets_403(client_for, portfolio):
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    level = DunningLevel.objects.get(policy__is_default_for_tier="normal", position=2)
    response = client.post(
        reverse("worklist-send-notice", args=[portfolio[1].pk]),
        {"level": level.pk, "request_token": "form-token-42"},
        format="json",
    )
    assert response.status_code == 403
    assert DunningNotice.objects.count() == 0


def test_activity_log_refuses_promise_kind_and_blank_outcome(client_for, portfolio):
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    url = reverse("collection-activity-list")
    wrong_kind = client.post(
        url, {"customer": portfolio[0].pk, "kind": "promise", "outcome": "x"}, format="json"
    )
    blank = client.post(
        url, {"customer": portfolio[0].pk, "kind": "call", "outcome": " "}, format="json"
    )
    assert wrong_kind.status_code == 400
    assert blank.status_code == 400
    assert blank.json()["code"] == "outcome_required"
    assert CollectionActivity.objects.count() == 0


def test_activity_list_is_scoped_and_its_query_count_pinned(
    client_for, portfolio, django_assert_num_queries
):
    # given: activities on three customers; the rep owns one
    clerk_client, clerk = client_for(roles.COLLECTIONS_CLERK)
    for customer in portfolio:
        for kind in (ActivityKind.CALL, ActivityKind.NOTE):
            CollectionActivity.objects.create(customer=customer, author=clerk, kind=kind)
    rep_client, rep = client_for(roles.SALES_REP)
    type(portfolio[0]).objects.filter(pk=portfolio[0].pk).update(sales_rep=rep)

    # when / then: permissions and roles (one query), count, page
    with django_assert_num_queries(3):
        response = clerk_client.get(reverse("collection-activity-list"))
    assert response.json()["count"] == 6
    mine = rep_client.get(reverse("collection-activity-list")).json()
    assert {row["customer"] for row in mine["results"]} == {portfolio[0].pk}


def test_promise_and_dispute_from_the_panel_over_the_api(client_for, portfolio):
    # given
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = portfolio[0]
    invoice = customer.invoices.get()
    day = (today() + datetime.timedelta(days=3)).isoformat()

    # when
    promised = client.post(
        reverse("worklist-promise", args=[customer.pk]),
        {"amount": "300.00", "promised_date": day, "invoices": [invoice.pk]},
        format="json",
    )
    disputed = client.post(
        reverse("worklist-dispute", args=[customer.pk]),
        {"invoice": invoice.pk, "reason": "Damaged on arrival"},
        format="json",
    )
    again = client.post(
        reverse("worklist-dispute", args=[customer.pk]),
        {"invoice": invoice.pk, "reason": "Again"},
        format="json",
    )

    # then
    assert promised.status_code == 201
    assert promised.json()["kind"] == "promise"
    assert promised.json()["outcome"] == f"Promised 300.00 USD by {day}"
    assert disputed.status_code == 201
    assert disputed.json()["kind"] == "dispute"
    assert again.status_code == 409
    assert CollectionActivity.objects.filter(customer=customer).count() == 2


def test_promise_for_another_customers_invoice_is_refused_over_the_api(client_for, portfolio):
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    other_invoice = portfolio[1].invoices.get()
    response = client.post(
        reverse("worklist-promise", args=[portfolio[0].pk]),
        {
            "amount": "300.00",
            "promised_date": (today() + datetime.timedelta(days=3)).isoformat(),
            "invoices": [other_invoice.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "promise_customer_mismatch"
    assert CollectionActivity.objects.count() == 0
