"""FX rates import: exact Decimal rates, known currencies, all or nothing."""

from decimal import Decimal

import pytest
import tablib

from analytics.models import FxRate
from analytics.resources import FxRateResource
from crm.imports import import_error_lines

pytestmark = pytest.mark.django_db


def _dataset(*lines: str) -> tablib.Dataset:
    return tablib.Dataset().load("date,currency,rate\n" + "\n".join(lines), format="csv")


def test_import_stores_exact_rates_and_updates_a_known_date():
    # given
    FxRate.objects.create(date="2026-11-01", currency="EUR", rate="1.0000000000")

    # when
    result = FxRateResource().import_data(
        _dataset("2026-11-01,EUR,1.0842123456", "2026-11-01,gbp,1.27"), dry_run=False
    )

    # then
    assert import_error_lines(result) == []
    assert FxRate.objects.get(currency="EUR").rate == Decimal("1.0842123456")
    assert FxRate.objects.get(currency="GBP").rate == Decimal("1.2700000000")


def test_a_bad_row_writes_nothing():
    # when
    result = FxRateResource().import_data(
        _dataset("2026-11-01,EUR,1.08", "2026-11-01,XYZ,2", "2026-11-02,EUR,-1"), dry_run=False
    )

    # then
    assert FxRate.objects.count() == 0
    lines = "\n".join(import_error_lines(result))
    assert "Unknown currency 'XYZ'" in lines
    assert "must be a positive number" in lines
