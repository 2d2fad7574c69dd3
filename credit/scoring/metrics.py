"""How well a score separates customers who defaulted from those who did not.

AUC from ranks (ties count half, the Mann-Whitney statistic via scipy), Gini =
2 AUC - 1, KS = the largest distance between the score distributions of
defaulters and non-defaulters (scipy's two-sample KS statistic).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from scipy import stats

from credit.scoring.config import Scorecard

PD_PLACES = Decimal("0.0001")


def auc_of(scores: np.ndarray, defaulted: np.ndarray) -> float | None:
    """P(a random defaulter scores lower than a random non-defaulter); None without both kinds."""
    scores = np.asarray(scores, dtype=float)
    defaulted = np.asarray(defaulted, dtype=bool)
    bad, good = int(defaulted.sum()), int((~defaulted).sum())
    if bad == 0 or good == 0:
        return None
    ranks = stats.rankdata(-scores)  # riskiest (lowest score) gets the highest rank
    return float((ranks[defaulted].sum() - bad * (bad + 1) / 2) / (bad * good))


def ks_of(scores: np.ndarray, defaulted: np.ndarray) -> float | None:
    scores = np.asarray(scores, dtype=float)
    defaulted = np.asarray(defaulted, dtype=bool)
    if defaulted.all() or not defaulted.any():
        return None
    return float(stats.ks_2samp(scores[defaulted], scores[~defaulted]).statistic)


def roc_points(scores: np.ndarray, defaulted: np.ndarray, *, points: int = 21) -> list[list[float]]:
    """[false positive rate, true positive rate] pairs when refusing everyone below a cut-off."""
    scores = np.asarray(scores, dtype=float)
    defaulted = np.asarray(defaulted, dtype=bool)
    bad, good = defaulted.sum(), (~defaulted).sum()
    if bad == 0 or good == 0:
        return []
    cuts = np.unique(np.quantile(scores, np.linspace(0, 1, points)))
    curve = [[0.0, 0.0]]
    for cut in cuts:
        refused = scores <= cut
        curve.append(
            [round(float((refused & ~defaulted).sum() / good), 4),
             round(float((refused & defaulted).sum() / bad), 4)]
        )  # fmt: skip
    return curve


def ks_curve(scores: np.ndarray, defaulted: np.ndarray, *, step: int = 50) -> list[list[float]]:
    """[score, share of defaulters at or below it, share of non-defaulters at or below it]."""
    scores = np.asarray(scores, dtype=float)
    defaulted = np.asarray(defaulted, dtype=bool)
    bad, good = max(defaulted.sum(), 1), max((~defaulted).sum(), 1)
    return [
        [cut, round(float((scores[defaulted] <= cut).sum() / bad), 4),
         round(float((scores[~defaulted] <= cut).sum() / good), 4)]
        for cut in range(0, 1001, step)
    ]  # fmt: skip


def _pd(rate: float) -> Decimal:
    return Decimal(str(rate)).quantize(PD_PLACES, rounding=ROUND_HALF_EVEN)


def grade_table(grades: np.ndarray, defaulted: np.ndarray, *, scorecard: Scorecard) -> list[dict]:
    """Customers, defaults, observed default rate and the smoothed PD of each grade, best first.

    PD = (defaults + k * portfolio rate) / (customers + k) with k the setting
    ``pd_smoothing_customers``, so a grade of a handful of customers borrows
    from the portfolio; at least ``pd_floor``; and never lower than the PD of a
    better grade (a worse grade cannot be safer).
    """
    grades = np.asarray(grades)
    defaulted = np.asarray(defaulted, dtype=bool)
    portfolio_rate = float(defaulted.mean()) if len(defaulted) else 0.0
    k = scorecard.pd_smoothing_customers
    rows, floor, previous = [], float(scorecard.pd_floor), 0.0
    for name in scorecard.grade_names:
        in_grade = grades == name
        customers, defaults = int(in_grade.sum()), int((in_grade & defaulted).sum())
        rate = defaults / customers if customers else None
        smoothed = (defaults + k * portfolio_rate) / (customers + k) if customers + k > 0 else 0.0
        probability = min(max(smoothed, floor, previous), 1.0)
        previous = probability
        rows.append(
            {
                "grade": name,
                "customers": customers,
                "defaults": defaults,
                "default_rate": None if rate is None else round(rate, 4),
                "probability_of_default": str(_pd(probability)),
            }
        )
    return rows


def migration_matrix(then: np.ndarray, now: np.ndarray, *, scorecard: Scorecard) -> dict:
    """{grade at the observation date: {grade now: customers}} over every pair of grades."""
    then, now = np.asarray(then), np.asarray(now)
    return {
        before: {
            after: int(((then == before) & (now == after)).sum()) for after in scorecard.grade_names
        }
        for before in scorecard.grade_names
    }
