import datetime
from decimal import Decimal

import factory

from analytics.models import KpiDimension, KpiSnapshot


class KpiSnapshotFactory(factory.django.DjangoModelFactory):
    """A stored portfolio KPI row (derived data: ``kpi_snapshot_take`` writes it)."""

    class Meta:
        model = KpiSnapshot

    as_of = factory.Sequence(lambda n: datetime.date(2026, 6, 30) - datetime.timedelta(days=n))
    dimension = KpiDimension.PORTFOLIO
    key = ""
    currency = "USD"
    period_days = 90
    beginning_ar = Decimal("2600.00")
    ending_ar = Decimal("4600.00")
    ending_current_ar = Decimal("4100.00")
    ar_over_90 = Decimal("500.00")
    credit_sales = Decimal("4300.00")
    write_offs = Decimal("800.00")
    dso = Decimal("96.28")
