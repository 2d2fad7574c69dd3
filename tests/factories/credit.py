import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from credit.models import CreditBacktest, CreditProfile, CreditScore, CreditScoreLatest
from tests.factories.customers import CustomerFactory


class CreditProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditProfile
        django_get_or_create = ("customer",)

    customer = factory.SubFactory(CustomerFactory)
    credit_limit = Decimal("50000.00")
    currency = factory.LazyAttribute(lambda profile: profile.customer.currency)


# --- credit scoring (#5) ---------------------------------------------------------
class CreditScoreFactory(factory.django.DjangoModelFactory):
    """A stored score (scoring writes these; use credit_scores_compute for real ones)."""

    class Meta:
        model = CreditScore

    customer = factory.SubFactory(CustomerFactory)
    computed_at = factory.LazyFunction(timezone.now)
    as_of = factory.LazyFunction(timezone.localdate)
    score = 640
    grade = "C"
    probability_of_default = Decimal("0.0850")
    version = "test"
    components = factory.LazyFunction(
        lambda: {"days_late": {"value": 12.5, "points": 90.0, "max_points": 260.0}}
    )
    reasons = factory.LazyFunction(
        lambda: [{"component": "days_late", "points_lost": 170.0, "value": 12.5,
                  "text": "Invoices paid in the last 12 months were paid 12.5 days late on "
                          "average (weighted by amount)."}]
    )  # fmt: skip


class CreditScoreLatestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditScoreLatest

    score = factory.SubFactory(CreditScoreFactory)
    customer = factory.SelfAttribute("score.customer")


class CreditBacktestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditBacktest

    computed_at = factory.LazyFunction(timezone.now)
    as_of = datetime.date(2026, 6, 30)
    observation_date = datetime.date(2025, 12, 30)
    version = "test"
    customers = 100
    defaults = 20
    auc = 0.81
    gini = 0.62
    ks = 0.48
