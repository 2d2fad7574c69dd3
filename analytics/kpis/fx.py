"""Rates to the base currency for the KPI snapshots (the FX table of analytics.models)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Subquery

from analytics.models import FxRate


def fx_rates_on(*, currencies: Iterable[str], on: date) -> dict[str, Decimal]:
    """The latest rate on or before ``on`` of each currency that has one (one query).

    The base currency converts at exactly 1; a currency without a rate is
    simply absent, so the caller reports it instead of assuming 1.0.
    """
    base = settings.CRM_BASE_CURRENCY
    wanted = set(currencies) - {base}
    rates: dict[str, Decimal] = {base: Decimal(1)}
    if not wanted:
        return rates
    latest = FxRate.objects.filter(currency=OuterRef("currency"), date__lte=on).order_by("-date")
    rows = (
        FxRate.objects.filter(currency__in=wanted, date__lte=on)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .values_list("currency", "rate")
    )
    rates.update(dict(rows))
    return rates
