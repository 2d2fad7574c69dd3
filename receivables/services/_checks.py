"""Input checks shared by the receivables services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from crm.exceptions import ValidationFailed
from crm.money import is_known_currency, quantize


def currency_checked(currency: str, *, field: str = "currency") -> str:
    if not is_known_currency(currency or ""):
        raise ValidationFailed.for_field(
            field,
            f"Unknown currency {currency!r}; use an ISO-4217 code such as USD, EUR or CNY.",
            code="unknown_currency",
        )
    return currency


def amount_checked(value: Any, currency: str, *, field: str, allow_zero: bool = False) -> Decimal:
    """Parse and round a money amount; it must be positive (or zero when allowed)."""
    if isinstance(value, float):
        raise ValidationFailed.for_field(field, "Send money as a decimal string, not a float.")
    try:
        amount = quantize(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError) as error:
        raise ValidationFailed.for_field(field, f"{value!r} is not a valid amount.") from error
    if not amount.is_finite():
        raise ValidationFailed.for_field(field, f"{value!r} is not a valid amount.")
    if amount < 0 or (amount == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "greater than zero"
        raise ValidationFailed.for_field(
            field, f"The amount must be {bound}; got {amount}.", code="amount_not_positive"
        )
    if amount.adjusted() >= 16:
        raise ValidationFailed.for_field(
            field, "The amount is too large (at most 16 digits before the point)."
        )
    return amount


def actor(user: Any) -> Any:
    """The user to record as having done something, or None for the system."""
    return user if getattr(user, "is_authenticated", False) else None
