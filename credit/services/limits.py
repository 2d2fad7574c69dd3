"""Writing a customer's credit limit, with its audit history, and letting limits expire.

Every write of a limit goes through ``credit_limit_set``; it runs inside a
``pghistory`` context so the trigger-written history row carries who and why.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import pghistory
from django.db import connection, transaction
from django.utils import timezone

from credit import events
from credit.models import CreditProfile
from credit.services.profiles import credit_profile_ensure, default_credit_limit
from crm.exceptions import NotFound
from crm.money import quantize

EXPIRY_BATCH = 500


class LimitChange(NamedTuple):
    profile: CreditProfile
    old_limit: Decimal
    new_limit: Decimal


def history_is_recorded() -> bool:
    """Whether the database keeps the audit history (PostgreSQL triggers)."""
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def history_context(*, user: Any = None, **metadata: Any) -> Iterator[None]:
    """Attach who and why to the history rows the triggers write in this block.

    pghistory passes the context by prefixing statements with PostgreSQL's
    ``set_config``; elsewhere there are no triggers and nothing to attach.
    """
    if not history_is_recorded():
        yield
        return
    who = {}
    if getattr(user, "is_authenticated", False):
        who = {"user_id": user.pk, "username": user.get_username()}
    with pghistory.context(**who, **metadata):
        yield


def _locked_profile(customer_id: int) -> CreditProfile:
    profile = CreditProfile.objects.select_for_update().filter(customer_id=customer_id).first()
    if profile is None:
        if credit_profile_ensure(customer_id=customer_id) is None:
            raise NotFound(
                f"There is no customer with id {customer_id}.", code="customer_not_found"
            )
        profile = CreditProfile.objects.select_for_update().get(customer_id=customer_id)
    return profile


def credit_limit_set(
    *,
    customer_id: int,
    new_limit: Decimal,
    expires_on: date | None,
    reason: str,
    user: Any = None,
    source: str,
) -> LimitChange:
    """Set the customer's limit (and its expiry) under a row lock; the history row
    records who and why. Callers check the rules first (four eyes, expiry)."""
    with transaction.atomic(), history_context(user=user, reason=reason, source=source):
        profile = _locked_profile(customer_id)
        old_limit = profile.credit_limit
        profile.credit_limit = quantize(new_limit, profile.currency)
        profile.limit_expires_on = expires_on
        profile.save(update_fields=["credit_limit", "limit_expires_on", "updated_at"])
        events.credit_limit_changed.send(
            sender=CreditProfile,
            customer_id=customer_id,
            old_limit=old_limit,
            new_limit=profile.credit_limit,
        )
    return LimitChange(profile, old_limit, profile.credit_limit)


def credit_limits_expire(*, as_of: date | None = None) -> int:
    """Fall every limit whose expiry date has passed back to the default limit.

    Idempotent: a limit already fallen back has no expiry date any more. Each
    profile is its own transaction, re-checked under its lock.
    """
    today = as_of or timezone.localdate()
    due = list(
        CreditProfile.objects.filter(limit_expires_on__lt=today)
        .order_by("pk")
        .values_list("customer_id", flat=True)
    )
    expired = 0
    for customer_id in due:
        with transaction.atomic():
            profile = (
                CreditProfile.objects.select_for_update()
                .filter(customer_id=customer_id, limit_expires_on__lt=today)
                .first()
            )
            if profile is None:
                continue
            credit_limit_set(
                customer_id=customer_id,
                new_limit=default_credit_limit(profile.currency),
                expires_on=None,
                reason=f"Limit expired on {profile.limit_expires_on.isoformat()}; "
                "back to the default limit.",
                source="expiry",
            )
            expired += 1
    return expired
