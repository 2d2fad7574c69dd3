from decimal import Decimal

import factory

from credit.models import CreditProfile
from tests.factories.customers import CustomerFactory


class CreditProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditProfile
        django_get_or_create = ("customer",)

    customer = factory.SubFactory(CustomerFactory)
    credit_limit = Decimal("50000.00")
    currency = factory.LazyAttribute(lambda profile: profile.customer.currency)
