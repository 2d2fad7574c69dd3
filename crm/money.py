"""Money helpers: ISO-4217 currencies and the one rounding rule.

Amounts are ``Decimal`` end to end. They are rounded once, with
ROUND_HALF_EVEN, to the currency's minor unit where they are stored.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.db import models

# Minor units of the currencies the product accepts (ISO 4217).
CURRENCY_MINOR_UNITS: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2,
    "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "JPY": 0, "KRW": 0,
    "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2, "PLN": 2, "SAR": 2, "SEK": 2,
    "SGD": 2, "THB": 2, "TRY": 2, "TWD": 2, "USD": 2, "VND": 0, "ZAR": 2, "AED": 2,
}  # fmt: skip

CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_MINOR_UNITS)]

MAX_DIGITS = 18
DECIMAL_PLACES = 2


def is_known_currency(code: str) -> bool:
    return code in CURRENCY_MINOR_UNITS


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round ``amount`` to the minor unit of ``currency`` (ROUND_HALF_EVEN)."""
    if isinstance(amount, float):
        raise TypeError("money must not be a float; pass a Decimal or a string")
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except InvalidOperation as error:
        raise ValueError(f"{amount!r} is not a number") from error
    places = CURRENCY_MINOR_UNITS.get(currency)
    if places is None:
        raise ValueError(f"unknown currency {currency!r}")
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


class MoneyField(models.DecimalField):
    """An amount: DecimalField(max_digits=18, decimal_places=2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


class CurrencyField(models.CharField):
    """An ISO-4217 currency code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", CURRENCY_CHOICES)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, "django.db.models.CharField", args, kwargs
