"""Credit-limit requests and the four-eyes rule.

Every path that decides a request (page, API, admin action, import) calls
``credit_limit_request_decide``; nobody is exempt, superusers included:

- the first decision needs the permission ``credit.decide_creditlimitrequest``
  (credit managers), and the decider must not be the requester;
- a request whose limit is above the threshold of its currency
  (``CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE``) then waits for a second decision
  by someone with ``credit.approve_second_creditlimitrequest`` (finance admins)
  who is neither the requester nor the first approver;
- the limit changes only on the final approval, in the same transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from credit.models import CreditLimitRequest, LimitRequestStatus
from credit.models.limits import OPEN_STATUSES
from credit.services.limits import credit_limit_set, history_context
from crm import roles
from crm.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from crm.money import quantize
from customers.models import Customer, CustomerStatus
from customers.selectors import customer_get
from notifications.services import notification_send

ADD_PERMISSION = "credit.add_creditlimitrequest"
DECIDE_PERMISSION = "credit.decide_creditlimitrequest"
SECOND_APPROVAL_PERMISSION = "credit.approve_second_creditlimitrequest"
_TEXT_LIMIT = 2000


def second_approval_threshold(currency: str) -> Decimal | None:
    """The limit above which a request in ``currency`` needs a second approval;
    None when the currency has no threshold (then every request needs one)."""
    thresholds = getattr(settings, "CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE", {}) or {}
    value = thresholds.get(currency)
    return None if value in (None, "") else quantize(str(value), currency)


def needs_second_approval(*, requested_limit: Decimal, currency: str) -> bool:
    threshold = second_approval_threshold(currency)
    return threshold is None or requested_limit > threshold


# --- creating and cancelling --------------------------------------------------


def _requested_limit_checked(value: Any, currency: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationFailed.for_field(
            "requested_limit", 'Send the limit as a decimal string such as "25000.00".'
        )
    try:
        amount = quantize(Decimal(str(value).strip()), currency)
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
    return amount


def _text_checked(value: str | None, *, field: str, required: bool, what: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.for_field(field, f"Give {what}.", code=f"{field}_required")
    if len(text) > _TEXT_LIMIT:
        raise ValidationFailed.for_field(field, f"Keep {what} under {_TEXT_LIMIT} characters.")
    return text


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


def credit_limit_request_create(
    *,
    customer_id: int,
    user: Any,
    requested_limit: Decimal | str,
    reason: str,
    expires_on: date | None = None,
) -> CreditLimitRequest:
    """Ask for a new limit for a customer (sales reps: their own customers only)."""
    if not (getattr(user, "is_authenticated", False) and user.has_perm(ADD_PERMISSION)):
        raise PermissionDenied(
            "Your role cannot request credit limits (sales reps, clerks and credit managers can).",
            code="role_cannot_request",
        )
    customer = _customer_for_request(customer_id=customer_id, user=user)
    amount = _requested_limit_checked(requested_limit, customer.currency)
    text = _text_checked(reason, field="reason", required=True, what="a reason for the limit")
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
                currency=customer.currency,
                reason=text,
                expires_on=expires_on,
                needs_second_approval=needs_second_approval(
                    requested_limit=amount, currency=customer.currency
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
        request = _locked_request(request_id)
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


# --- deciding -----------------------------------------------------------------


def _locked_request(request_id: Any) -> CreditLimitRequest:
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise NotFound(f"There is no limit request {request_id!r}.") from None
    request = (
        CreditLimitRequest.objects.select_for_update()
        .select_related("customer")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise NotFound(f"There is no limit request with id {pk}.", code="limit_request_not_found")
    return request


def _check_open(request: CreditLimitRequest) -> None:
    if request.status in (LimitRequestStatus.PENDING, LimitRequestStatus.AWAITING_SECOND_APPROVAL):
        return
    raise Conflict(
        f"This request was already {request.get_status_display().lower()}; it cannot be "
        "decided again.",
        code="limit_request_decided",
        extra={"status": request.status},
    )


def _check_first_decider(request: CreditLimitRequest, user: Any) -> None:
    if not user.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied(
            "Only credit managers decide limit requests.", code="role_cannot_decide"
        )
    if request.requested_by_id == user.pk:
        raise PermissionDenied(
            "You requested this limit yourself; four eyes: another credit manager must decide it.",
            code="own_request",
        )


def _check_second_decider(request: CreditLimitRequest, user: Any) -> None:
    if not user.has_perm(SECOND_APPROVAL_PERMISSION):
        raise PermissionDenied(
            "This limit is above the four-eyes threshold: the second decision is a finance "
            "admin's.",
            code="role_cannot_decide",
        )
    if request.requested_by_id == user.pk:
        raise PermissionDenied(
            "You requested this limit yourself; four eyes: someone else must decide it.",
            code="own_request",
        )
    if request.first_decided_by_id == user.pk:
        raise PermissionDenied(
            "You gave the first approval; four eyes: the second must come from another person.",
            code="same_approver",
        )


def credit_limit_request_decide(
    *, request_id: int, user: Any, approve: bool, comment: str = ""
) -> CreditLimitRequest:
    """Approve or reject a request (the only way a request is decided).

    403 ``own_request`` / ``same_approver`` / ``role_cannot_decide``; 409
    ``limit_request_decided`` when someone decided first (the row lock makes
    exactly one of two simultaneous deciders win); 400 without a comment on a
    rejection.
    """
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        raise PermissionDenied("Sign in to decide limit requests.", code="not_authenticated")
    text = _text_checked(
        comment, field="comment", required=not approve, what="a comment saying why you reject it"
    )
    with (
        transaction.atomic(),
        history_context(user=user, reason=text or "approved", source="limit_request_decide"),
    ):
        request = _locked_request(request_id)
        _check_open(request)
        first = request.status == LimitRequestStatus.PENDING
        if first:
            _check_first_decider(request, user)
            request.first_decided_by, request.first_decided_at = user, timezone.now()
            request.first_comment = text
        else:
            _check_second_decider(request, user)
            request.second_decided_by, request.second_decided_at = user, timezone.now()
            request.second_comment = text
        if not approve:
            request.status = LimitRequestStatus.REJECTED
        elif first and request.needs_second_approval:
            request.status = LimitRequestStatus.AWAITING_SECOND_APPROVAL
        else:
            _apply_limit(request, user=user)
            request.status = LimitRequestStatus.APPROVED
        request.save()
        _notify(request)
    return request


def _apply_limit(request: CreditLimitRequest, *, user: Any) -> None:
    profile_currency = (
        request.customer.credit_profile.currency
        if hasattr(request.customer, "credit_profile")
        else request.currency
    )
    if profile_currency != request.currency:
        raise Conflict(
            f"The customer's credit currency is now {profile_currency}, the request is in "
            f"{request.currency}; reject it and request the limit again.",
            code="currency_changed",
        )
    change = credit_limit_set(
        customer_id=request.customer_id,
        new_limit=request.requested_limit,
        expires_on=request.expires_on,
        reason=f"Limit request #{request.pk}: {request.reason}",
        user=user,
        source="limit_request",
    )
    request.previous_limit = change.old_limit


def _notify(request: CreditLimitRequest) -> None:
    customer = request.customer
    url = reverse("credit_limits:customer-limits", args=[customer.pk])
    values = {
        "code": customer.code,
        "limit": f"{request.requested_limit} {request.currency}",
        "number": request.pk,
    }
    if request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL:
        finance_admins = get_user_model().objects.filter(
            groups__name=roles.FINANCE_ADMIN, is_active=True
        )
        notification_send(
            recipient_ids=[
                pk
                for pk in finance_admins.values_list("pk", flat=True)
                if pk not in (request.requested_by_id, request.first_decided_by_id)
            ],
            kind="credit_limit_request_second_approval",
            title=_("Limit request #%(number)s for %(code)s (%(limit)s) needs your approval")
            % values,
            body=request.reason,
            url=reverse("credit_limits:approvals"),
        )
        return
    if request.status == LimitRequestStatus.APPROVED:
        kind = "credit_limit_request_approved"
        title = _("Limit request #%(number)s approved: %(code)s now has %(limit)s") % values
    else:
        kind = "credit_limit_request_rejected"
        title = _("Limit request #%(number)s for %(code)s (%(limit)s) was rejected") % values
    notification_send(
        recipient_ids=[request.requested_by_id, customer.sales_rep_id],
        kind=kind,
        title=title,
        body=request.second_comment or request.first_comment,
        url=url,
    )
