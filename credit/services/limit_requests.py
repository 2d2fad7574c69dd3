"""Credit-limit requests and the four-eyes rule.

Every path that decides a request (page, API, admin action, import) calls
``credit_limit_request_decide``; nobody is exempt, superusers included:

- the first decision needs the permission ``credit.decide_creditlimitrequest``
  (credit managers), and the decider must not be the requester;
- a request whose limit is above the threshold of its currency
  (``CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE``) then waits for a second decision
  by someone with ``credit.approve_second_creditlimitrequest`` (finance admins)
  who is neither the requester nor the first approver;
- the limit changes only on the final approval, in the same transaction;
- every decision states the step it decides (``expected_status``: the status the
  decider saw). A request that moved on meanwhile answers 409
  ``limit_request_decided``: a click meant as a first approval never counts as
  the second one.
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

from credit.models import CreditLimitRequest, CreditProfile, LimitRequestStatus
from credit.models.limits import OPEN_STATUSES
from credit.services._input import in_minor_units
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


def _expected_status_checked(expected_status: str | None, user: Any) -> str:
    """The step the decider means: the status they saw (``pending``: the first
    decision; ``awaiting_second_approval``: the second). Left out, it follows from
    the role when the role can take only one of the two steps; someone who can
    take both (a credit manager who is also a finance admin, a superuser) must say."""
    can_first = user.has_perm(DECIDE_PERMISSION)
    can_second = user.has_perm(SECOND_APPROVAL_PERMISSION)
    if not (can_first or can_second):
        raise PermissionDenied(
            "Only credit managers (first decision) and finance admins (second approval) "
            "decide limit requests.",
            code="role_cannot_decide",
        )
    if expected_status in (None, ""):
        if can_first and can_second:
            raise ValidationFailed.for_field(
                "expected_status",
                "You may give both the first and the second approval, so say which step you "
                'decide: expected_status "pending" for the first decision or '
                '"awaiting_second_approval" for the second (the status you saw).',
                code="expected_status_required",
            )
        return (
            LimitRequestStatus.AWAITING_SECOND_APPROVAL
            if can_second
            else LimitRequestStatus.PENDING
        )
    if expected_status not in OPEN_STATUSES:
        raise ValidationFailed.for_field(
            "expected_status",
            f'{expected_status!r} is not a step that is decided; send "pending" for the first '
            'decision or "awaiting_second_approval" for the second.',
        )
    return str(expected_status)


def _who(user: Any) -> str:
    return user.get_username() if user is not None else "someone"


def _check_open(request: CreditLimitRequest) -> None:
    if request.status in OPEN_STATUSES:
        return
    decider = request.second_decided_by or request.first_decided_by
    by = f" by {_who(decider)}" if decider is not None else ""
    raise Conflict(
        f"Limit request #{request.pk} was already {request.get_status_display().lower()}{by}; "
        "it cannot be decided again. Reload to see it.",
        code="limit_request_decided",
        extra={"status": request.status},
    )


def _check_step(request: CreditLimitRequest, *, expected_status: str, user: Any) -> None:
    """409 when the request is no longer (or not yet) at the step the decider saw."""
    if request.status == expected_status:
        return
    extra = {"status": request.status, "expected_status": expected_status}
    if request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL:
        at = (
            timezone.localtime(request.first_decided_at).strftime(" at %Y-%m-%d %H:%M")
            if request.first_decided_at
            else ""
        )
        raise Conflict(
            f"Limit request #{request.pk} moved on: {_who(request.first_decided_by)} already "
            f"gave the first approval{at}, and it now waits for the second approval. "
            "Your decision was not recorded; reload to see the request and decide its "
            "current step if it is yours.",
            code="limit_request_decided",
            extra=extra,
        )
    # still pending, and the decider meant the second approval
    _check_first_decider(request, user)  # a finance admin only: 403 role_cannot_decide
    raise Conflict(
        f"Limit request #{request.pk} still waits for its first decision, not the second "
        "approval; reload the page and decide the first step.",
        code="limit_request_not_at_step",
        extra=extra,
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


def _check_not_expired(request: CreditLimitRequest) -> None:
    if request.expires_on is None or request.expires_on >= timezone.localdate():
        return
    raise Conflict(
        f"The requested expiry date passed on {request.expires_on.isoformat()}: approving "
        f"limit request #{request.pk} would set a limit that has already expired. Reject it "
        "and request again with a later expiry date or none.",
        code="limit_request_expired",
        extra={"expires_on": request.expires_on.isoformat()},
    )


def credit_limit_request_decide(
    *,
    request_id: int,
    user: Any,
    approve: bool,
    expected_status: str | None = None,
    comment: str = "",
) -> CreditLimitRequest:
    """Approve or reject a request (the only way a request is decided).

    ``expected_status`` is the step the caller decides: the status it saw
    (``pending`` for the first decision, ``awaiting_second_approval`` for the
    second). Every interface passes it; left out it follows from the role, and
    someone who may take both steps gets 400 ``expected_status_required``.

    403 ``own_request`` / ``same_approver`` / ``role_cannot_decide``; 409
    ``limit_request_decided`` when the request is decided or moved on to another
    step meanwhile (the row lock makes exactly one of two simultaneous deciders
    win), 409 ``limit_request_expired`` when approving a request whose expiry date
    has passed; 400 without a comment on a rejection.
    """
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        raise PermissionDenied("Sign in to decide limit requests.", code="not_authenticated")
    step = _expected_status_checked(expected_status, user)
    text = _text_checked(
        comment, field="comment", required=not approve, what="a comment saying why you reject it"
    )
    with (
        transaction.atomic(),
        history_context(user=user, reason=text or "approved", source="limit_request_decide"),
    ):
        request = _locked_request(request_id)
        _check_open(request)
        _check_step(request, expected_status=step, user=user)
        first = step == LimitRequestStatus.PENDING
        if first:
            _check_first_decider(request, user)
        else:
            _check_second_decider(request, user)
        if approve:
            _check_not_expired(request)
        if first:
            request.first_decided_by, request.first_decided_at = user, timezone.now()
            request.first_comment = text
        else:
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
            f"Limit request #{request.pk} is in {request.currency}, but the customer's credit "
            f"limit is kept in {profile_currency}, so it cannot be applied. Reject this request "
            f"and request the limit again: a new request is made in {profile_currency}.",
            code="currency_changed",
            extra={"request_currency": request.currency, "credit_currency": profile_currency},
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
