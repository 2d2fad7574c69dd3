"""Checks of money input shared by the credit services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from crm.exceptions import ValidationFailed
from crm.money import quantize

REFERENCE_MAX_LENGTH = 64


def clean_amount(*, field: str, amount: Decimal | str | int, currency: str) -> Decimal:
    """A positive amount, rounded to the currency's minor unit."""
    if isinstance(amount, float | bool):
        raise ValidationFailed.for_field(
            field, 'Send the amount as a decimal string such as "1250.50".'
        )
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed.for_field(
            field, f'{amount!r} is not a number; send a decimal string such as "1250.50".'
        ) from None
    if not value.is_finite() or value <= 0:
        raise ValidationFailed.for_field(
            field, f"The amount must be greater than zero; got {amount}."
        )
    value = quantize(value, currency)
    if value <= 0 or value.adjusted() >= 16:
        raise ValidationFailed.for_field(field, f"{amount} is not a usable amount in {currency}.")
    return value


def clean_currency(*, currency: str, expected: str) -> str:
    code = (currency or "").strip().upper()
    if code != expected:
        raise ValidationFailed.for_field(
            "currency",
            f"The customer's credit is kept in {expected}; send the amount in {expected} "
            f"(got {currency or 'nothing'}).",
            code="currency_mismatch",
        )
    return code


def clean_reference(*, field: str, reference: str) -> str:
    cleaned = (reference or "").strip()
    if not cleaned:
        raise ValidationFailed.for_field(field, "Give the order's reference in your system.")
    if len(cleaned) > REFERENCE_MAX_LENGTH:
        raise ValidationFailed.for_field(
            field, f"Keep the reference to {REFERENCE_MAX_LENGTH} characters or fewer."
        )
    return cleaned
