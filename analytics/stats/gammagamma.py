"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves").

A customer's transaction values are Gamma(p, ν) with their own ν ~ Gamma(q, γ);
the mean ``m`` of their ``x`` transactions is then a sufficient statistic. We
fit it to the mean margin per invoice of customers with at least two invoices.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import digamma, gammaln

from analytics.stats.bgnbd import FitError
from analytics.stats.optimize import minimise_negative_log_likelihood

# Where L-BFGS-B may search (logs of p, q and γ in units of the mean value): a little
# beyond what a fit may return, so no step reaches values where the likelihood overflows.
BOUNDS = [(np.log(1e-7), np.log(1e7))] * 3


@dataclass(frozen=True)
class GammaGammaParameters:
    p: float
    q: float
    gamma: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @property
    def population_mean(self) -> float:
        """E[Z] = pγ/(q-1); finite only for q > 1."""
        if self.q <= 1:
            raise FitError(f"q = {self.q:.3f} ≤ 1: the mean spend is not finite")
        return self.p * self.gamma / (self.q - 1)


def log_likelihood(params: GammaGammaParameters, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Log density of each customer's mean value ``m`` over ``x`` transactions."""
    p, q, gamma = params.p, params.q, params.gamma
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x)
        + (px - 1) * np.log(m)
        - (px + q) * np.log(gamma + x * m)
    )


def _objective_and_gradient(
    log_params: np.ndarray,
    values: np.ndarray,
    positions: np.ndarray,
    x: np.ndarray,
    log_x: np.ndarray,
    m: np.ndarray,
    log_m: np.ndarray,
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood and its gradient in the logs of (p, q, γ).

    The gamma functions of p·x are computed once per distinct x (``values``;
    ``positions`` maps customers to them): x is a count of invoices.
    """
    p, q, gamma = np.exp(log_params)
    n = len(x)
    px = p * x
    p_values = p * values
    log_total = np.log(gamma + x * m)
    value = (
        -float(
            np.sum(
                (gammaln(p_values + q) - gammaln(p_values))[positions]
                + px * log_x
                + (px - 1) * log_m
                - (px + q) * log_total
            )
            - n * (gammaln(q) - q * np.log(gamma))
        )
        / n
    )
    if not np.isfinite(value):
        return 1e300, np.zeros(3)
    digamma_sum = digamma(p_values + q)
    d_p = x * ((digamma_sum - digamma(p_values))[positions] + log_x + log_m - log_total)
    d_q = digamma_sum[positions] - digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + x * m)
    # Chain rule for the logs of the parameters: d/d(log θ) = θ · d/dθ.
    gradient = -np.array([p * d_p.sum(), q * d_q.sum(), gamma * d_gamma.sum()]) / n
    if not np.all(np.isfinite(gradient)):
        return 1e300, np.zeros(3)
    return value, gradient


def fit(x: np.ndarray, m: np.ndarray) -> GammaGammaParameters:
    """Maximum-likelihood estimates (optimised over the logs of the parameters).

    L-BFGS-B with the analytic gradient (measured: 0.01-0.08 s for 15,000
    customers, against 0.4-0.6 s for the simplex it replaces; on simulated data
    the same maximum, the mean spend equal to 5 digits); the simplex takes over
    when it does not converge.
    """
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    if len(x) == 0 or np.any(m <= 0) or np.any(x <= 0):
        raise FitError("Gamma-Gamma needs customers with positive mean values")
    n = len(x)
    # Fit in units of the mean value so the optimiser sees numbers near 1.
    scale = float(np.mean(m))
    scaled = m / scale
    distinct_x, positions = np.unique(x, return_inverse=True)
    arguments = (distinct_x, positions, x, np.log(x), scaled, np.log(scaled))

    def objective(log_params: np.ndarray) -> float:
        p, q, gamma = np.exp(log_params)
        return -np.sum(log_likelihood(GammaGammaParameters(p, q, gamma), x, scaled)) / n

    initial = np.log([1.0, 2.0, 1.0])
    best = minimise_negative_log_likelihood(
        _objective_and_gradient,
        objective,
        initial,
        args=arguments,
        bounds=BOUNDS,
        xatol=1e-7,
        fatol=1e-11,
    )
    p, q, gamma = np.exp(best.x)
    fitted = GammaGammaParameters(p=float(p), q=float(q), gamma=float(gamma * scale))
    values = np.array([fitted.p, fitted.q, fitted.gamma / scale])
    if not np.all(np.isfinite(values)) or best.fun >= 1e299:
        raise FitError(f"the likelihood could not be maximised ({best.message})")
    if np.any(values > 1e6) or np.any(values < 1e-6):
        raise FitError(f"parameters ran to the edge of the space: {fitted}")
    return fitted


def conditional_expected_value(
    params: GammaGammaParameters, x: np.ndarray, m: np.ndarray
) -> np.ndarray:
    """E[Z | x, m] = (γ + x·m)·p / (p·x + q − 1): the customer's mean shrunk to the population's."""
    if params.q <= 1:
        raise FitError(f"q = {params.q:.3f} ≤ 1: the mean spend is not finite")
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    return (params.gamma + x * m) * params.p / (params.p * x + params.q - 1)


def simulate(params: GammaGammaParameters, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw each customer's mean value over ``x`` transactions under the model."""
    x = np.asarray(x, dtype=int)
    nu = rng.gamma(shape=params.q, scale=1.0 / params.gamma, size=len(x))
    # The sum of x Gamma(p, ν) draws is Gamma(p·x, ν).
    totals = rng.gamma(shape=params.p * x, scale=1.0 / nu)
    return totals / x
