"""Deciding credit-limit requests: the four-eyes rule, its steps, and applying
the limit.

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

from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.models import CreditLimitRequest, LimitRequestStatus
from credit.models.limits import OPEN_STATUSES
from credit.services.limit_request_notifications import limit_request_decision_notify
from credit.services.limit_request_rules import (
    DECIDE_PERMISSION,
    SECOND_APPROVAL_PERMISSION,
    locked_request,
    text_checked,
)
from credit.services.limits import credit_limit_set, history_context
from crm.exceptions import Conflict, PermissionDenied, ValidationFailed


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
    text = text_checked(
        comment, field="comment", required=not approve, what="a comment saying why you reject it"
    )
    with (
        transaction.atomic(),
        history_context(user=user, reason=text or "approved", source="limit_request_decide"),
    ):
        request = locked_request(request_id)
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
        limit_request_decision_notify(request)
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
