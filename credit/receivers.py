"""Receivers of the domain events of customers, receivables and credit.

A receiver only enqueues an idempotent task after the transaction commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

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


@receiver(customer_events.customer_created, dispatch_uid="credit_review_on_customer_created")
def _schedule_first_review(sender: Any, *, customer_id: int, **kwargs: Any) -> None:
    from credit.tasks import credit_review_schedule_ensure as credit_review_schedule_ensure_task

    transaction.on_commit(lambda: credit_review_schedule_ensure_task.delay(customer_id=customer_id))


@receiver(receivables_events.dunning_hold_requested, dispatch_uid="credit_hold_on_dunning")
def _hold_on_dunning(
    sender: Any, *, notice_id: int, customer_id: int, reason: str = "", **kwargs: Any
) -> None:
    from credit.tasks import credit_hold_apply_dunning as credit_hold_apply_dunning_task

    transaction.on_commit(
        lambda: credit_hold_apply_dunning_task.delay(
            notice_id=notice_id, customer_id=customer_id, reason=reason or ""
        )
    )


@receiver(receivables_events.invoice_posted, dispatch_uid="credit_hold_on_invoice_posted")
def _hold_over_limit(sender: Any, *, invoice_id: int, customer_id: int, **kwargs: Any) -> None:
    from credit.tasks import credit_hold_apply_over_limit as credit_hold_apply_over_limit_task

    transaction.on_commit(
        lambda: credit_hold_apply_over_limit_task.delay(
            customer_id=customer_id, trigger=f"invoice:{invoice_id}"
        )
    )


@receiver(credit_events.open_order_raised, dispatch_uid="credit_hold_on_open_order_raised")
def _hold_over_limit_on_open_order(
    sender: Any, *, order_id: int, customer_id: int, reported_at: datetime, **kwargs: Any
) -> None:
    from credit.tasks import credit_hold_apply_over_limit as credit_hold_apply_over_limit_task

    # One trigger per report of the order: a redelivered task does not undo a manual
    # release, a later raise of the same order may hold again (as a new invoice does).
    trigger = f"open-order:{order_id}:{reported_at:%Y%m%dT%H%M%S.%f}"
    transaction.on_commit(
        lambda: credit_hold_apply_over_limit_task.delay(customer_id=customer_id, trigger=trigger)
    )


@receiver(credit_events.credit_grades_changed, dispatch_uid="credit_ops_on_grades_changed")
def _grades_changed(sender: Any, *, changes: list, version: Any = "", **kwargs: Any) -> None:
    from credit.tasks import credit_hold_apply_grade_e as credit_hold_apply_grade_e_task
    from credit.tasks import (
        credit_review_schedules_regrade as credit_review_schedules_regrade_task,
    )

    changed = sorted({customer_id for customer_id, _old, _new in changes})
    to_e = sorted({customer_id for customer_id, old, new in changes if new == "E" and old != "E"})
    # One placement per customer per scoring day and version.
    trigger = f"grade-e:{timezone.localdate()}:{version}"[:64]

    def _enqueue() -> None:
        if to_e:
            credit_hold_apply_grade_e_task.delay(customer_ids=to_e, trigger=trigger)
        if changed:
            credit_review_schedules_regrade_task.delay(customer_ids=changed)

    transaction.on_commit(_enqueue)
