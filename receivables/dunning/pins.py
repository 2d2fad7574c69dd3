"""Pinning a customer to a dunning policy other than their tier's default."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet

from crm.exceptions import ValidationFailed
from customers.models import Customer
from customers.selectors import customer_visibility_q
from receivables.models import CustomerDunningPolicy, DunningPolicy


def customer_dunning_policy_list(
    *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[CustomerDunningPolicy]:
    """Pins of the customers the user may see."""
    return CustomerDunningPolicy.objects.select_related("customer", "policy").filter(
        customer_visibility_q(user=user, prefix="customer__")
    )


@transaction.atomic
def customer_dunning_policy_pin(
    *, customer: Customer, policy: DunningPolicy
) -> CustomerDunningPolicy:
    """Pin ``customer`` to ``policy`` (replacing an earlier pin); the next dunning run
    follows it. A policy without active levels would silence the customer: refused."""
    if not policy.levels.filter(retired_at__isnull=True).exists():
        raise ValidationFailed.for_field(
            "policy",
            f"Policy {policy.name!r} has no levels, so customer {customer.code} would get no "
            "reminders at all; add a level to the policy first, or pick another policy.",
            code="dunning_policy_without_levels",
        )
    pin, _ = CustomerDunningPolicy.objects.update_or_create(
        customer=customer, defaults={"policy": policy}
    )
    return pin


@transaction.atomic
def customer_dunning_policy_unpin(*, customer: Customer) -> bool:
    """Back to the tier's default policy; returns whether there was a pin."""
    deleted, _ = CustomerDunningPolicy.objects.filter(customer=customer).delete()
    return bool(deleted)
