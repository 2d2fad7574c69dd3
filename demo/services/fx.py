"""Illustrative FX rates for the demo portfolio, so that analytics can report in
the base currency. They are round figures, not market data: a real installation
loads its own dated rates (Analytics › FX rates, or the import)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from analytics.models import FxRate
from analytics.services.fx import fx_rate_save
from receivables.models import Invoice

# Units of USD per unit of the currency.
_USD_PER_UNIT = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CNY": Decimal("0.138"),
    "JPY": Decimal("0.0067"),
    "CHF": Decimal("1.12"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "HKD": Decimal("0.128"),
    "SGD": Decimal("0.74"),
}


@transaction.atomic
def demo_fx_rates_seed(*, valid_from: date) -> list[str]:
    """Write one rate per ledger currency (other than the base) dated ``valid_from``,
    unless a rate of that day exists; returns the currencies written."""
    base = settings.CRM_BASE_CURRENCY
    if base not in _USD_PER_UNIT:
        return []
    currencies = set(Invoice.objects.order_by().values_list("currency", flat=True).distinct())
    written = []
    for currency in sorted(currencies - {base}):
        if currency not in _USD_PER_UNIT:
            continue
        if FxRate.objects.filter(currency=currency, date=valid_from).exists():
            continue
        rate = (_USD_PER_UNIT[currency] / _USD_PER_UNIT[base]).quantize(Decimal("0.000001"))
        fx_rate_save(rate=FxRate(currency=currency, date=valid_from, rate=rate))
        written.append(currency)
    return written
