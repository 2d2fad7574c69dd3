"""Reads of scores and backtests; scores are scoped like customers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, QuerySet

from credit.models import CreditBacktest, CreditScore, CreditScoreLatest
from credit.scoring.inputs import OPEN_PAST_DUE_DAYS
from customers.models import Customer
from customers.selectors import customer_visibility_q
from receivables.models import Invoice

HISTORY_POINTS = 24


def _latest() -> QuerySet[CreditScore]:
    """Scores that are their customer's latest (joined through the one-row-per-customer table):
    the score of the latest as-of date, ties going to the newest computed (kept so by
    ``credit.scoring.writing.scores_write``)."""
    return CreditScore.objects.filter(customer__latest_credit_score__score=F("pk"))


def customer_ids_scored_after(
    *, as_of: date, customer_ids: Iterable[int] | None = None
) -> set[int]:
    """Customers (of ``customer_ids``, or all) whose latest score is as of a later date:
    a run as of ``as_of`` must not become their current score, grade or probability.

    One join of the latest-score table to the scores on their primary key. No score is
    ever as of a day after it was computed, so a run as of today can skip this.
    """
    latest = CreditScoreLatest.objects.filter(score__as_of__gt=as_of)
    if customer_ids is not None:
        latest = latest.filter(customer_id__in=list(customer_ids))
    return set(latest.values_list("customer_id", flat=True))


def credit_score_latest_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CreditScore]:
    """The latest score of every customer the user may see."""
    return (
        _latest()
        .filter(customer_visibility_q(user=user, prefix="customer__"))
        .select_related("customer")
    )


def credit_score_latest_get(*, customer: Customer) -> CreditScore | None:
    return _latest().filter(customer=customer).first()


def credit_score_history(*, customer: Customer, limit: int = HISTORY_POINTS) -> list[CreditScore]:
    """The customer's ``limit`` scores of the latest as-of dates, in as-of order (for the
    history chart): a back-dated run's score takes its place in time, not the end."""
    rows = list(
        CreditScore.objects.filter(customer=customer)
        .order_by("-as_of", "-computed_at", "-id")
        .only("as_of", "computed_at", "score", "grade", "version")[:limit]
    )
    return rows[::-1]


def credit_backtest_list() -> QuerySet[CreditBacktest]:
    return CreditBacktest.objects.order_by("-computed_at", "-id")


def credit_backtest_latest() -> CreditBacktest | None:
    return credit_backtest_list().first()


def customers_newly_overdue_ids(*, today: date) -> list[int]:
    """Customers with an open invoice that became overdue today (due yesterday) or crossed
    60 days past due today: the two days on which an invoice changes the score by itself."""
    due_dates = [today - timedelta(days=1), today - timedelta(days=OPEN_PAST_DUE_DAYS + 1)]
    return sorted(
        set(
            Invoice.objects.filter(open_amount__gt=0, due_date__in=due_dates)
            .values_list("customer_id", flat=True)
            .distinct()
        )
    )
