from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from credit.models import CreditLimitRequest, CreditProfile, LimitRequestStatus
from credit.services import (
    credit_limit_request_cancel,
    credit_limit_request_create,
    credit_limit_request_decide,
)
from crm import roles
from crm.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from customers.services.customers import customer_update
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_sales_rep_requests_a_limit_for_their_own_customer(sales_rep, customer, thresholds):
    # when
    request = credit_limit_request_create(
        customer_id=customer.pk,
        user=sales_rep,
        requested_limit="25000.0",
        reason=" Bigger orders for the new season ",
    )
    # then
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING
    assert request.requested_limit == Decimal("25000.00")
    assert request.currency == "USD"
    assert request.reason == "Bigger orders for the new season"
    assert request.needs_second_approval is False
    assert request.requested_by == sales_rep


def test_above_the_threshold_of_its_currency_a_request_needs_a_second_approval(
    sales_rep, customer, thresholds
):
    at_threshold = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="100000.00", reason="Growth"
    )
    credit_limit_request_cancel(request_id=at_threshold.pk, user=sales_rep)
    above = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="100000.01", reason="Growth"
    )
    assert at_threshold.needs_second_approval is False
    assert above.needs_second_approval is True


def test_a_currency_without_a_threshold_always_needs_a_second_approval(sales_rep, thresholds):
    customer = CustomerFactory(sales_rep=sales_rep, currency="JPY")
    request = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="1000", reason="Small"
    )
    assert request.requested_limit == Decimal("1000")
    assert request.needs_second_approval is True


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-5.00", "limit_not_positive"),
        ("0", "limit_not_positive"),
        ("abc", "limit_not_a_number"),
        ("", "limit_not_a_number"),
        ("NaN", "invalid"),
        (12.5, "invalid"),
    ],
)
def test_a_limit_that_is_not_a_positive_number_is_refused(sales_rep, customer, value, code):
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_create(
            customer_id=customer.pk, user=sales_rep, requested_limit=value, reason="x"
        )
    assert error.value.code == code
    assert "requested_limit" in error.value.extra["fields"]
    assert CreditLimitRequest.objects.count() == 0


def test_an_unknown_customer_is_not_found(sales_rep):
    with pytest.raises(NotFound) as error:
        credit_limit_request_create(
            customer_id=999_999, user=sales_rep, requested_limit="100", reason="x"
        )
    assert error.value.status_code == 404
    assert "999999" in error.value.message
    assert CreditLimitRequest.objects.count() == 0


def test_a_sales_rep_cannot_request_for_another_reps_customer(sales_rep):
    others = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))
    with pytest.raises(NotFound):
        credit_limit_request_create(
            customer_id=others.pk, user=sales_rep, requested_limit="100", reason="x"
        )
    assert CreditLimitRequest.objects.count() == 0


def test_an_inactive_customer_is_refused_with_the_reason(credit_manager):
    customer = CustomerFactory(status="inactive")
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_create(
            customer_id=customer.pk, user=credit_manager, requested_limit="100", reason="x"
        )
    assert error.value.status_code == 400
    assert error.value.code == "customer_inactive"
    assert "active customers" in error.value.message
    assert CreditLimitRequest.objects.count() == 0


@pytest.mark.parametrize("role", [roles.FINANCE_ADMIN, roles.INTEGRATOR, None])
def test_roles_that_do_not_request_limits_are_refused(role, customer):
    user = UserFactory(roles=[role] if role else [])
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_create(
            customer_id=customer.pk, user=user, requested_limit="100", reason="x"
        )
    assert error.value.code == "role_cannot_request"
    assert CreditLimitRequest.objects.count() == 0


@pytest.mark.parametrize("role", [roles.COLLECTIONS_CLERK, roles.CREDIT_MANAGER])
def test_clerks_and_credit_managers_request_for_any_customer(role, customer):
    user = UserFactory(roles=[role])
    request = credit_limit_request_create(
        customer_id=customer.pk, user=user, requested_limit="100", reason="x"
    )
    assert request.status == LimitRequestStatus.PENDING


