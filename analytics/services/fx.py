"""Writing FX rates (the admin and the import use the same rules)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from analytics.models import FxRate
from crm.exceptions import ValidationFailed
from crm.money import is_known_currency


@transaction.atomic
def fx_rate_save(*, rate: FxRate) -> FxRate:
    """Save one dated rate to the base currency; unknown currencies and non-positive rates refused."""
    if not is_known_currency(rate.currency or ""):
        raise ValidationFailed.for_field(
            "currency", f"Unknown currency {rate.currency!r}; use an ISO 4217 code such as EUR."
        )
    if rate.rate is None or not Decimal(rate.rate).is_finite() or Decimal(rate.rate) <= 0:
        raise ValidationFailed.for_field(
            "rate", f"Rate {rate.rate} must be a positive number (base-currency units per unit)."
        )
    duplicate = FxRate.objects.filter(currency=rate.currency, date=rate.date).exclude(pk=rate.pk)
    if duplicate.exists():
        raise ValidationFailed.for_field(
            "date", f"There is already a {rate.currency} rate for {rate.date}; change that one."
        )
    rate.save()
    return rate
