"""Points, score and grade for a frame of customers, vectorized with numpy.

``component_values`` turns the raw SQL aggregates into one value per
component (NaN when the customer has no data for it); ``scores_compute``
reads each value off its component's curve, adds the points and grades the
total. The same code scores one customer or a hundred thousand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit.scoring.config import Scorecard

TOP_REASONS = 3


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    values = numerator.to_numpy(dtype=float)
    base = denominator.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(base > 0, values / np.where(base > 0, base, 1.0), np.nan)
    return pd.Series(result, index=numerator.index)


def component_values(inputs: pd.DataFrame) -> pd.DataFrame:
    """One column per component; NaN where the customer has no data for it."""
    recent = _ratio(inputs["recent_late_weighted"], inputs["recent_weight"])
    earlier = _ratio(inputs["earlier_late_weighted"], inputs["earlier_weight"])
    open_total = inputs["open_total"]
    limit = inputs["credit_limit"].fillna(0.0)
    utilization = _ratio(open_total, limit)
    # No limit and nothing owed: nothing is used. No limit but something owed: unknown.
    utilization = utilization.where(~((limit <= 0) & (open_total <= 0)), 0.0)
    return pd.DataFrame(
        {
            "days_late": _ratio(inputs["late_weighted"], inputs["paid_weight"]),
            "paid_over_30_late": _ratio(inputs["paid_over_30_count"], inputs["paid_count"]),
            "open_over_60": _ratio(inputs["open_over_60"], open_total).fillna(0.0),
            "utilization": utilization,
            "tenure": inputs["tenure_days"].clip(lower=0),
            "dispute_rate": _ratio(inputs["disputes"], inputs["invoices_issued"]),
            "bounced_payments": inputs["bounced_payments"],
            "trend": recent - earlier,
        },
        index=inputs.index,
    )


def scores_compute(values: pd.DataFrame, *, scorecard: Scorecard) -> pd.DataFrame:
    """Points per component (``points_<name>``), ``score`` (0-1000) and ``grade``."""
    result = pd.DataFrame(index=values.index)
    total = np.zeros(len(values))
    for component in scorecard.components:
        value = values[component.name].to_numpy(dtype=float)
        fraction = np.where(
            np.isnan(value),
            component.if_missing,
            np.interp(np.nan_to_num(value), component.xs, component.fractions),
        )
        points = np.round(component.max_points * fraction, 1)
        result[f"points_{component.name}"] = points
        total += points
    result["score"] = np.clip(np.rint(total), 0, 1000).astype(int)
    result["grade"] = grades_of(result["score"].to_numpy(), scorecard=scorecard)
    return result


def grades_of(scores: np.ndarray, *, scorecard: Scorecard) -> np.ndarray:
    conditions = [scores >= floor for floor in scorecard.grade_floors]
    return np.select(conditions, list(scorecard.grade_names), default=scorecard.grade_names[-1])


def top_reasons(points: pd.DataFrame, *, scorecard: Scorecard) -> np.ndarray:
    """Per customer, the indexes (into scorecard.components) of the components that
    cost most points, most first; -1 where fewer than TOP_REASONS cost any."""
    maxima = np.array([component.max_points for component in scorecard.components])
    earned = points[[f"points_{c.name}" for c in scorecard.components]].to_numpy(dtype=float)
    lost = np.round(maxima[None, :] - earned, 1)
    # Stable order: most points lost first, then the component order of the settings.
    order = np.argsort(-lost, axis=1, kind="stable")[:, :TOP_REASONS]
    chosen_lost = np.take_along_axis(lost, order, axis=1)
    return np.where(chosen_lost > 0, order, -1)
