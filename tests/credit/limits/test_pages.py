"""The limit pages: a role × action table, and what the pages show."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit.models import CreditLimitRequest, CreditProfile, LimitRequestStatus
from credit.services import credit_limit_request_create, credit_limit_request_decide
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

ANONYMOUS, NO_ROLE = "anonymous", "no_role"
CLERK, CREDIT, REP = roles.COLLECTIONS_CLERK, roles.CREDIT_MANAGER, roles.SALES_REP
ADMIN, INTEGRATOR = roles.FINANCE_ADMIN, roles.INTEGRATOR
CALLERS = (ANONYMOUS, NO_ROLE, *roles.ROLES)

# action -> roles allowed (everyone else: 403; anonymous: redirect to the login page)
PAGE_MATRIX = {
    "approvals": {CREDIT, ADMIN},
    "decide": {CREDIT, ADMIN},
    "customer_limits": {CLERK, CREDIT, REP, ADMIN},
    "request_create": {CLERK, CREDIT, REP},
    "request_cancel": {CLERK, CREDIT, REP},
}
SUCCESS = {
    "approvals": 200,
    "decide": 302,
    "customer_limits": 200,
    "request_create": 302,
    "request_cancel": 302,
}


def _world(caller, thresholds):
    user = UserFactory(roles=[] if caller in (ANONYMOUS, NO_ROLE) else [caller])
    rep = user if caller == REP else None
    clerk = UserFactory(roles=[CLERK])
    customer = CustomerFactory(sales_rep=rep)
    waiting = credit_limit_request_create(
        customer_id=CustomerFactory(sales_rep=rep).pk,
        user=clerk,
        requested_limit="500000" if caller == ADMIN else "500",
        reason="x",
    )
    if caller == ADMIN:
        waiting = credit_limit_request_decide(
            request_id=waiting.pk, user=UserFactory(roles=[CREDIT]), approve=True
        )
    requester = user if caller in (CLERK, CREDIT, REP) else clerk
    own = credit_limit_request_create(
        customer_id=CustomerFactory(sales_rep=rep).pk,
        user=requester,
        requested_limit="500",
        reason="x",
    )
    return user, customer, waiting, own


def _call(client, action, customer, waiting, own):
    if action == "approvals":
        return client.get(reverse("credit_limits:approvals"))
    if action == "decide":
        return client.post(
            reverse("credit_limits:approval-decide", args=[waiting.pk]),
            {"decision": "approve", "comment": "ok", "expected_status": waiting.status},
        )
    if action == "customer_limits":
        return client.get(reverse("credit_limits:customer-limits", args=[customer.pk]))
    if action == "request_create":
        return client.post(
            reverse("credit_limits:limit-request-create", args=[customer.pk]),
            {"requested_limit": "1234.50", "reason": "More orders"},
        )
    return client.post(reverse("credit_limits:limit-request-cancel", args=[own.pk]))


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("action", sorted(PAGE_MATRIX))
def test_page_role_action_matrix(action, caller, thresholds):
    # given
    user, customer, waiting, own = _world(caller, thresholds)
    client = Client()
    if caller != ANONYMOUS:
        client.force_login(user)
    # when
    response = _call(client, action, customer, waiting, own)
    # then
    if caller == ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif caller in PAGE_MATRIX[action]:
        assert response.status_code == SUCCESS[action], response.content[:500]
    else:
        assert response.status_code == 403


def test_the_inbox_shows_what_a_credit_manager_weighs(client, thresholds):
    # given a customer with a grade, an overdue invoice and a pending request
    manager = UserFactory(roles=[CREDIT])
    customer = CustomerFactory(risk_grade="C", probability_of_default=Decimal("0.0420"))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("5000.00"))
    today = timezone.localdate()
    InvoiceFactory(
        customer=customer,
        total=Decimal("1000.00"),
        issue_date=today - timedelta(days=50),
        due_date=today - timedelta(days=20),
    )
    InvoiceFactory(
        customer=customer,
        total=Decimal("3000.00"),
        issue_date=today - timedelta(days=40),
        due_date=today + timedelta(days=10),
    )
    request = credit_limit_request_create(
        customer_id=customer.pk,
        user=UserFactory(roles=[CLERK]),
        requested_limit="9000",
        reason="Bigger orders",
    )
    client.force_login(manager)
    # when
    response = client.get(reverse("credit_limits:approvals"))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Approve #{request.pk}" in page
    assert "<strong>9,000.00 USD</strong>" in page  # requested
    assert "<dd>5,000.00 USD</dd>" in page  # current limit
    assert "<dd>C · PD 0.0420</dd>" in page
    assert "<dd>4,000.00</dd>" in page  # exposure
    assert "<dd>1,000.00</dd>" in page  # overdue
    assert "<dd>20.0</dd>" in page  # 1000 due 20 days ago, still open: 20 days late weighted


def test_deciding_ones_own_request_on_the_page_shows_the_reason_with_403(client, thresholds):
    manager = UserFactory(roles=[CREDIT])
    customer = CustomerFactory()
    request = credit_limit_request_create(
        customer_id=customer.pk, user=manager, requested_limit="500", reason="x"
    )
    client.force_login(manager)
    response = client.post(
        reverse("credit_limits:approval-decide", args=[request.pk]),
        {"decision": "approve", "expected_status": "pending"},
    )
    assert response.status_code == 403
    assert "four eyes" in response.content.decode()
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING


def test_the_request_form_shows_a_bad_limit_on_its_field(client):
    rep = UserFactory(roles=[REP])
    customer = CustomerFactory(sales_rep=rep)
    client.force_login(rep)
    response = client.post(
        reverse("credit_limits:limit-request-create", args=[customer.pk]),
        {"requested_limit": "-5", "reason": "x"},
    )
    assert response.status_code == 400
    assert "greater than zero" in response.content.decode()
    assert CreditLimitRequest.objects.count() == 0


def test_a_sales_rep_cannot_open_another_reps_customer(client):
    rep = UserFactory(roles=[REP])
    client.force_login(rep)
    other = CustomerFactory(sales_rep=UserFactory(roles=[REP]))
    response = client.get(reverse("credit_limits:customer-limits", args=[other.pk]))
    assert response.status_code == 404


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite notice")
def test_the_limits_page_says_history_is_not_recorded_on_sqlite(client):
    manager = UserFactory(roles=[CREDIT])
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer)
    CreditProfile.objects.filter(customer=customer).update(credit_limit=Decimal("1.00"))
    client.force_login(manager)
    page = client.get(reverse("credit_limits:customer-limits", args=[customer.pk]))
    assert "does not record the history" in page.content.decode()


def test_the_inbox_costs_the_same_queries_for_one_request_or_many(client, thresholds):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    manager = UserFactory(roles=[CREDIT])
    clerk = UserFactory(roles=[CLERK])
    client.force_login(manager)
    url = reverse("credit_limits:approvals")

    def _pending():
        customer = CustomerFactory()
        CreditProfileFactory(customer=customer)
        InvoiceFactory(customer=customer)
        credit_limit_request_create(
            customer_id=customer.pk, user=clerk, requested_limit="500", reason="x"
        )

    _pending()
    with CaptureQueriesContext(db) as one:
        assert client.get(url).status_code == 200
    for _ in range(4):
        _pending()
    with CaptureQueriesContext(db) as five:
        response = client.get(url)
    assert len(response.context["rows"]) == 5
    assert len(five) == len(one)


def _large_pending_request(customer=None):
    customer = customer or CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    return credit_limit_request_create(
        customer_id=customer.pk,
        user=UserFactory(roles=[CLERK]),
        requested_limit="250000",
        reason="Big deal",
    )


def test_the_inbox_form_carries_the_step_the_decider_sees(client, thresholds):
    both = UserFactory(roles=[CREDIT, ADMIN])
    request = _large_pending_request()
    client.force_login(both)
    page = client.get(reverse("credit_limits:approvals")).content.decode()
    assert '<input type="hidden" name="expected_status" value="pending">' in page
    credit_limit_request_decide(
        request_id=request.pk, user=UserFactory(roles=[CREDIT]), approve=True
    )
    page = client.get(reverse("credit_limits:approvals")).content.decode()
    assert 'name="expected_status" value="awaiting_second_approval"' in page


@pytest.mark.parametrize("approver_roles", [(CREDIT, ADMIN), (CREDIT,)])
def test_a_stale_first_approval_on_the_page_is_a_409_that_says_reload(
    client, thresholds, approver_roles
):
    # given a page drawn while the large request was pending, and a first approval since
    request = _large_pending_request()
    first = UserFactory(roles=[CREDIT])
    credit_limit_request_decide(request_id=request.pk, user=first, approve=True)
    client.force_login(UserFactory(roles=list(approver_roles)))
    # when the page's approve button is pressed
    response = client.post(
        reverse("credit_limits:approval-decide", args=[request.pk]),
        {"decision": "approve", "expected_status": "pending", "comment": "ok"},
    )
    # then 409 with the reason on the page, and no second approval was recorded
    assert response.status_code == 409
    page = response.content.decode()
    assert "moved on" in page
    assert first.username in page
    assert "reload" in page
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert request.second_decided_by is None
    assert CreditProfile.objects.get(customer=request.customer).credit_limit == Decimal("100.00")


def test_a_decision_without_the_step_asks_to_reload(client, thresholds):
    request = _large_pending_request()
    client.force_login(UserFactory(roles=[CREDIT]))
    response = client.post(
        reverse("credit_limits:approval-decide", args=[request.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    assert "out of date" in str(next(iter(response.wsgi_request._messages)))
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING


def test_approving_an_expired_request_on_the_page_is_a_409_with_the_reason(client, thresholds):
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    request = credit_limit_request_create(
        customer_id=customer.pk,
        user=UserFactory(roles=[CLERK]),
        requested_limit="500",
        reason="x",
        expires_on=timezone.localdate() + timedelta(days=5),
    )
    passed = timezone.localdate() - timedelta(days=1)
    CreditLimitRequest.objects.filter(pk=request.pk).update(expires_on=passed)
    client.force_login(UserFactory(roles=[CREDIT]))
    response = client.post(
        reverse("credit_limits:approval-decide", args=[request.pk]),
        {"decision": "approve", "expected_status": "pending"},
    )
    assert response.status_code == 409
    assert f"passed on {passed.isoformat()}" in response.content.decode()
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("100.00")
