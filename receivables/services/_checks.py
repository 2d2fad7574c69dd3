"""Input checks shared by the receivables services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from crm.exceptions import ValidationFailed
from crm.money import is_known_currency, quantize

if TYPE_CHECKING:
    from receivables.models import Invoice, Payment

# A single amount stays below 10^13: customer balances add amounts up in the same
# 18 digits (16 before the point), so a larger one overflows the balance.
MAX_AMOUNT = Decimal("9999999999999.99")

# Dates the ledger accepts: far enough out that due dates, buckets and days late
# computed from them never leave the range of a date.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


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
    if amount > MAX_AMOUNT:
        raise ValidationFailed.for_field(
            field,
            f"The amount {amount} is too large; a single amount can be at most {MAX_AMOUNT:,}.",
            code="amount_too_large",
        )
    return amount


def date_checked(value: date, *, field: str) -> date:
    """The date, when the ledger can work with it (1900-01-01 to 2199-12-31)."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationFailed.for_field(
            field,
            f"The date {value.isoformat()} is out of range; use a date from "
            f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}.",
            code="date_out_of_range",
        )
    return value


def allocation_date_checked(
    applied_on: date, *, payment: Payment, invoice: Invoice | None = None, field: str
) -> date:
    """The date an allocation is applied on: not before the payment was received,
    nor before the invoice was issued."""
    date_checked(applied_on, field=field)
    if applied_on < payment.received_date:
        raise ValidationFailed.for_field(
            field,
            f"The allocation cannot be dated {applied_on.isoformat()}, before the payment was "
            f"received on {payment.received_date.isoformat()}; use "
            f"{payment.received_date.isoformat()} or later.",
            code="allocation_before_payment",
        )
    if invoice is not None and applied_on < invoice.issue_date:
        raise ValidationFailed.for_field(
            field,
            f"The allocation cannot be dated {applied_on.isoformat()}, before invoice "
            f"{invoice.number} was issued on {invoice.issue_date.isoformat()}; use "
            f"{invoice.issue_date.isoformat()} or later.",
            code="allocation_before_invoice",
        )
    return applied_on


def actor(user: Any) -> Any:
    """The user to record as having done something, or None for the system."""
    return user if getattr(user, "is_authenticated", False) else None
