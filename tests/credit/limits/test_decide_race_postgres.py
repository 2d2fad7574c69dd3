"""Two approvers deciding one request at the same moment, on PostgreSQL.

Real concurrent transactions, one connection per thread, released together by
a barrier: the row lock of the request makes exactly one decision win; the
other gets 409 and the limit changes once.
"""

from decimal import Decimal
from functools import partial

import pytest
from django.db import connection

from credit.models import CreditLimitRequest, CreditProfile, LimitRequestStatus
from credit.services import credit_limit_request_create, credit_limit_request_decide
from crm import roles
from notifications.models import Notification
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.support.concurrency import run_concurrently

# A transactional test flushes the tables, the roles' groups included: the shared
# fixture runs the roles data migrations again, with the migrations' own historical
# app registry. (Calling a migration's ``forwards`` with the live registry, as this
# module once did, used to leave the live credit AppConfig without ``models_module``,
# so every later flush stopped recreating the credit permissions: the DoesNotExist
# seen in test_hold_concurrency. ``crm.roles.grant_permissions`` now restores it.)
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles_recreated"),
]

THREADS = 4


def _race(
    request_id: int, deciders: list, approvals: list[bool], expected_status: str | None = None
) -> list[str]:
    def decide(user, approve: bool) -> str:
        credit_limit_request_decide(
            request_id=request_id,
            user=user,
            approve=approve,
            expected_status=expected_status,
            comment="my call",
        )
        return "ok"

    return run_concurrently(
        [partial(decide, user, approve) for user, approve in zip(deciders, approvals, strict=True)],
        refusals_as_outcomes=True,
    )


def _world(settings):
    settings.CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE = {"USD": "100000"}
    rep = UserFactory(roles=[roles.SALES_REP])
    customer = CustomerFactory(sales_rep=rep, currency="USD")
    CreditProfileFactory(customer=customer, credit_limit=Decimal("10000.00"))
    return rep, customer


def test_of_approvers_deciding_at_once_exactly_one_wins(settings):
    # given a pending request and four credit managers approving it at once
    assert connection.vendor == "postgresql"
    rep, customer = _world(settings)
    request = credit_limit_request_create(
        customer_id=customer.pk, user=rep, requested_limit="30000", reason="x"
    )
    managers = [UserFactory(roles=[roles.CREDIT_MANAGER]) for _ in range(THREADS)]
    # when
    outcomes = _race(request.pk, managers, [True] * THREADS)
    # then one approval, three 409s, the limit changed once
    assert sorted(outcomes) == ["409:limit_request_decided"] * (THREADS - 1) + ["ok"]
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.APPROVED
    assert request.first_decided_by_id in {manager.pk for manager in managers}
    assert request.previous_limit == Decimal("10000.00")
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("30000.00")
    assert Notification.objects.filter(kind="credit_limit_request_approved").count() == 1


def test_an_approval_and_a_rejection_at_once_leave_one_decision(settings):
    rep, customer = _world(settings)
    request = credit_limit_request_create(
        customer_id=customer.pk, user=rep, requested_limit="30000", reason="x"
    )
    managers = [UserFactory(roles=[roles.CREDIT_MANAGER]) for _ in range(2)]
    outcomes = _race(request.pk, managers, [True, False])
    assert sorted(outcomes) == ["409:limit_request_decided", "ok"]
    request.refresh_from_db()
    expected = (
        Decimal("30000.00")
        if request.status == LimitRequestStatus.APPROVED
        else Decimal("10000.00")
    )
    assert request.status in (LimitRequestStatus.APPROVED, LimitRequestStatus.REJECTED)
    assert CreditProfile.objects.get(customer=customer).credit_limit == expected


def test_two_finance_admins_giving_the_second_approval_at_once_one_wins(settings):
    rep, customer = _world(settings)
    request = credit_limit_request_create(
        customer_id=customer.pk, user=rep, requested_limit="500000", reason="x"
    )
    credit_limit_request_decide(
        request_id=request.pk, user=UserFactory(roles=[roles.CREDIT_MANAGER]), approve=True
    )
    admins = [UserFactory(roles=[roles.FINANCE_ADMIN]) for _ in range(THREADS)]
    outcomes = _race(request.pk, admins, [True] * THREADS)
    assert sorted(outcomes) == ["409:limit_request_decided"] * (THREADS - 1) + ["ok"]
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.APPROVED
    assert request.second_decided_by_id in {admin.pk for admin in admins}
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("500000.00")


def test_two_requests_for_one_customer_at_once_leave_one_open(settings):
    _rep, customer = _world(settings)
    users = [UserFactory(roles=[roles.CREDIT_MANAGER]) for _ in range(THREADS)]

    def request(user) -> str:
        credit_limit_request_create(
            customer_id=customer.pk, user=user, requested_limit="20000", reason="x"
        )
        return "ok"

    outcomes = run_concurrently(
        [partial(request, user) for user in users], refusals_as_outcomes=True
    )
    assert sorted(outcomes) == ["409:limit_request_open"] * (THREADS - 1) + ["ok"]
    assert CreditLimitRequest.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize("deciders", ["both roles", "superusers", "credit managers"])
def test_two_first_approvals_of_a_large_request_at_once_one_wins_the_other_gets_409(
    settings, deciders
):
    # given a pending request above the threshold, and two people who each see it
    # pending and press approve at the same moment (those holding both roles could
    # otherwise have the loser's click taken as the second approval)
    rep, customer = _world(settings)
    request = credit_limit_request_create(
        customer_id=customer.pk, user=rep, requested_limit="500000", reason="x"
    )
    if deciders == "superusers":
        users = [UserFactory(is_superuser=True, is_staff=True) for _ in range(2)]
    elif deciders == "both roles":
        users = [UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN]) for _ in range(2)]
    else:
        users = [UserFactory(roles=[roles.CREDIT_MANAGER]) for _ in range(2)]
    # when
    outcomes = _race(request.pk, users, [True, True], expected_status=LimitRequestStatus.PENDING)
    # then exactly one first approval; the other is told the request moved on
    assert sorted(outcomes) == ["409:limit_request_decided", "ok"]
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert request.first_decided_by_id in {user.pk for user in users}
    assert request.second_decided_by_id is None
    assert CreditProfile.objects.get(customer=customer).credit_limit == Decimal("10000.00")
    assert Notification.objects.filter(kind="credit_limit_request_approved").count() == 0
