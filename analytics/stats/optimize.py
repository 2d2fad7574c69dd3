"""Maximum likelihood by minimising a mean negative log-likelihood over log-parameters."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import OptimizeResult, minimize


def minimise_negative_log_likelihood(
    objective_and_gradient: Callable[..., tuple[float, np.ndarray]],
    objective: Callable[[np.ndarray], float],
    initial: np.ndarray,
    *,
    args: tuple,
    bounds: Sequence[tuple[float, float]],
    xatol: float,
    fatol: float,
) -> OptimizeResult:
    """L-BFGS-B with the analytic gradient; where it fails (it can stall on flat
    ridges), the Nelder-Mead simplex from the same start, polished by L-BFGS-B.
    Returns the best of the attempts; the caller checks it is finite and in range.

    ``objective`` may return a non-finite value where the likelihood overflows: the
    simplex sees 1e300 there (the worst value) instead."""

    def finite(log_params: np.ndarray) -> float:
        value = objective(log_params)
        return float(value) if np.isfinite(value) else 1e300

    best = minimize(
        objective_and_gradient, initial, args=args, jac=True, method="L-BFGS-B", bounds=bounds
    )
    if best.success and best.fun < 1e299:
        return best
    simplex = minimize(
        finite,
        initial,
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": xatol, "fatol": fatol},
    )
    polished = minimize(
        objective_and_gradient, simplex.x, args=args, jac=True, method="L-BFGS-B", bounds=bounds
    )
    return min((best, simplex, polished), key=lambda candidate: candidate.fun)
