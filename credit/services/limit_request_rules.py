"""The rules every credit-limit request service shares: who may request and
decide, when a request needs a second approval, and the checks of a request's
text and of its row lock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from credit.models import CreditLimitRequest
from crm.exceptions import NotFound, ValidationFailed
from crm.money import quantize

ADD_PERMISSION = "credit.add_creditlimitrequest"
DECIDE_PERMISSION = "credit.decide_creditlimitrequest"
SECOND_APPROVAL_PERMISSION = "credit.approve_second_creditlimitrequest"
TEXT_LIMIT = 2000


def second_approval_threshold(currency: str) -> Decimal | None:
    """The limit above which a request in ``currency`` needs a second approval;
    None when the currency has no threshold (then every request needs one)."""
    thresholds = getattr(settings, "CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE", {}) or {}
    value = thresholds.get(currency)
    return None if value in (None, "") else quantize(str(value), currency)


def needs_second_approval(*, requested_limit: Decimal, currency: str) -> bool:
    threshold = second_approval_threshold(currency)
    return threshold is None or requested_limit > threshold


def text_checked(value: str | None, *, field: str, required: bool, what: str) -> str:
    """A reason or comment, stripped; 400 when required and empty or too long."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.for_field(field, f"Give {what}.", code=f"{field}_required")
    if len(text) > TEXT_LIMIT:
        raise ValidationFailed.for_field(field, f"Keep {what} under {TEXT_LIMIT} characters.")
    return text


def locked_request(request_id: Any) -> CreditLimitRequest:
    """The request with its customer, locked for update (404 when there is none)."""
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
