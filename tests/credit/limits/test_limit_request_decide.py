from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from credit import events
from credit.models import CreditProfile, LimitRequestStatus
from credit.services import credit_limit_request_create, credit_limit_request_decide
from crm import roles
from crm.exceptions import Conflict, PermissionDenied, ValidationFailed
from notifications.models import Notification
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _limit(customer) -> Decimal:
    return CreditProfile.objects.get(customer=customer).credit_limit


@pytest.fixture
def small_request(sales_rep, customer, thresholds):
    return credit_limit_request_create(
        customer_id=customer.pk,
        user=sales_rep,
        requested_limit="25000.00",
        reason="Season orders",
        expires_on=timezone.localdate() + timedelta(days=90),
    )


@pytest.fixture
def large_request(sales_rep, customer, thresholds):
    return credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="250000.00", reason="Big deal"
    )


def test_a_credit_manager_approves_and_the_limit_changes_at_once(
    small_request, credit_manager, customer, sales_rep, django_capture_on_commit_callbacks
):
    # given
    changes = []

    def _listener(sender, **kwargs):
        changes.append(kwargs)

    events.credit_limit_changed.connect(_listener)
    # when
    try:
        with django_capture_on_commit_callbacks(execute=True):
            decided = credit_limit_request_decide(
                request_id=small_request.pk, user=credit_manager, approve=True, comment="Fine"
            )
    finally:
        events.credit_limit_changed.disconnect(_listener)
    # then
    decided.refresh_from_db()
    assert decided.status == LimitRequestStatus.APPROVED
    assert decided.first_decided_by == credit_manager
    assert decided.first_comment == "Fine"
    assert decided.previous_limit == Decimal("10000.00")
    profile = CreditProfile.objects.get(customer=customer)
    assert profile.credit_limit == Decimal("25000.00")
    assert profile.limit_expires_on == small_request.expires_on
    assert changes == [
        {
            "signal": events.credit_limit_changed,
            "customer_id": customer.pk,
            "old_limit": Decimal("10000.00"),
            "new_limit": Decimal("25000.00"),
        }
    ]
    # the requester (also the customer's sales rep) is told once, in the app and by email
    notices = Notification.objects.filter(kind="credit_limit_request_approved")
    assert [n.recipient_id for n in notices] == [sales_rep.pk]
    assert len(mail.outbox) == 1
    assert "approved" in mail.outbox[0].subject


def test_a_clerks_request_notifies_the_clerk_and_the_sales_rep(
    customer, sales_rep, credit_manager, thresholds
):
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    request = credit_limit_request_create(
        customer_id=customer.pk, user=clerk, requested_limit="500", reason="x"
    )
    credit_limit_request_decide(
        request_id=request.pk, user=credit_manager, approve=False, comment="Too many late payments"
    )
    notices = Notification.objects.filter(kind="credit_limit_request_rejected")
    assert sorted(n.recipient_id for n in notices) == sorted([clerk.pk, sales_rep.pk])
    assert notices[0].body == "Too many late payments"


def test_the_requester_cannot_decide_their_own_request(customer, credit_manager, thresholds):
    # given a credit manager's own request
    request = credit_limit_request_create(
        customer_id=customer.pk, user=credit_manager, requested_limit="500", reason="x"
    )
    # when they approve it
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_decide(request_id=request.pk, user=credit_manager, approve=True)
    # then 403 own_request with the reason, and nothing changed
    assert error.value.status_code == 403
    assert error.value.code == "own_request"
    assert "four eyes" in error.value.message
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING
    assert request.first_decided_by is None
    assert _limit(customer) == Decimal("10000.00")
    assert Notification.objects.count() == 0


def test_a_superuser_is_not_exempt_from_four_eyes(customer, thresholds):
    admin = UserFactory(is_superuser=True, is_staff=True)
    request = credit_limit_request_create(
        customer_id=customer.pk, user=admin, requested_limit="500", reason="x"
    )
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_decide(request_id=request.pk, user=admin, approve=True)
    assert error.value.code == "own_request"
    assert _limit(customer) == Decimal("10000.00")


@pytest.mark.parametrize(
    "role", [roles.SALES_REP, roles.COLLECTIONS_CLERK, roles.INTEGRATOR, roles.FINANCE_ADMIN]
)
def test_only_credit_managers_give_the_first_decision(small_request, customer, role):
    user = UserFactory(roles=[role])
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_decide(request_id=small_request.pk, user=user, approve=True)
    assert error.value.code == "role_cannot_decide"
    small_request.refresh_from_db()
    assert small_request.status == LimitRequestStatus.PENDING
    assert _limit(customer) == Decimal("10000.00")


def test_deciding_an_already_decided_request_conflicts(
    small_request, credit_manager, other_credit_manager, customer
):
    credit_limit_request_decide(request_id=small_request.pk, user=credit_manager, approve=True)
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(
            request_id=small_request.pk, user=other_credit_manager, approve=False, comment="No"
        )
    assert error.value.status_code == 409
    assert error.value.code == "limit_request_decided"
    small_request.refresh_from_db()
    assert small_request.status == LimitRequestStatus.APPROVED
    assert small_request.first_decided_by == credit_manager
    assert _limit(customer) == Decimal("25000.00")


