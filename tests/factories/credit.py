from decimal import Decimal

import factory
from django.db import connection
from django.utils import timezone

from credit.models import (
    CreditLimitRequest,
    CreditLimitRequestEvent,
    CreditProfile,
    CreditProfileEvent,
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
