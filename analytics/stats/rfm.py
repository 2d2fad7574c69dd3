"""RFM scoring by portfolio quintiles, and the segment names.

Edges are the 20/40/60/80 % quantiles of the customers who ever bought. A
score is 1-5: for frequency and monetary, 1 + the number of edges strictly
below the value; for recency (fewer days is better), 5 − that number.

Segments, from R and FM = (F + M) / 2 — every (R, FM) pair gets exactly one:

| segment     | rule             | meaning                                   |
| ----------- | ---------------- | ----------------------------------------- |
| Champions   | R ≥ 4 and FM ≥ 4 | bought recently, often and for a lot      |
| Loyal       | R ≥ 3 and FM ≥ 3 | (not Champions) steady and valuable       |
| Potential   | R ≥ 3 and FM < 3 | recent but small or infrequent            |
| At risk     | R ≤ 2 and FM ≥ 3 | used to be valuable, not buying lately    |
| Hibernating | R = 2 and FM < 3 | small and not buying lately               |
| Lost        | R = 1 and FM < 3 | small and silent for longest              |
"""

from __future__ import annotations

import numpy as np

QUINTILES = (0.2, 0.4, 0.6, 0.8)


def quintile_edges(values: np.ndarray) -> list[float]:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return []
    return [float(edge) for edge in np.quantile(values, QUINTILES)]


def _edges_below(values: np.ndarray, edges: list[float]) -> np.ndarray:
    return np.searchsorted(np.asarray(edges, dtype=float), values, side="left")


def higher_is_better(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Scores 1-5 (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    scores = 1.0 + _edges_below(values, edges)
    return np.where(np.isnan(values), np.nan, scores)


def lower_is_better(values: np.ndarray, edges: list[float]) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    scores = 5.0 - _edges_below(values, edges)
    return np.where(np.isnan(values), np.nan, scores)


def segments(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Segment value per customer ('' where a score is missing)."""
    r = np.asarray(r, dtype=float)
    fm = (np.asarray(f, dtype=float) + np.asarray(m, dtype=float)) / 2
    conditions = [
        (r >= 4) & (fm >= 4),
        (r >= 3) & (fm >= 3),
        (r >= 3) & (fm < 3),
        (r <= 2) & (fm >= 3),
        (r == 2) & (fm < 3),
        (r == 1) & (fm < 3),
    ]
    names = ["champions", "loyal", "potential", "at_risk", "hibernating", "lost"]
    return np.select(conditions, names, default="")


def percentiles(values: np.ndarray, distribution: list[float]) -> np.ndarray:
    """Percent of the portfolio at or below each value (0-100), from a sorted sample,
    where customers on the same value count as one: a value's rank is the number of
    values below it plus one (itself).

    Counting ties whole put a whole group of customers on the same margin at the
    top of the group: twelve equal small margins and one large one made all
    thirteen "top decile"; now the twelve rank 1/13 and the large one 13/13.
    Distinct values rank as before (the largest is 100). ``distribution`` is either
    every value of the portfolio, sorted (exact), or equally spaced quantiles of it
    (at most 10,001, so 0.01-point resolution).
    """
    values = np.asarray(values, dtype=float)
    sample = np.asarray(distribution, dtype=float)
    if len(sample) == 0:
        return np.full(len(values), np.nan)
    below = np.searchsorted(sample, values, side="left")
    at_or_below = np.searchsorted(sample, values, side="right")
    result = 100.0 * np.minimum(below + 1, at_or_below) / len(sample)
    return np.where(np.isnan(values), np.nan, result)


def compact_distribution(values: np.ndarray, *, limit: int = 10001) -> list[float]:
    """The sorted values, or ``limit`` equally spaced quantiles of them when there are more."""
    values = np.asarray(values, dtype=float)
    values = np.sort(values[~np.isnan(values)])
    if len(values) <= limit:
        return [float(value) for value in values]
    return [float(value) for value in np.quantile(values, np.linspace(0, 1, limit))]
