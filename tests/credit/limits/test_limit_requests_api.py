from decimal import Decimal

import pytest
from django.urls import reverse

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
