"""Credit-limit requests: asking for a limit and withdrawing the request.

Deciding a request (the four-eyes rule, its steps, applying the limit) is in
``limit_request_decide``; the permissions and the second-approval threshold in
``limit_request_rules``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from credit.models import CreditLimitRequest, CreditProfile, LimitRequestStatus
from credit.models.limits import OPEN_STATUSES
from credit.services._input import in_minor_units
from credit.services.limit_request_rules import (
    ADD_PERMISSION,
    locked_request,
    needs_second_approval,
    text_checked,
)
from credit.services.limits import history_context
from crm.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from customers.models import Customer, CustomerStatus
from customers.selectors import customer_get


def _requested_limit_checked(value: Any, currency: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationFailed.for_field(
            "requested_limit", 'Send the limit as a decimal string such as "25000.00".'
        )
    try:
        amount = Decimal(str(value).strip())
    except (ArithmeticError, ValueError) as error:
        raise ValidationFailed.for_field(
            "requested_limit",
            f'{value!r} is not a number; write the limit as digits and a point, e.g. "25000.00".',
            code="limit_not_a_number",
        ) from error
    if not amount.is_finite() or amount.adjusted() >= 16:
        raise ValidationFailed.for_field(
            "requested_limit",
            f"{value!r} is not a valid limit (at most 16 digits before the point).",
        )
    if amount <= 0:
        raise ValidationFailed.for_field(
            "requested_limit",
            f"The requested limit must be greater than zero; got {amount}. To stop credit, "
            "place a hold instead.",
            code="limit_not_positive",
        )
    return in_minor_units(field="requested_limit", value=amount, currency=currency)


def _customer_for_request(*, customer_id: Any, user: Any) -> Customer:
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        raise ValidationFailed.for_field(
            "customer", f"{customer_id!r} is not a customer id; send the customer's number id."
        ) from None
    customer = customer_get(user=user, customer_id=pk)
    if customer is None:
        raise NotFound(
            f"There is no customer with id {pk} that you can see.", code="customer_not_found"
        )
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationFailed.for_field(
            "customer",
            f"Customer {customer.code} is {customer.status}; credit limits are requested only "
            "for active customers. Reactivate the customer first.",
            code="customer_inactive",
        )
    return customer


def _credit_currency(customer: Customer) -> str:
    """The currency the customer's limit is kept in: its credit profile's. A later
    change of the customer's currency does not convert the profile, so a request
    in the customer's new currency could never be applied."""
    profile_currency = (
        CreditProfile.objects.filter(customer=customer).values_list("currency", flat=True).first()
    )
    return profile_currency or customer.currency


def credit_limit_request_create(
    *,
    customer_id: int,
    user: Any,
    requested_limit: Decimal | str,
    reason: str,
    expires_on: date | None = None,
) -> CreditLimitRequest:
    """Ask for a new limit for a customer (sales reps: their own customers only), in
    the currency of the customer's credit limit."""
    if not (getattr(user, "is_authenticated", False) and user.has_perm(ADD_PERMISSION)):
        raise PermissionDenied(
            "Your role cannot request credit limits (sales reps, clerks and credit managers can).",
            code="role_cannot_request",
        )
    customer = _customer_for_request(customer_id=customer_id, user=user)
    currency = _credit_currency(customer)
    amount = _requested_limit_checked(requested_limit, currency)
    text = text_checked(reason, field="reason", required=True, what="a reason for the limit")
    if expires_on is not None and expires_on <= timezone.localdate():
        raise ValidationFailed.for_field(
            "expires_on",
            f"The expiry date {expires_on.isoformat()} is not in the future; leave it empty for "
            "a limit without expiry.",
            code="expiry_in_the_past",
        )
    try:
        with transaction.atomic(), history_context(user=user, reason=text, source="request"):
            return CreditLimitRequest.objects.create(
                customer=customer,
                requested_by=user,
                requested_limit=amount,
                currency=currency,
                reason=text,
                expires_on=expires_on,
                needs_second_approval=needs_second_approval(
                    requested_limit=amount, currency=currency
                ),
            )
    except IntegrityError as error:
        if not CreditLimitRequest.objects.filter(
            customer=customer, status__in=OPEN_STATUSES
        ).exists():
            raise
        raise Conflict(
            f"Customer {customer.code} already has an open limit request; wait for its "
            "decision or have its requester cancel it.",
            code="limit_request_open",
        ) from error


def credit_limit_request_cancel(*, request_id: int, user: Any) -> CreditLimitRequest:
    """The requester withdraws a request nobody has decided yet."""
    with transaction.atomic(), history_context(user=user, reason="cancelled by requester"):
        request = locked_request(request_id)
        if request.requested_by_id != getattr(user, "pk", None):
            raise PermissionDenied(
                "Only the requester can cancel a limit request.", code="not_requester"
            )
        if request.status != LimitRequestStatus.PENDING:
            raise Conflict(
                f"This request is {request.get_status_display().lower()}; only a pending "
                "request can be cancelled.",
                code="limit_request_decided",
            )
        request.status = LimitRequestStatus.CANCELLED
        request.cancelled_at = timezone.now()
        request.save(update_fields=["status", "cancelled_at", "updated_at"])
    return request
