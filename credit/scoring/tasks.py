"""Celery tasks of credit scoring: take ids or nothing, call one service.

Registered from ``credit.tasks`` (the module Celery discovers).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from credit.scoring.selectors import customers_newly_overdue_ids
from credit.scoring.services import credit_scores_compute as _credit_scores_compute
from credit.scoring.services import credit_scores_nightly as _credit_scores_nightly


@shared_task(name="credit.credit_scores_nightly", ignore_result=True)
def credit_scores_nightly() -> dict[str, int | str]:
    """Nightly: the backtest (and each grade's PD), then a score for every customer."""
    result = _credit_scores_nightly()
    return {
        "version": result.version,
        "scored": result.scored,
        "grade_changes": len(result.grade_changes),
    }


@shared_task(name="credit.credit_scores_compute", ignore_result=True)
def credit_scores_compute(*, customer_ids: list[int]) -> int:
    """Rescore a few customers (an event happened); idempotent: a new score as of today."""
    return _credit_scores_compute(customer_ids=customer_ids).scored


@shared_task(name="credit.credit_scores_newly_overdue", ignore_result=True)
def credit_scores_newly_overdue() -> int:
    """Daily: rescore the customers whose invoices crossed an overdue threshold overnight."""
    ids = customers_newly_overdue_ids(today=timezone.localdate())
    return _credit_scores_compute(customer_ids=ids).scored if ids else 0
