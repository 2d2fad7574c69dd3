"""Receivers of the domain events of customers and receivables.

A receiver only enqueues an idempotent task after the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from credit import events as credit_events
from customers import events as customer_events
from receivables import events as receivables_events


@receiver(customer_events.customer_created, dispatch_uid="credit_profile_on_customer_created")
def _ensure_credit_profile(sender: Any, *, customer_id: int, **kwargs: Any) -> None:
    from credit.tasks import credit_profile_ensure as credit_profile_ensure_task

    transaction.on_commit(lambda: credit_profile_ensure_task.delay(customer_id=customer_id))


# --- Credit scoring: rescore one customer when its ledger or hold changes ------
def _rescore_on_commit(customer_id: int) -> None:
    from credit.scoring.tasks import credit_scores_compute as credit_scores_compute_task

    transaction.on_commit(lambda: credit_scores_compute_task.delay(customer_ids=[customer_id]))


@receiver(receivables_events.payment_received, dispatch_uid="credit_rescore_on_payment_received")
def _rescore_on_payment(sender: Any, *, customer_id: int, **kwargs: Any) -> None:
    _rescore_on_commit(customer_id)


@receiver(
    receivables_events.allocation_created, dispatch_uid="credit_rescore_on_allocation_created"
)
def _rescore_on_allocation(sender: Any, *, customer_id: int, **kwargs: Any) -> None:
    _rescore_on_commit(customer_id)


@receiver(credit_events.credit_hold_changed, dispatch_uid="credit_rescore_on_hold_changed")
def _rescore_on_hold(sender: Any, *, customer_id: int, **kwargs: Any) -> None:
    _rescore_on_commit(customer_id)
