"""The FX rates a run converts with: the latest of each currency on or before the as-of date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from analytics.models import FxRate


def fx_rates_as_of(*, as_of: date, base_currency: str) -> dict[str, Decimal]:
    """The latest rate of each currency dated on or before ``as_of``; the base currency is 1."""
    rates: dict[str, Decimal] = {}
    for currency, rate in (
        FxRate.objects.filter(date__lte=as_of)
        .order_by("currency", "date")
        .values_list("currency", "rate")
    ):
        rates[currency] = rate  # ordered by date: the last one wins
    rates[base_currency] = Decimal(1)
    return rates
