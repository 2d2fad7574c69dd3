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
from tests.factories.credit import CreditLimitRequestFactory

pytestmark = pytest.mark.django_db

PENDING = LimitRequestStatus.PENDING
AWAITING = LimitRequestStatus.AWAITING_SECOND_APPROVAL


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
        credit_limit_request_decide(
            request_id=request.pk, user=admin, approve=True, expected_status=PENDING
        )
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
            request_id=large_request.pk,
            user=other_credit_manager,
            approve=True,
            expected_status=AWAITING,
        )
    assert error.value.code == "role_cannot_decide"
    large_request.refresh_from_db()
    assert large_request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL
    assert _limit(customer) == Decimal("10000.00")


def test_the_first_approver_cannot_give_the_second_approval(large_request, customer):
    # given someone who is both credit manager and finance admin approves first
    both = UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN])
    credit_limit_request_decide(
        request_id=large_request.pk, user=both, approve=True, expected_status=PENDING
    )
    # when they approve again, at the second step
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_decide(
            request_id=large_request.pk, user=both, approve=True, expected_status=AWAITING
        )
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


# --- the step a decider states (four eyes under concurrency) -------------------


def test_a_stale_first_approval_by_someone_with_both_roles_is_a_409_not_a_second_approval(
    large_request, credit_manager, customer
):
    # given a finance admin who is also a credit manager, looking at the pending request,
    # and a credit manager giving the first approval first
    both = UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN])
    credit_limit_request_decide(
        request_id=large_request.pk, user=credit_manager, approve=True, expected_status=PENDING
    )
    # when their click, meant as the first approval, arrives
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(
            request_id=large_request.pk, user=both, approve=True, expected_status=PENDING
        )
    # then 409: the request moved on, and nobody gave the second approval
    assert error.value.code == "limit_request_decided"
    assert credit_manager.username in error.value.message
    assert "reload" in error.value.message
    assert error.value.extra["status"] == AWAITING
    large_request.refresh_from_db()
    assert large_request.status == AWAITING
    assert large_request.second_decided_by is None
    assert _limit(customer) == Decimal("10000.00")


def test_a_superusers_stale_first_approval_is_a_409(large_request, credit_manager, customer):
    admin = UserFactory(is_superuser=True, is_staff=True)
    credit_limit_request_decide(request_id=large_request.pk, user=credit_manager, approve=True)
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(
            request_id=large_request.pk, user=admin, approve=True, expected_status=PENDING
        )
    assert error.value.code == "limit_request_decided"
    large_request.refresh_from_db()
    assert large_request.status == AWAITING
    assert _limit(customer) == Decimal("10000.00")


def test_a_plain_credit_manager_whose_click_lost_gets_409_not_403(
    large_request, credit_manager, other_credit_manager, customer
):
    credit_limit_request_decide(request_id=large_request.pk, user=credit_manager, approve=True)
    # the step is implied by the role (a credit manager only gives first decisions)
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(
            request_id=large_request.pk, user=other_credit_manager, approve=True
        )
    assert error.value.status_code == 409
    assert error.value.code == "limit_request_decided"
    assert "moved on" in error.value.message
    large_request.refresh_from_db()
    assert large_request.status == AWAITING
    assert large_request.first_decided_by == credit_manager


def test_someone_with_both_roles_must_say_which_step(large_request, customer):
    both = UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN])
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_decide(request_id=large_request.pk, user=both, approve=True)
    assert error.value.code == "expected_status_required"
    assert "expected_status" in error.value.extra["fields"]
    large_request.refresh_from_db()
    assert large_request.status == PENDING
    assert large_request.first_decided_by is None


def test_the_second_step_on_a_pending_request_is_refused(large_request, customer):
    both = UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN])
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(
            request_id=large_request.pk, user=both, approve=True, expected_status=AWAITING
        )
    assert error.value.code == "limit_request_not_at_step"
    large_request.refresh_from_db()
    assert large_request.status == PENDING
    assert large_request.first_decided_by is None


@pytest.mark.parametrize("value", ["approved", "first", "cancelled"])
def test_a_step_that_is_not_decided_is_a_400(small_request, credit_manager, value):
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_decide(
            request_id=small_request.pk, user=credit_manager, approve=True, expected_status=value
        )
    assert "expected_status" in error.value.extra["fields"]
    small_request.refresh_from_db()
    assert small_request.status == PENDING


