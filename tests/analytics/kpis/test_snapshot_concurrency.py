"""Two takes of the same day at once on PostgreSQL (a retried task beside a backfill)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

import pytest

from analytics.kpis.services import kpi_snapshot_take
from analytics.models import KpiSnapshot
from receivables.services import invoice_create
from tests.factories.customers import CustomerFactory
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AS_OF = date(2026, 6, 30)


def test_concurrent_takes_of_one_day_both_succeed_with_one_set_of_rows(settings):
    # given a small ledger
    settings.ANALYTICS_KPI_PERIOD_DAYS = 30
    for number in range(3):
        invoice_create(
            customer=CustomerFactory(), number=f"C{number}", issue_date=date(2026, 6, 1),
            due_date=date(2026, 7, 1), total="100.00",
        )  # fmt: skip

    # when four threads take the same day at the same moment (one that fails fails the test)
    stored = run_concurrently([partial(kpi_snapshot_take, as_of=AS_OF)] * 4)

    # then the day holds exactly one row per key, with the right figures
    assert stored == [stored[0]] * 4
    assert KpiSnapshot.objects.filter(as_of=AS_OF).count() == stored[0]
    portfolio = KpiSnapshot.objects.get(as_of=AS_OF, dimension="portfolio", key="")
    assert portfolio.ending_ar == Decimal("300.00")
    assert portfolio.dso == Decimal("30.00")
