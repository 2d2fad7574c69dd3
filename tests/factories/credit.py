import datetime
from decimal import Decimal

import factory
from django.db import connection
from django.utils import timezone

from credit.models import (
    CreditBacktest,
    CreditCheck,
    CreditCheckResult,
    CreditHoldEvent,
    CreditLimitRequest,
    CreditLimitRequestEvent,
    CreditProfile,
    CreditProfileEvent,
    CreditReview,
    CreditReviewSchedule,
    CreditScore,
    CreditScoreLatest,
    HoldAction,
    HoldSource,
    OpenOrder,
    ReviewDecision,
)
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory


class CreditProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditProfile
        django_get_or_create = ("customer",)

    customer = factory.SubFactory(CustomerFactory)
    credit_limit = Decimal("50000.00")
    currency = factory.LazyAttribute(lambda profile: profile.customer.currency)


# --- Credit operations (issue #5) ---------------------------------------------
class CreditHoldEventFactory(factory.django.DjangoModelFactory):
    """A recorded manual hold (the service also sets the profile's hold state)."""

    class Meta:
        model = CreditHoldEvent

    customer = factory.SubFactory(CustomerFactory)
    action = HoldAction.PLACE
    source = HoldSource.MANUAL
    reason = "Cheque bounced"


class OpenOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpenOrder

    customer = factory.SubFactory(CustomerFactory)
    external_reference = factory.Sequence(lambda n: f"SO-{n:06d}")
    amount = Decimal("250.00")
    currency = factory.LazyAttribute(lambda order: order.customer.currency)


class CreditCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditCheck

    customer = factory.SubFactory(CustomerFactory)
    order_reference = factory.Sequence(lambda n: f"SO-{n:06d}")
    order_amount = Decimal("500.00")
    currency = factory.LazyAttribute(lambda check: check.customer.currency)
    result = CreditCheckResult.PASS
    credit_limit = Decimal("5000.00")
    exposure = Decimal("1000.00")
    available_credit = Decimal("4000.00")


class CreditReviewScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditReviewSchedule

    customer = factory.SubFactory(CustomerFactory)
    counted_from = datetime.date(2026, 9, 1)
    next_review_on = datetime.date(2027, 3, 2)


class CreditReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditReview

    customer = factory.SubFactory(CustomerFactory)
    decision = ReviewDecision.KEEP
    comment = "Pays on time"
    risk_grade = "B"
    credit_limit = Decimal("5000.00")
    exposure = Decimal("1000.00")
    currency = factory.LazyAttribute(lambda review: review.customer.currency)
    next_review_on = datetime.date(2027, 9, 1)


# --- credit-limit requests and the audit history (issue #5) ---------------------


class CreditLimitRequestFactory(factory.django.DjangoModelFactory):
    """A pending request (decide it with the service)."""

    class Meta:
        model = CreditLimitRequest

    customer = factory.SubFactory(CustomerFactory)
    requested_by = factory.SubFactory(UserFactory)
    requested_limit = Decimal("20000.00")
    currency = factory.LazyAttribute(lambda request: request.customer.currency)
    reason = "More orders"


class _TriggerEventFactory(factory.django.DjangoModelFactory):
    """One history row per call: on PostgreSQL the trigger already wrote it when the
    tracked row was created (that event is returned); elsewhere it is inserted here."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if connection.vendor == "postgresql":
            return model_class.objects.filter(pgh_obj=kwargs["pgh_obj"]).latest("pgh_id")
        return super()._create(model_class, *args, **kwargs)


class CreditProfileEventFactory(_TriggerEventFactory):
    """A history row as the trigger writes it."""

    class Meta:
        model = CreditProfileEvent

    pgh_obj = factory.SubFactory(CreditProfileFactory)
    pgh_label = "update"
    pgh_created_at = factory.LazyFunction(timezone.now)
    pgh_context = factory.LazyFunction(lambda: {"username": "carol", "reason": "Review"})
    credit_limit = Decimal("60000.00")
    currency = factory.LazyAttribute(lambda event: event.pgh_obj.currency)
    is_on_hold = False
    hold_reason = ""


class CreditLimitRequestEventFactory(_TriggerEventFactory):
    class Meta:
        model = CreditLimitRequestEvent

    pgh_obj = factory.SubFactory(CreditLimitRequestFactory)
    pgh_label = "insert"
    pgh_created_at = factory.LazyFunction(timezone.now)
    status = "pending"
    requested_limit = Decimal("20000.00")


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
