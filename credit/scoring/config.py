"""The scorecard settings, read from ``settings.CRM_CREDIT_SCORING`` and checked.

A mistake in the settings stops the scoring with a message that names the
setting and says how to fix it, instead of storing wrong scores.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.conf import settings

from crm.exceptions import ApplicationError

# The inputs the SQL aggregation computes, one per component, in display order.
COMPONENTS = (
    "days_late",
    "paid_over_30_late",
    "open_over_60",
    "utilization",
    "tenure",
    "dispute_rate",
    "bounced_payments",
    "trend",
)
MAX_SCORE = 1000


class ScoringConfigurationError(ApplicationError):
    default_code = "credit_scoring_misconfigured"


@dataclass(frozen=True)
class Component:
    name: str
    max_points: float
    xs: np.ndarray
    fractions: np.ndarray
    if_missing: float


@dataclass(frozen=True)
class Scorecard:
    version: str
    components: tuple[Component, ...]
    grade_names: tuple[str, ...]  # best first
    grade_floors: tuple[int, ...]  # lowest score of each grade, decreasing, last 0
    observation_months: int
    default_days_past_due: int
    pd_smoothing_customers: float
    pd_floor: Decimal


def _fail(message: str) -> ScoringConfigurationError:
    return ScoringConfigurationError(
        f"Setting CRM_CREDIT_SCORING: {message} "
        "Fix it in the settings or in CRM_CREDIT_SCORING_JSON, and change 'version'."
    )


def _component(name: str, raw: Any) -> Component:
    if not isinstance(raw, dict):
        raise _fail(f"component {name!r} must be an object with max_points, curve, if_missing.")
    try:
        max_points = float(raw["max_points"])
        curve = [(float(x), float(y)) for x, y in raw["curve"]]
        if_missing = float(raw.get("if_missing", 0.0))
    except (KeyError, TypeError, ValueError) as error:
        raise _fail(
            f"component {name!r} needs max_points (a number), curve ([value, fraction] pairs) "
            f"and if_missing (a fraction): {error}."
        ) from error
    if max_points < 0 or not curve:
        raise _fail(f"component {name!r} needs max_points >= 0 and at least one curve point.")
    xs = np.array([x for x, _ in curve])
    fractions = np.array([y for _, y in curve])
    if np.any(np.diff(xs) <= 0):
        raise _fail(f"the curve values of component {name!r} must be strictly increasing.")
    if np.any((fractions < 0) | (fractions > 1)) or not 0 <= if_missing <= 1:
        raise _fail(f"the fractions of component {name!r} must be between 0 and 1.")
    return Component(name, max_points, xs, fractions, if_missing)


def _grades(raw: Any) -> tuple[tuple[str, ...], tuple[int, ...]]:
    try:
        names = tuple(str(name) for name, _ in raw)
        floors = tuple(int(floor) for _, floor in raw)
    except (TypeError, ValueError) as error:
        raise _fail(f"grades must be [name, lowest score] pairs, best first: {error}.") from error
    if not names or any(len(name) != 1 for name in names) or len(set(names)) != len(names):
        raise _fail("grades need distinct one-letter names.")
    if any(b >= a for a, b in itertools.pairwise(floors)) or floors[-1] != 0:
        raise _fail("grade floors must decrease strictly and the last grade must start at 0.")
    return names, floors


def scorecard_get(raw: dict[str, Any] | None = None) -> Scorecard:
    """The scorecard of ``raw`` (default: the settings), checked."""
    raw = settings.CRM_CREDIT_SCORING if raw is None else raw
    version = str(raw.get("version", "")).strip()
    if not version or len(version) > 40:
        raise _fail("'version' must be a non-empty name of at most 40 characters.")
    raw_components = raw.get("components") or {}
    unknown = sorted(set(raw_components) - set(COMPONENTS))
    if unknown:
        raise _fail(f"unknown components {unknown}; known: {list(COMPONENTS)}.")
    components = tuple(
        _component(name, raw_components[name]) for name in COMPONENTS if name in raw_components
    )
    total = sum(component.max_points for component in components)
    if abs(total - MAX_SCORE) > 1e-6:
        raise _fail(f"the components' max_points add up to {total:g}, not {MAX_SCORE}.")
    names, floors = _grades(raw.get("grades"))
    try:
        pd_floor = Decimal(str(raw.get("pd_floor", "0")))
        observation_months = int(raw.get("observation_months", 6))
        default_days = int(raw.get("default_days_past_due", 60))
        smoothing = float(raw.get("pd_smoothing_customers", 0))
    except (InvalidOperation, TypeError, ValueError) as error:
        raise _fail(
            f"pd_floor, observation_months, default_days_past_due and "
            f"pd_smoothing_customers must be numbers: {error}."
        ) from error
    if not (0 <= pd_floor < 1) or observation_months < 1 or default_days < 1 or smoothing < 0:
        raise _fail(
            "pd_floor must be in [0, 1), observation_months and default_days_past_due "
            "at least 1, pd_smoothing_customers at least 0."
        )
    return Scorecard(
        version=version,
        components=components,
        grade_names=names,
        grade_floors=floors,
        observation_months=observation_months,
        default_days_past_due=default_days,
        pd_smoothing_customers=smoothing,
        pd_floor=pd_floor,
    )
