"""Scoring customers and running the backtest: the writes of credit scoring."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from credit.events import credit_grades_changed
from credit.models import CreditBacktest, CreditScore
from credit.scoring.config import Scorecard, scorecard_get
from credit.scoring.inputs import score_inputs
from credit.scoring.metrics import (
    auc_of,
    grade_table,
    ks_curve,
    ks_of,
    migration_matrix,
    roc_points,
)
from credit.scoring.outcomes import defaulted_customer_ids, in_default_customer_ids
from credit.scoring.scorecard import component_values, scores_compute
from credit.scoring.selectors import customer_ids_scored_after
from credit.scoring.writing import score_row_chunks, scores_write
from crm.exceptions import ValidationFailed
from customers.models import Customer
from customers.services import customer_risk_set_many

_LOCK_KEY = zlib.crc32(b"credit.scoring") & 0x7FFFFFFF


@dataclass(frozen=True)
class ScoringResult:
    version: str
    as_of: date
    scored: int
    grade_changes: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ScoredFrame:
    """Scores of a frame of customers, not stored yet: inputs, values, points, score, grade."""

    values: pd.DataFrame
    points: pd.DataFrame  # points_<component>, score, grade

    @property
    def customer_ids(self) -> np.ndarray:
        return self.points.index.to_numpy()


def scored_frame(
    *,
    as_of: date,
    scorecard: Scorecard,
    customer_ids: Iterable[int] | None = None,
    point_in_time: bool = False,
    with_invoices_only: bool = False,
) -> ScoredFrame:
    """Inputs aggregated in SQL, then scored vectorized; nothing is written."""
    inputs = score_inputs(
        as_of=as_of,
        customer_ids=customer_ids,
        point_in_time=point_in_time,
        with_invoices_only=with_invoices_only,
    )
    values = component_values(inputs)
    return ScoredFrame(values=values, points=scores_compute(values, scorecard=scorecard))


def _as_of_checked(as_of: date | None, today: date) -> date:
    if as_of is None:
        return today
    if as_of > today:
        raise ValidationFailed.for_field(
            "as_of",
            f"Cannot score as of {as_of.isoformat()}: it is in the future. "
            "Leave it out to score as of today, or give a past date.",
            code="as_of_in_future",
        )
    return as_of


def _serialize_scoring() -> None:
    """One scoring write at a time (PostgreSQL advisory lock held to the end of the
    transaction), so the latest score of a customer is always the newest one."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def probabilities_of_default(*, version: str) -> dict[str, Decimal]:
    """PD per grade from the newest backtest of ``version`` (empty without one)."""
    backtest = (
        CreditBacktest.objects.filter(version=version).order_by("-computed_at", "-id").first()
    )
    if backtest is None:
        return {}
    return {row["grade"]: Decimal(row["probability_of_default"]) for row in backtest.grades}


_CERTAIN = Decimal("1.0000")


def customer_probabilities(
    *, points: pd.DataFrame, pd_by_grade: dict[str, Decimal], in_default: set[int]
) -> dict[int, Decimal | None]:
    """Each scored customer's probability of default: its grade's, estimated by the
    backtest for customers not in default; 1 for a customer already in default (an
    invoice past due by the default threshold and unsettled), whose default is a fact."""
    grades = points["grade"].astype(str).tolist()
    return {
        customer_id: _CERTAIN if customer_id in in_default else pd_by_grade.get(grade)
        for customer_id, grade in zip(points.index.astype(int).tolist(), grades, strict=True)
    }


def _risk_changes(
    points: pd.DataFrame, probabilities: dict[int, Decimal | None], *, all_customers: bool
) -> tuple[dict[int, tuple[str, Decimal | None]], list[tuple[int, str, str]]]:
    customer_ids = points.index.astype(int).tolist()
    current = (
        Customer.objects.all() if all_customers else Customer.objects.filter(pk__in=customer_ids)
    )
    before = {pk: (grade, pd) for pk, grade, pd in current.values_list(
        "pk", "risk_grade", "probability_of_default"
    )}  # fmt: skip
    risks, changes = {}, []
    for customer_id, grade in zip(customer_ids, points["grade"].astype(str).tolist(), strict=True):
        probability = probabilities.get(customer_id)
        old_grade, old_pd = before.get(customer_id, ("", None))
        if (old_grade, old_pd) != (grade, probability):
            risks[customer_id] = (grade, probability)
        if old_grade != grade:
            changes.append((customer_id, old_grade, grade))
    return risks, changes


def _current_only(
    points: pd.DataFrame, *, as_of: date, today: date, customer_ids: list[int] | None
) -> pd.DataFrame:
    """The scored customers for whom this run is the latest score: a back-dated run
    leaves the grade and PD of customers scored as of a later date alone."""
    if as_of >= today:
        return points
    later = customer_ids_scored_after(as_of=as_of, customer_ids=customer_ids)
    return points[~points.index.isin(list(later))] if later else points