def test_a_reason_is_required(sales_rep, customer):
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_create(
            customer_id=customer.pk, user=sales_rep, requested_limit="100", reason="   "
        )
    assert error.value.code == "reason_required"
    assert CreditLimitRequest.objects.count() == 0


def test_an_expiry_date_must_be_in_the_future(sales_rep, customer):
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_create(
            customer_id=customer.pk,
            user=sales_rep,
            requested_limit="100",
            reason="x",
            expires_on=timezone.localdate(),
        )
    assert error.value.code == "expiry_in_the_past"
    assert CreditLimitRequest.objects.count() == 0


def test_a_second_open_request_for_the_same_customer_conflicts(sales_rep, customer, credit_manager):
    first = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="100", reason="x"
    )
    with pytest.raises(Conflict) as error:
        credit_limit_request_create(
            customer_id=customer.pk, user=credit_manager, requested_limit="200", reason="y"
        )
    assert error.value.code == "limit_request_open"
    assert list(CreditLimitRequest.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_requester_cancels_a_pending_request(sales_rep, customer):
    request = credit_limit_request_create(
        customer_id=customer.pk,
        user=sales_rep,
        requested_limit="100",
        reason="x",
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    cancelled = credit_limit_request_cancel(request_id=request.pk, user=sales_rep)
    assert cancelled.status == LimitRequestStatus.CANCELLED
    assert cancelled.cancelled_at is not None


def test_only_the_requester_cancels(sales_rep, customer, credit_manager):
    request = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="100", reason="x"
    )
    with pytest.raises(PermissionDenied) as error:
        credit_limit_request_cancel(request_id=request.pk, user=credit_manager)
    assert error.value.code == "not_requester"
    request.refresh_from_db()
    assert request.status == LimitRequestStatus.PENDING


@pytest.mark.parametrize(
    ("currency", "value", "allowed"),
    [("USD", "25000.005", "at most 2 decimals"), ("JPY", "100.49", "no decimals")],
)
def test_a_limit_with_more_decimals_than_its_currency_is_refused_not_rounded(
    sales_rep, currency, value, allowed
):
    # given
    customer = CustomerFactory(sales_rep=sales_rep, currency=currency)
    # when
    with pytest.raises(ValidationFailed) as error:
        credit_limit_request_create(
            customer_id=customer.pk, user=sales_rep, requested_limit=value, reason="x"
        )
    # then 400 naming the field and the currency's decimals, and nothing is created
    assert error.value.code == "too_many_decimals"
    assert "requested_limit" in error.value.extra["fields"]
    assert currency in error.value.message
    assert allowed in error.value.message
    assert CreditLimitRequest.objects.count() == 0


def test_trailing_zeros_are_not_extra_decimals(sales_rep):
    customer = CustomerFactory(sales_rep=sales_rep, currency="JPY")
    request = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="150000.00", reason="x"
    )
    assert request.requested_limit == Decimal("150000")


def test_after_a_currency_change_requests_are_in_the_limits_currency_and_can_be_approved(
    sales_rep, customer, credit_manager, thresholds
):
    # given a customer whose currency changed after their credit profile was set up in USD
    customer = customer_update(customer=customer, data={"currency": "EUR"})
    assert CreditProfile.objects.get(customer=customer).currency == "USD"
    # when a limit is requested and approved
    request = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="95000", reason="x"
    )
    decided = credit_limit_request_decide(request_id=request.pk, user=credit_manager, approve=True)
    # then the request is in the limit's currency (and its threshold: 95000 <= 100000
    # USD, where the EUR threshold is 90000), and the limit changed
    assert request.currency == "USD"
    assert request.needs_second_approval is False
    assert decided.status == LimitRequestStatus.APPROVED
    profile = CreditProfile.objects.get(customer=customer)
    assert (profile.credit_limit, profile.currency) == (Decimal("95000.00"), "USD")


def test_a_customer_without_a_profile_requests_in_the_customers_currency(sales_rep):
    customer = CustomerFactory(sales_rep=sales_rep, currency="EUR")
    CreditProfile.objects.filter(customer=customer).delete()
    request = credit_limit_request_create(
        customer_id=customer.pk, user=sales_rep, requested_limit="5000", reason="x"
    )
    assert request.currency == "EUR"
