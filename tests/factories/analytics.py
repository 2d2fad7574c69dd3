import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from analytics.models import (
    CustomerMetrics,
    FxRate,
    PipelineChunk,
    PipelineRun,
    TierChange,
    TierRule,
)
from tests.factories.customers import CustomerFactory


class FxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FxRate

    date = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    currency = "EUR"
    rate = Decimal("1.0800000000")


class PipelineRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PipelineRun

    as_of = datetime.date(2026, 11, 20)
    status = "succeeded"
    base_currency = "USD"
    chunk_size = 5000
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)


class PipelineChunkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PipelineChunk

    run = factory.SubFactory(PipelineRunFactory)
    index = factory.Sequence(lambda n: n)
    first_customer_id = factory.Sequence(lambda n: 1 + n * 5000)
    last_customer_id = factory.LazyAttribute(lambda chunk: chunk.first_customer_id + 4999)
    customer_count = 5000
    status = "done"
    attempts = 1


class TierRuleFactory(factory.django.DjangoModelFactory):
    """A bare rule row; rule sets are saved through analytics.tiering.services."""

    class Meta:
        model = TierRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    tier = "normal"
    is_active = False
    position = factory.Sequence(lambda n: 1000 + n)


class CustomerMetricsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerMetrics

    customer = factory.SubFactory(CustomerFactory)
    run = factory.SubFactory(PipelineRunFactory)
    as_of = datetime.date(2026, 11, 20)
    computed_at = factory.LazyFunction(timezone.now)
    base_currency = "USD"
    frequency_12m = 4
    monetary_12m = Decimal("4000.00")
    clv = Decimal("2500.00")
    clv_method = "historic"
    contribution = Decimal("800.00")
    tier = "normal"


class TierChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierChange

    customer = factory.SubFactory(CustomerFactory)
    old_tier = "normal"
    new_tier = "vip"
    rule_name = "VIP: top decile value, pays on time"
    changed_at = factory.LazyFunction(timezone.now)
