from decimal import Decimal

import pytest

from credit.models import CreditProfile
from credit.services import credit_profile_ensure
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_credit_profile_ensure_creates_one_with_the_default_limit(settings):
    settings.CRM_DEFAULT_CREDIT_LIMIT = "2500"
    customer = CustomerFactory(currency="CNY")
    profile = credit_profile_ensure(customer_id=customer.pk)
    assert profile.credit_limit == Decimal("2500.00")
    assert profile.currency == "CNY"


def test_credit_profile_ensure_is_idempotent_and_keeps_the_existing_limit():
    existing = CreditProfileFactory(credit_limit=Decimal("9000.00"))
    again = credit_profile_ensure(customer_id=existing.customer_id)
    assert again.pk == existing.pk
    assert again.credit_limit == Decimal("9000.00")
    assert CreditProfile.objects.count() == 1


def test_credit_profile_ensure_for_a_deleted_customer_does_nothing():
    assert credit_profile_ensure(customer_id=999_999) is None
    assert CreditProfile.objects.count() == 0
