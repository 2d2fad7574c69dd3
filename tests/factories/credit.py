import datetime
from decimal import Decimal

import factory

from credit.models import (
    CreditCheck,
    CreditCheckResult,
    CreditHoldEvent,
    CreditProfile,
    CreditReview,
    CreditReviewSchedule,
    HoldAction,
    HoldSource,
    OpenOrder,
    ReviewDecision,
)
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
