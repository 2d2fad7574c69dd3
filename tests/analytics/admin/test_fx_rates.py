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


def test_fx_rate_save_refuses_a_second_rate_for_the_same_day_and_a_non_positive_rate():
    from analytics.services.fx import fx_rate_save
    from crm.exceptions import ValidationFailed

    # given
    FxRate.objects.create(date="2026-11-01", currency="EUR", rate="1.08")

    # when / then
    with pytest.raises(ValidationFailed, match="already a EUR rate for 2026-11-01"):
        fx_rate_save(rate=FxRate(date="2026-11-01", currency="EUR", rate=Decimal("1.09")))
    with pytest.raises(ValidationFailed, match="must be a positive number"):
        fx_rate_save(rate=FxRate(date="2026-11-02", currency="EUR", rate=Decimal("0")))
    assert list(FxRate.objects.values_list("rate", flat=True)) == [Decimal("1.0800000000")]


def test_the_admin_adds_a_rate_through_the_service(staff_client):
    from django.urls import reverse

    from crm import roles

    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)

    # when
    response = client.post(
        reverse("admin:analytics_fxrate_add"),
        {"date": "2026-11-01", "currency": "GBP", "rate": "1.2700000000"},
    )

    # then
    assert response.status_code == 302
    assert FxRate.objects.get(currency="GBP").rate == Decimal("1.2700000000")


@pytest.mark.parametrize("page", ["admin:analytics_fxrate_import", "admin:analytics_fxrate_export"])
def test_staff_without_fx_permissions_may_neither_import_nor_export_rates(staff_client, page):
    from django.urls import reverse

    from crm import roles

    # given a sales rep with admin access but no FX-rate permission
    client, _user = staff_client(roles.SALES_REP)
    # when / then (the rates drive every base-currency figure)
    assert client.get(reverse(page)).status_code == 403


def test_a_finance_admin_may_import_rates(staff_client):
    from django.urls import reverse

    from crm import roles

    client, _user = staff_client(roles.FINANCE_ADMIN)
    assert client.get(reverse("admin:analytics_fxrate_import")).status_code == 200
