"""The credit check an order goes through before it is accepted.

Pass when the customer is not on hold, has no grade E, exposure plus the
order stays within the limit, and the overdue balance and the age of the
oldest overdue invoice stay within their settings. Every answer is stored,
once per customer and order reference: asking again returns the stored
answer and logs nothing new.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from credit.models import CreditCheck, CreditCheckResult
from credit.selectors import CreditPosition, credit_position_get
from credit.services._input import clean_amount, clean_currency, clean_reference
from credit.services.profiles import credit_profile_ensure
from crm.db import insert_unless_exists
from crm.exceptions import Conflict, NotFound
from crm.money import quantize
from customers.selectors import customer_list


def _max_overdue_amount(currency: str) -> Decimal:
    return quantize(str(settings.CRM_CREDIT_CHECK_MAX_OVERDUE_AMOUNT), currency)


def credit_check_reasons(
    *, position: CreditPosition, order_amount: Decimal
) -> list[dict[str, str]]:
    """Why an order of ``order_amount`` would fail, as [{code, message}]; empty = pass."""
    reasons: list[dict[str, str]] = []
    profile, currency = position.profile, position.currency
    if profile.is_on_hold:
        reasons.append({
            "code": "on_hold",
            "message": _("The customer is on credit hold: %(reason)s") % {"reason": profile.hold_reason},
        })  # fmt: skip
    if position.exposure + order_amount > position.credit_limit:
        reasons.append({
            "code": "over_limit",
            "message": _(
                "Exposure %(exposure)s plus this order %(amount)s exceeds the limit of "
                "%(limit)s %(currency)s by %(excess)s."
            ) % {
                "exposure": position.exposure, "amount": order_amount,
                "limit": position.credit_limit, "currency": currency,
                "excess": position.exposure + order_amount - position.credit_limit,
            },
        })  # fmt: skip
    if position.customer.risk_grade == "E":
        reasons.append({
            "code": "grade_e",
            "message": _("The customer's risk grade is E."),
        })  # fmt: skip
    max_overdue = _max_overdue_amount(currency)
    if position.overdue > max_overdue:
        reasons.append({
            "code": "overdue_amount",
            "message": _("%(overdue)s %(currency)s is overdue; at most %(allowed)s may be.")
            % {"overdue": position.overdue, "currency": currency, "allowed": max_overdue},
        })  # fmt: skip
    days = position.days_overdue(as_of=timezone.localdate())
    max_days = settings.CRM_CREDIT_CHECK_MAX_OVERDUE_DAYS
    if days > max_days:
        reasons.append({
            "code": "overdue_age",
            "message": _("An invoice is %(days)s days past due; at most %(allowed)s days are allowed.")
            % {"days": days, "allowed": max_days},
        })  # fmt: skip
    return reasons


def _position(*, customer_id: int, user: AbstractBaseUser, reference: str) -> CreditPosition:
    position = credit_position_get(
        customer_id=customer_id, user=user, exclude_order_reference=reference
    )
    if position is None and customer_list(user=user).filter(pk=customer_id).exists():
        # A visible customer without a profile yet (bulk-loaded): give it the default one.
        credit_profile_ensure(customer_id=customer_id)
        position = credit_position_get(
            customer_id=customer_id, user=user, exclude_order_reference=reference
        )
    if position is None:
        raise NotFound(
            f"There is no customer with id {customer_id} that you can see; "
            "check the id (sales reps see only their own customers).",
            code="customer_not_found",
        )
    return position


def _same_order(check: CreditCheck, *, amount: Decimal, currency: str) -> CreditCheck:
    if check.order_amount != amount or check.currency != currency:
        raise Conflict(
            f"The order {check.order_reference} was already checked for {check.order_amount} "
            f"{check.currency}; a changed order needs a new order reference.",
            code="order_reference_reused",
        )
    return check


def credit_check_run(
    *,
    customer_id: int,
    order_amount: Decimal | str,
    currency: str,
    order_reference: str,
    user: AbstractBaseUser,
) -> tuple[CreditCheck, bool]:
    """Check an order and log the answer; returns (check, created).

    The same customer and order reference give the stored answer back
    (created False); the same reference with another amount is a 409.
    """
    reference = clean_reference(field="order_reference", reference=order_reference)
    position = _position(customer_id=customer_id, user=user, reference=reference)
    currency = clean_currency(currency=currency, expected=position.currency)
    amount = clean_amount(field="order_amount", amount=order_amount, currency=currency)
    reasons = credit_check_reasons(position=position, order_amount=amount)
    check = CreditCheck(
        customer_id=customer_id,
        order_reference=reference,
        order_amount=amount,
        currency=currency,
        result=CreditCheckResult.FAIL if reasons else CreditCheckResult.PASS,
        credit_limit=position.credit_limit,
        exposure=position.exposure,
        available_credit=position.available_credit,
        reasons=reasons,
        requested_by=user if user.is_authenticated else None,
    )
    # One statement whether the order is new, asked again, or checked at the same
    # moment by another request: the stored answer wins and is given back.
    if insert_unless_exists(check, unique_fields=["customer", "order_reference"]):
        return check, True
    stored = CreditCheck.objects.get(customer_id=customer_id, order_reference=reference)
    return _same_order(stored, amount=amount, currency=currency), False
