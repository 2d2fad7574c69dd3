from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from credit.models import CreditLimitRequest, CreditProfile, LimitRequestStatus
from credit.services import credit_limit_request_create
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("credit-limit-request-list")


def _approve_url(pk: int) -> str:
    return reverse("credit-limit-request-approve", args=[pk])


def test_a_sales_rep_requests_a_limit_over_the_api(client_for, thresholds):
    # given
    client, rep = client_for(roles.SALES_REP)
    customer = CustomerFactory(sales_rep=rep)
    # when
    response = client.post(
        LIST,
        {"customer": customer.pk, "requested_limit": "25000.50", "reason": "Season"},
        format="json",
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requested_limit"] == "25000.50"
    assert body["status"] == "pending"
    assert body["requested_by"] == rep.username
    assert body["needs_second_approval"] is False
    assert CreditLimitRequest.objects.get().requested_limit == Decimal("25000.50")


@pytest.mark.parametrize(
    ("limit", "code"),
    [("-100.00", "limit_not_positive"), ("lots", "invalid"), (1500.5, "invalid")],
)
def test_a_bad_limit_is_a_400_that_says_why(client_for, limit, code):
    client, rep = client_for(roles.SALES_REP)
    customer = CustomerFactory(sales_rep=rep)
    response = client.post(
        LIST, {"customer": customer.pk, "requested_limit": limit, "reason": "x"}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert "requested_limit" in body["extra"]["fields"]
    assert CreditLimitRequest.objects.count() == 0


def test_an_unknown_customer_is_a_404_and_an_inactive_one_a_400(client_for):
    client, _user = client_for(roles.CREDIT_MANAGER)
    unknown = client.post(
        LIST, {"customer": 987654, "requested_limit": "10.00", "reason": "x"}, format="json"
    )
    inactive = client.post(
        LIST,
        {
            "customer": CustomerFactory(status="inactive").pk,
            "requested_limit": "10.00",
            "reason": "x",
        },
        format="json",
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "customer_not_found"
    assert inactive.status_code == 400
    assert inactive.json()["code"] == "customer_inactive"
    assert CreditLimitRequest.objects.count() == 0


def test_approving_ones_own_request_is_a_403_with_the_reason(client_for, thresholds):
    client, manager = client_for(roles.CREDIT_MANAGER)
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    request = credit_limit_request_create(
        customer_id=customer.pk, user=manager, requested_limit="500", reason="x"
    )
    response = client.post(_approve_url(request.pk), {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "own_request"
    assert "yourself" in response.json()["message"]
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("100.00")


def test_approving_an_already_decided_request_is_a_409(client_for, thresholds):
    first, _one = client_for(roles.CREDIT_MANAGER)
    second, _two = client_for(roles.CREDIT_MANAGER)
    customer = CustomerFactory()
    request = credit_limit_request_create(
        customer_id=customer.pk,
        user=UserFactory(roles=[roles.COLLECTIONS_CLERK]),
        requested_limit="500",
        reason="x",
    )
    assert first.post(_approve_url(request.pk), {}, format="json").status_code == 200
    response = second.post(
        reverse("credit-limit-request-reject", args=[request.pk]), {"comment": "no"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "limit_request_decided"
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.APPROVED
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("500.00")


def test_a_sales_rep_lists_only_requests_of_their_customers(client_for, django_assert_num_queries):
    client, rep = client_for(roles.SALES_REP)
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    mine = [CustomerFactory(sales_rep=rep) for _ in range(3)]
    theirs = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))
    for customer in [*mine, theirs]:
        credit_limit_request_create(
            customer_id=customer.pk, user=clerk, requested_limit="100", reason="x"
        )
    # the user's permissions and roles (one query), count, rows
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(row["customer"] for row in response.json()["results"]) == sorted(
        customer.pk for customer in mine
    )
    other = CreditLimitRequest.objects.get(customer=theirs)
    assert client.get(reverse("credit-limit-request-detail", args=[other.pk])).status_code == 404


def test_the_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries):
    client, _manager = client_for(roles.CREDIT_MANAGER)
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    for _ in range(12):
        credit_limit_request_create(
            customer_id=CustomerFactory().pk, user=clerk, requested_limit="100", reason="x"
        )
    with django_assert_num_queries(3):
        response = client.get(LIST, {"status": "pending"})
    assert response.json()["count"] == 12


def _large_request():
    customer = CustomerFactory(currency="USD")
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    return customer, credit_limit_request_create(
        customer_id=customer.pk,
        user=UserFactory(roles=[roles.COLLECTIONS_CLERK]),
        requested_limit="250000",
        reason="Big deal",
    )


@pytest.mark.parametrize(
    "approver_roles", [(roles.CREDIT_MANAGER, roles.FINANCE_ADMIN), (roles.CREDIT_MANAGER,)]
)
def test_a_stale_first_approval_over_the_api_is_a_409(client_for, thresholds, approver_roles):
    # given a large request someone else gave the first approval to a moment ago
    customer, request = _large_request()
    first, first_user = client_for(roles.CREDIT_MANAGER)
    response = first.post(_approve_url(request.pk), {"expected_status": "pending"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "awaiting_second_approval"
    # when another approver's click, made on the pending request, arrives
    late, _late_user = client_for(*approver_roles)
    response = late.post(
        _approve_url(request.pk), {"expected_status": "pending", "comment": "Fine"}, format="json"
    )
    # then 409 saying it moved on, and it still waits for a deliberate second approval
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "limit_request_decided"
    assert first_user.username in body["message"]
    assert body["extra"]["status"] == "awaiting_second_approval"
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert request.second_decided_by is None
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("100.00")


def test_someone_with_both_roles_states_the_step_over_the_api(client_for, thresholds):
    _customer, request = _large_request()
    client, _both = client_for(roles.CREDIT_MANAGER, roles.FINANCE_ADMIN)
    unsaid = client.post(_approve_url(request.pk), {"comment": "ok"}, format="json")
    assert unsaid.status_code == 400
    assert unsaid.json()["code"] == "expected_status_required"
    assert "expected_status" in unsaid.json()["extra"]["fields"]
    bogus = client.post(_approve_url(request.pk), {"expected_status": "approved"}, format="json")
    assert bogus.status_code == 400
    assert "expected_status" in bogus.json()["extra"]["fields"]
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING
    said = client.post(_approve_url(request.pk), {"expected_status": "pending"}, format="json")
    assert said.status_code == 200
    assert said.json()["status"] == "awaiting_second_approval"


def test_a_stale_rejection_over_the_api_is_a_409(client_for, thresholds):
    _customer, request = _large_request()
    first, _first = client_for(roles.CREDIT_MANAGER)
    assert first.post(_approve_url(request.pk), {}, format="json").status_code == 200
    admin, _admin = client_for(roles.FINANCE_ADMIN)
    response = admin.post(
        reverse("credit-limit-request-reject", args=[request.pk]),
        {"expected_status": "pending", "comment": "no"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "limit_request_decided"
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL


def test_approving_a_request_whose_expiry_passed_is_a_409_over_the_api(client_for, thresholds):
    customer = CustomerFactory()
    CreditProfileFactory(customer=customer, credit_limit=Decimal("100.00"))
    request = credit_limit_request_create(
        customer_id=customer.pk,
        user=UserFactory(roles=[roles.COLLECTIONS_CLERK]),
        requested_limit="500",
        reason="x",
        expires_on=timezone.localdate() + timedelta(days=5),
    )
    passed = timezone.localdate() - timedelta(days=2)
    CreditLimitRequest.objects.filter(pk=request.pk).update(expires_on=passed)
    client, _manager = client_for(roles.CREDIT_MANAGER)
    response = client.post(_approve_url(request.pk), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "limit_request_expired"
    assert passed.isoformat() in response.json()["message"]
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("100.00")
    rejected = client.post(
        reverse("credit-limit-request-reject", args=[request.pk]),
        {"comment": "expired"},
        format="json",
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"


def test_a_limit_with_more_decimals_than_the_currency_is_a_400_over_the_api(client_for):
    client, rep = client_for(roles.SALES_REP)
    customer = CustomerFactory(sales_rep=rep, currency="JPY")
    response = client.post(
        LIST,
        {"customer": customer.pk, "requested_limit": "100000.49", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "too_many_decimals"
    assert "requested_limit" in body["extra"]["fields"]
    assert "JPY amounts have no decimals" in body["message"]
    assert CreditLimitRequest.objects.count() == 0
