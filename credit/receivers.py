"""Receivers of the domain events of customers and receivables.

A receiver only enqueues an idempotent task after the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from customers import events as customer_events


@receiver(customer_events.customer_created, dispatch_uid="credit_profile_on_customer_created")
def _ensure_credit_profile(sender: Any, *, customer_id: int, **kwargs: Any) -> None:
    from credit.tasks import credit_profile_ensure as credit_profile_ensure_task

    transaction.on_commit(lambda: credit_profile_ensure_task.delay(customer_id=customer_id))