def test_a_rejection_needs_a_comment_and_changes_nothing(small_request, credit_manager, customer):
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_decide(request_id=small_request.pk, user=credit_manager, approve=False)
    assert error.value.code == "comment_required"
    small_request.refresh_from_db()
    assert small_request.status == LimitRequestStatus.PENDING


def test_a_rejection_keeps_the_limit(small_request, credit_manager, customer):
    decided = credit_limit_request_decide(
        request_id=small_request.pk, user=credit_manager, approve=False, comment="Not now"
    )
    assert decided.status == LimitRequestStatus.REJECTED
    assert decided.previous_limit is None
    assert _limit(customer) == Decimal("10000.00")


def test_above_the_threshold_the_first_approval_waits_for_a_finance_admin(
    large_request, credit_manager, finance_admin, customer
):
    # when the credit manager approves
    first = credit_limit_request_decide(
        request_id=large_request.pk, user=credit_manager, approve=True, comment="OK by me"
    )
    # then the limit has not changed yet and finance admins are asked
    assert first.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert _limit(customer) == Decimal("10000.00")
    assert list(
        Notification.objects.filter(kind="credit_limit_request_second_approval").values_list(
            "recipient_id", flat=True
        )
    ) == [finance_admin.pk]
    # when the finance admin approves too
    final = credit_limit_request_decide(
        request_id=large_request.pk, user=finance_admin, approve=True, comment="Agreed"
    )
    # then
    final.refresh_from_db()
    assert final.status == LimitRequestStatus.APPROVED
    assert final.second_decided_by == finance_admin
    assert final.previous_limit == Decimal("10000.00")
    assert _limit(customer) == Decimal("250000.00")


def test_a_credit_manager_cannot_give_the_second_approval(
    large_request, credit_manager, other_credit_manager, customer
):
    credit_limit_request_decide(request_id=large_request.pk, user=credit_manager, approve=True)
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_decide(
            request_id=large_request.pk, user=other_credit_manager, approve=True
        )
    assert error.value.code == "role_cannot_decide"
    large_request.refresh_from_db()
    assert large_request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert _limit(customer) == Decimal("10000.00")


def test_the_first_approver_cannot_give_the_second_approval(large_request, customer):
    # given someone who is both credit manager and finance admin approves first
    both = UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN])
    credit_limit_request_decide(request_id=large_request.pk, user=both, approve=True)
    # when they approve again
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_decide(request_id=large_request.pk, user=both, approve=True)
    # then
    assert error.value.code == "same_approver"
    large_request.refresh_from_db()
    assert large_request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert _limit(customer) == Decimal("10000.00")


def test_the_requester_cannot_give_the_second_approval(customer, credit_manager, thresholds):
    requester = UserFactory(roles=[roles.COLLECTIONS_CLERK, roles.FINANCE_ADMIN])
    request = credit_limit_request_create(
        customer_id=customer.pk, user=requester, requested_limit="500000", reason="x"
    )
    credit_limit_request_decide(request_id=request.pk, user=credit_manager, approve=True)
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_decide(request_id=request.pk, user=requester, approve=True)
    assert error.value.code == "own_request"
    assert _limit(customer) == Decimal("10000.00")


def test_the_finance_admin_may_reject_at_the_second_step(
    large_request, credit_manager, finance_admin, customer, sales_rep
):
    credit_limit_request_decide(request_id=large_request.pk, user=credit_manager, approve=True)
    decided = credit_limit_request_decide(
        request_id=large_request.pk, user=finance_admin, approve=False, comment="Too much"
    )
    assert decided.status == LimitRequestStatus.REJECTED
    assert decided.second_comment == "Too much"
    assert _limit(customer) == Decimal("10000.00")
    assert Notification.objects.filter(
        kind="credit_limit_request_rejected", recipient=sales_rep
    ).exists()


def test_a_limit_request_for_a_customer_without_a_profile_creates_it(sales_rep, thresholds):
    from tests.factories.customers import CustomerFactory

    customer = CustomerFactory(sales_rep=sales_rep, currency="EUR")
    manager = UserFactory(roles=[roles.CREDIT_MANAGER])
    request = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="5000", reason="x"
    )
    decided = credit_limit_request_decide(request_id=request.pk, user=manager, approve=True)
    assert decided.previous_limit == Decimal("1000.00")  # the default
    assert _limit(customer) == Decimal("5000.00")


def test_an_inactive_decider_is_refused(small_request):
    manager = UserFactory(roles=[roles.CREDIT_MANAGER], is_active=False)
    with pytest.raises(PermissionDenied):
        credit_limit_request_decide(request_id=small_request.pk, user=manager, approve=True)
    assert Group.objects.filter(name=roles.CREDIT_MANAGER).exists()
