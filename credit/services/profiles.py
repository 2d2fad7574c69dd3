"""Credit profiles."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Model

from credit.models import CreditProfile
from crm.money import quantize
from customers.models import Customer


def default_credit_limit(currency: str) -> Decimal:
    """The limit of a customer no one has set one for (CRM_DEFAULT_CREDIT_LIMIT)."""
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
        defaults={
            "currency": customer.currency,
            "credit_limit": default_credit_limit(customer.currency),
        },
    )
    return profile


def customers_missing_fill(
    *,
    model: type[Model],
    missing: str,
    columns: tuple[str, ...],
    make: Callable[..., Model],
    batch_size: int = 2000,
) -> int:
    """For every customer without its ``missing`` one-to-one row of ``model`` (the
    reverse accessor, such as ``credit_profile``), create one with ``make(pk, *columns)``, in batches of
    ``batch_size`` (a row created meanwhile by another process is left as it is).
    Returns how many were created."""
    created = 0
    last_pk = 0
    while True:
        batch = list(
            Customer.objects.filter(pk__gt=last_pk, **{f"{missing}__isnull": True})
            .order_by("pk")
            .values_list("pk", *columns)[:batch_size]
        )
        if not batch:
            return created
        rows = model.objects.bulk_create([make(*row) for row in batch], ignore_conflicts=True)
        created += len(rows)
        last_pk = batch[-1][0]


def credit_profiles_ensure_all() -> int:
    """A profile (default limit) for every customer without one: customers bulk-loaded
    without the customer_created event, or whose ensure task was lost. Returns how
    many were created. Run nightly before the review schedules, so every customer
    the review queue lists can be reviewed."""

    def profile(pk: int, currency: str) -> CreditProfile:
        return CreditProfile(
            customer_id=pk, currency=currency, credit_limit=default_credit_limit(currency)
        )

    return customers_missing_fill(
        model=CreditProfile, missing="credit_profile", columns=("currency",), make=profile
    )
