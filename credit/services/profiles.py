"""Credit profiles."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from credit.models import CreditProfile
from crm.money import quantize
from customers.models import Customer


def _default_limit(currency: str) -> Decimal:
    return quantize(str(getattr(settings, "CRM_DEFAULT_CREDIT_LIMIT", "0")), currency)


@transaction.atomic
def credit_profile_ensure(*, customer_id: int) -> CreditProfile | None:
    """Create the customer's credit profile with the default limit if it has none.

    Idempotent: safe to run for a customer that already has one, and for one
    that no longer exists (returns None).
    """
    customer = Customer.objects.filter(pk=customer_id).only("pk", "currency").first()
    if customer is None:
        return None
    profile, _created = CreditProfile.objects.get_or_create(
        customer=customer,
        defaults={"currency": customer.currency, "credit_limit": _default_limit(customer.currency)},
    )
    return profile
