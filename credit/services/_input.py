"""Checks of money input shared by the credit services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from crm.exceptions import ValidationFailed
from crm.money import CURRENCY_MINOR_UNITS, quantize

REFERENCE_MAX_LENGTH = 64


def clean_amount(
    *,
    field: str,
    amount: Decimal | str | int,
    currency: str,
    rounds_to_minor_unit: bool = False,
) -> Decimal:
    """A positive amount with no more decimals than the currency's minor unit.

    Not rounded unless ``rounds_to_minor_unit`` (open orders, whose report replaces
    the amount by reference): "100.49" JPY is refused (400 ``too_many_decimals``),
    so an idempotent credit check can never take two amounts for the same one.
    """
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
    if value.adjusted() >= 16:
        raise ValidationFailed.for_field(field, f"{amount} is not a usable amount in {currency}.")
    if rounds_to_minor_unit:
        value = quantize(value, currency)
        if value <= 0:
            raise ValidationFailed.for_field(
                field, f"{amount} is not a usable amount in {currency}."
            )
        return value
    return in_minor_units(field=field, value=value, currency=currency)


def in_minor_units(*, field: str, value: Decimal, currency: str) -> Decimal:
    """``value`` at the currency's minor unit, refusing (not rounding) extra digits;
    trailing zeros are fine ("100.00" JPY is 100)."""
    exact = quantize(value, currency)
    if exact != value:
        places = CURRENCY_MINOR_UNITS[currency]
        allowed = "no decimals (whole units only)" if places == 0 else f"at most {places} decimals"
        raise ValidationFailed.for_field(
            field,
            f"{field} {value} has too many decimals: {currency} amounts have {allowed}. "
            f"Send the exact amount, e.g. {exact}; nothing is rounded for you.",
            code="too_many_decimals",
        )
    return exact


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