def test_with_the_step_stated_the_two_approvals_go_through(large_request, credit_manager, customer):
    both = UserFactory(roles=[roles.CREDIT_MANAGER, roles.FINANCE_ADMIN])
    credit_limit_request_decide(
        request_id=large_request.pk, user=credit_manager, approve=True, expected_status=PENDING
    )
    decided = credit_limit_request_decide(
        request_id=large_request.pk, user=both, approve=True, expected_status=AWAITING
    )
    assert decided.status == LimitRequestStatus.APPROVED
    assert decided.second_decided_by == both
    assert _limit(customer) == Decimal("250000.00")


# --- expiry and currency --------------------------------------------------------


def _past_expiry(request, days: int = 3):
    """A request filed with an expiry date that has passed while it waited."""
    expires_on = timezone.localdate() - timedelta(days=days)
    type(request).objects.filter(pk=request.pk).update(expires_on=expires_on)
    return expires_on


def test_approving_a_request_whose_expiry_date_passed_is_a_409(
    small_request, credit_manager, customer
):
    # given
    expires_on = _past_expiry(small_request)
    # when
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(
            request_id=small_request.pk, user=credit_manager, approve=True, comment="ok"
        )
    # then refused with the date and what to do, and nothing changed
    assert error.value.code == "limit_request_expired"
    assert expires_on.isoformat() in error.value.message
    assert "Reject it and request again" in error.value.message
    small_request.refresh_from_db()
    assert small_request.status == PENDING
    assert small_request.first_decided_by is None
    profile = CreditProfile.objects.get(customer=customer)
    assert (profile.credit_limit, profile.limit_expires_on) == (Decimal("10000.00"), None)


def test_a_request_whose_expiry_date_passed_can_still_be_rejected(
    small_request, credit_manager, customer
):
    _past_expiry(small_request)
    decided = credit_limit_request_decide(
        request_id=small_request.pk, user=credit_manager, approve=False, comment="Expired"
    )
    assert decided.status == LimitRequestStatus.REJECTED
    assert _limit(customer) == Decimal("10000.00")


def test_the_second_approval_of_a_request_whose_expiry_date_passed_is_a_409(
    sales_rep, customer, credit_manager, finance_admin, thresholds
):
    request = credit_limit_request_create(
        customer_id=customer.pk,
        user=sales_rep,
        requested_limit="250000",
        reason="x",
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    credit_limit_request_decide(request_id=request.pk, user=credit_manager, approve=True)
    _past_expiry(request, days=1)
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(request_id=request.pk, user=finance_admin, approve=True)
    assert error.value.code == "limit_request_expired"
    request.refresh_from_db()
    assert request.status == AWAITING
    assert _limit(customer) == Decimal("10000.00")


def test_a_request_expiring_today_is_still_approved(small_request, credit_manager, customer):
    today = timezone.localdate()
    type(small_request).objects.filter(pk=small_request.pk).update(expires_on=today)
    decided = credit_limit_request_decide(
        request_id=small_request.pk, user=credit_manager, approve=True
    )
    assert decided.status == LimitRequestStatus.APPROVED
    assert CreditProfile.objects.get(customer=customer).limit_expires_on == today


def test_a_request_in_another_currency_than_the_limit_says_how_to_fix_it(
    customer, sales_rep, credit_manager, thresholds
):
    # given a request left in another currency than the customer's limit (made before
    # requests followed the credit profile's currency)
    request = CreditLimitRequestFactory(
        customer=customer, requested_by=sales_rep, requested_limit=Decimal("500.00"), currency="EUR"
    )
    # when
    with pytest.raises(Conflict) as error:
        credit_limit_request_decide(request_id=request.pk, user=credit_manager, approve=True)
    # then
    assert error.value.code == "currency_changed"
    assert "kept in USD" in error.value.message
    assert "Reject this request and request the limit again" in error.value.message
    assert _limit(customer) == Decimal("10000.00")
    # and rejecting it, as told, works
    credit_limit_request_decide(
        request_id=request.pk, user=credit_manager, approve=False, comment="currency"
    )
