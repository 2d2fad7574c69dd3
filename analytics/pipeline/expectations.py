"""BG/NBD expectations given alive, computed once per distinct history and kept across chunks.

A customer's expected invoices over the next m months, given it is alive,
depends only on its repeat invoices ``x``, its age and the run's fitted
parameters (:func:`analytics.stats.bgnbd.expected_transactions_if_alive`); the
Gauss hypergeometric function in it is most of the cost of a chunk's CLV. The
100,000 customers of the demo portfolio have about 16,500 distinct (x, age)
pairs, where chunks of 10,000 computed 54,000 between them, each on its own.

:class:`ExpectationTable` keeps the pairs of the parameters it last served, for
every chunk a process computes one after another (a Celery worker, or a job of
``analytics_run``, each with its own table: with two of them each computes
about five chunks of the demo portfolio). The values are the very ones a chunk
would compute alone: the function is evaluated element by element.
"""

from __future__ import annotations

import threading

import numpy as np

from analytics.pipeline.config import WEEKS_PER_MONTH
from analytics.stats import bgnbd
from analytics.stats.bgnbd import BgNbdParameters

# x (repeat invoices) and age in days are whole numbers: one int64 code per pair.
_AGE_BITS = 32


class ExpectationTable:
    """E[Y(m) | alive] for months 1..horizon, by distinct (x, age in days), for one parameter set.

    Thread-safe (chunks computed at once on threads could share it): a pair computed
    by two of them at the same moment is kept once. Asked for other parameters it starts afresh, so it
    holds at most the distinct histories of one run.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: tuple | None = None
        self._codes = np.empty(0, dtype=np.int64)  # sorted
        self._values = np.empty((0, 0))  # one row of ``horizon`` months per code

    def cumulative(
        self, fitted: BgNbdParameters, horizon: int, x: np.ndarray, age_days: np.ndarray
    ) -> np.ndarray:
        """(horizon + 1) × n: row m is E[Y(m months) | alive] of each customer, row 0 zeros."""
        x_whole = np.asarray(x, dtype=float).astype(np.int64)
        days = np.asarray(age_days, dtype=float).astype(np.int64)
        codes = (x_whole << _AGE_BITS) | days
        wanted, positions = np.unique(codes, return_inverse=True)
        owner = (fitted.r, fitted.alpha, fitted.a, fitted.b, horizon)
        with self._lock:
            if self._owner != owner:
                self._owner = owner
                self._codes = np.empty(0, dtype=np.int64)
                self._values = np.empty((0, horizon))
            known_codes, known_values = self._codes, self._values
        at = np.searchsorted(known_codes, wanted)
        found = at < len(known_codes)
        found[found] = known_codes[at[found]] == wanted[found]
        missing = wanted[~found]
        computed = _if_alive(
            fitted, horizon, missing >> _AGE_BITS, missing & ((1 << _AGE_BITS) - 1)
        )
        rows = np.empty((len(wanted), horizon))
        rows[found] = known_values[at[found]]
        rows[~found] = computed
        if len(missing):
            self._keep(owner, missing, computed)
        table = np.zeros((horizon + 1, len(codes)))
        table[1:] = rows[positions.reshape(-1)].T
        return table

    def _keep(self, owner: tuple, codes: np.ndarray, values: np.ndarray) -> None:
        with self._lock:
            if self._owner != owner:  # another run's parameters took over meanwhile
                return
            merged, first = np.unique(np.concatenate([self._codes, codes]), return_index=True)
            self._values = np.concatenate([self._values, values])[first]
            self._codes = merged


def _if_alive(
    fitted: BgNbdParameters, horizon: int, x: np.ndarray, age_days: np.ndarray
) -> np.ndarray:
    """len(x) × horizon: E[Y(m months) | alive] for m = 1..horizon."""
    values = np.empty((len(x), horizon))
    x, age = x.astype(float), age_days.astype(float) / 7.0
    for month in range(1, horizon + 1):
        values[:, month - 1] = bgnbd.expected_transactions_if_alive(
            fitted, month * WEEKS_PER_MONTH, x, age
        )
    return values


# One per process: every chunk the process computes shares it.
expectations = ExpectationTable()
