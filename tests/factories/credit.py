import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from credit.models import (
    CreditCheck,
    CreditCheckResult,
    CreditHoldEvent,
    CreditLimitRequest,
    CreditLimitRequestEvent,
    CreditProfile,
    CreditProfileEvent,
    CreditReview,
    CreditReviewSchedule,
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


class CreditProfileEventFactory(factory.django.DjangoModelFactory):
    """A history row as the trigger writes it (SQLite has no triggers)."""

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


class CreditLimitRequestEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditLimitRequestEvent

    pgh_obj = factory.SubFactory(CreditLimitRequestFactory)
    pgh_label = "insert"
    pgh_created_at = factory.LazyFunction(timezone.now)
    status = "pending"
    requested_limit = Decimal("20000.00")