def credit_scores_compute(
    *,
    customer_ids: Iterable[int] | None = None,
    as_of: date | None = None,
    scorecard: Scorecard | None = None,
) -> ScoringResult:
    """Score the customers (all of them when ``customer_ids`` is None) as of ``as_of``.

    Stores a score per customer with its components and reasons, and, for the
    customers it is the latest score of (none of a later as-of date), points the
    latest score at it, writes the grade and probability of default to the
    customer (only where they changed) and announces ``credit_grades_changed``
    for those whose grade changed. A back-dated run therefore grades the
    customers never scored since. One transaction; one scoring run writes at a
    time.
    """
    scorecard = scorecard or scorecard_get()
    today = timezone.localdate()
    as_of = _as_of_checked(as_of, today)
    ids = None if customer_ids is None else sorted({int(pk) for pk in customer_ids})
    if ids == []:
        return ScoringResult(version=scorecard.version, as_of=as_of, scored=0)
    with transaction.atomic():
        _serialize_scoring()
        frame = scored_frame(
            as_of=as_of, scorecard=scorecard, customer_ids=ids, point_in_time=as_of < today
        )
        probabilities = customer_probabilities(
            points=frame.points,
            pd_by_grade=probabilities_of_default(version=scorecard.version),
            in_default=in_default_customer_ids(
                on=as_of, days_past_due=scorecard.default_days_past_due, customer_ids=ids
            ),
        )
        chunks = score_row_chunks(
            frame.points, frame.values, scorecard=scorecard, probabilities=probabilities
        )
        scored = scores_write(
            chunks, computed_at=timezone.now(), as_of=as_of, version=scorecard.version
        )
        current = _current_only(frame.points, as_of=as_of, today=today, customer_ids=ids)
        risks, changes = _risk_changes(current, probabilities, all_customers=ids is None)
        if risks:
            customer_risk_set_many(risks=risks)
        if changes:
            credit_grades_changed.send(
                sender=CreditScore, changes=changes, version=scorecard.version
            )
    return ScoringResult(
        version=scorecard.version, as_of=as_of, scored=scored, grade_changes=changes
    )


def _backtest_population(*, observation_date: date, scorecard: Scorecard) -> pd.DataFrame:
    """Points as of the observation date, with what was known then, of the customers
    invoiced by then and not already in default then (their default was known)."""
    then = scored_frame(
        as_of=observation_date,
        scorecard=scorecard,
        point_in_time=True,
        with_invoices_only=True,
    ).points
    in_default = in_default_customer_ids(
        on=observation_date, days_past_due=scorecard.default_days_past_due
    )
    return then[~then.index.isin(list(in_default))]


def credit_backtest_run(
    *, as_of: date | None = None, scorecard: Scorecard | None = None
) -> CreditBacktest:
    """Score every customer as of ``as_of`` minus the observation months (T) with what
    was known then, leave out those already in default on T, observe who defaulted
    since, and store AUC, Gini, KS, the grade table (with each grade's probability of
    default) and the grade migration."""
    scorecard = scorecard or scorecard_get()
    as_of = _as_of_checked(as_of, timezone.localdate())
    observation_date = as_of - relativedelta(months=scorecard.observation_months)
    then = _backtest_population(observation_date=observation_date, scorecard=scorecard)
    now = scored_frame(
        as_of=as_of, scorecard=scorecard, point_in_time=as_of < timezone.localdate()
    ).points
    defaulted_ids = defaulted_customer_ids(
        observation_date=observation_date,
        as_of=as_of,
        days_past_due=scorecard.default_days_past_due,
    )
    defaulted = then.index.isin(list(defaulted_ids))
    scores = then["score"].to_numpy()
    auc = auc_of(scores, defaulted)
    grades_now = now["grade"].reindex(then.index).fillna("").to_numpy()
    return CreditBacktest.objects.create(
        computed_at=timezone.now(),
        as_of=as_of,
        observation_date=observation_date,
        version=scorecard.version,
        customers=len(then),
        defaults=int(defaulted.sum()),
        auc=None if auc is None else round(auc, 4),
        gini=None if auc is None else round(2 * auc - 1, 4),
        ks=None if (ks := ks_of(scores, defaulted)) is None else round(ks, 4),
        grades=grade_table(then["grade"].to_numpy(), defaulted, scorecard=scorecard),
        migration=migration_matrix(then["grade"].to_numpy(), grades_now, scorecard=scorecard),
        roc=roc_points(scores, defaulted),
        ks_curve=ks_curve(scores, defaulted),
    )


def credit_scores_nightly(*, as_of: date | None = None) -> ScoringResult:
    """The nightly run: the backtest (which re-estimates each grade's PD), then every score."""
    scorecard = scorecard_get()
    credit_backtest_run(as_of=as_of, scorecard=scorecard)
    return credit_scores_compute(as_of=as_of, scorecard=scorecard)
