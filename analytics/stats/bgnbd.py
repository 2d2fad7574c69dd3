"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

Per customer: ``x`` repeat transactions, ``t_x`` the time of the last one and
``age`` (T in the paper) the length of observation, both measured from the first transaction.
While alive a customer transacts as a Poisson process with rate
λ ~ Gamma(r, α); after each repeat transaction they drop out with probability
p ~ Beta(a, b). Everything here works on numpy arrays, in logs where sums of
products would overflow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from analytics.stats.optimize import minimise_negative_log_likelihood


@dataclass(frozen=True)
class BgNbdParameters:
    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# Where L-BFGS-B may search, in the logs of the parameters: a little beyond what a fit
# may return (see ``fit``), so a step along a flat ridge cannot reach values where the
# likelihood overflows and evaluates to nonsense.
BOUNDS = [(np.log(1e-7), np.log(1e9))] * 4


class FitError(Exception):
    """The maximum-likelihood fit did not converge to usable parameters."""


def log_likelihood(
    params: BgNbdParameters, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each customer (FHL 2005, equation 6)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    survived = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + age)
    has_repeat = x > 0
    # B(a+1, b+x-1)/B(a, b); only defined (and only used) where x > 0.
    x_safe = np.where(has_repeat, x, 1.0)
    dropped = betaln(a + 1, b + x_safe - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    combined = np.where(has_repeat, np.logaddexp(survived, dropped), survived)
    return head + combined


def _objective_and_gradient(
    log_params: np.ndarray,
    values: np.ndarray,
    positions: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood and its gradient in the logs of (r, α, a, b).

    The terms that depend on x alone (gamma and beta functions, digammas) are
    computed once per distinct x (``values``; ``positions`` maps customers to
    them): x is a count, so there are a few dozen, not one per customer.
    """
    r, alpha, a, b = np.exp(log_params)
    n = len(x)
    values_safe = np.where(values > 0, values, 1.0)
    beta_ab = betaln(a, b)
    head = (gammaln(r + values) - gammaln(r) + r * np.log(alpha))[positions]
    survived_x = (betaln(a, b + values) - beta_ab)[positions]
    dropped_x = (betaln(a + 1, b + values_safe - 1) - beta_ab)[positions]
    log_age, log_last = np.log(alpha + age), np.log(alpha + t_x)
    r_x = r + x
    survived = survived_x - r_x * log_age
    dropped = dropped_x - r_x * log_last
    has_repeat = x > 0
    combined = np.where(has_repeat, np.logaddexp(survived, dropped), survived)
    value = -float(np.sum(head + combined)) / n
    if not np.isfinite(value):
        return 1e300, np.zeros(4)
    # Weights of the two branches of equation 6 (the "dropped" one only where x > 0).
    weight_dropped = np.where(has_repeat, np.exp(dropped - combined), 0.0)
    weight_survived = 1.0 - weight_dropped
    digamma_b = digamma(b)
    by_a = (digamma(a + b) - digamma(a + b + values))[positions]
    by_r = (digamma(r + values) - digamma(r) + np.log(alpha))[positions]
    d_r = by_r - weight_survived * log_age - weight_dropped * log_last
    d_alpha = r / alpha - r_x * (weight_survived / (alpha + age) + weight_dropped / (alpha + t_x))
    d_a = by_a + weight_dropped / a
    d_b = (
        by_a
        + weight_survived * (digamma(b + values) - digamma_b)[positions]
        + weight_dropped * (digamma(b + values_safe - 1) - digamma_b)[positions]
    )
    # Chain rule for the logs of the parameters: d/d(log θ) = θ · d/dθ.
    gradient = -np.array([r * d_r.sum(), alpha * d_alpha.sum(), a * d_a.sum(), b * d_b.sum()]) / n
    if not np.all(np.isfinite(gradient)):
        return 1e300, np.zeros(4)
    return value, gradient


def fit(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray, *, start: BgNbdParameters | None = None
) -> BgNbdParameters:
    """Maximum-likelihood estimates (optimised over the logs of the parameters).

    L-BFGS-B with the analytic gradient (measured: 0.05-0.13 s for 20,000
    customers, against 0.7-1.4 s with finite differences); the simplex takes
    over when it does not converge. Where the likelihood has a maximum, both
    find it. Where it rises without end along a ridge of a and b with a/(a+b)
    fixed (a dropout probability that hardly varies: the demo portfolio), any
    optimiser stops somewhere on the ridge; this one goes further (a, b in the
    thousands and millions rather than tens and thousands, log-likelihood up
    by about 1 over 20,000 customers) and the predictions hardly move (on the
    demo portfolio P(alive) by at most 0.009, expected invoices by 1 % at the
    99th percentile).
    """
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    if len(x) == 0:
        raise FitError("no customers to fit")
    first = start or BgNbdParameters(r=1.0, alpha=float(max(np.mean(age), 1.0)), a=1.0, b=1.0)
    n = len(x)
    distinct_x, positions = np.unique(x, return_inverse=True)
    arguments = (distinct_x, positions, x, t_x, age)

    def objective(log_params: np.ndarray) -> float:
        params = BgNbdParameters(*(float(v) for v in np.exp(log_params)))
        return -np.sum(log_likelihood(params, x, t_x, age)) / n

    initial = np.log([first.r, first.alpha, first.a, first.b])
    best = minimise_negative_log_likelihood(
        _objective_and_gradient,
        objective,
        initial,
        args=arguments,
        bounds=BOUNDS,
        xatol=1e-6,
        fatol=1e-10,
    )
    fitted = BgNbdParameters(*(float(v) for v in np.exp(best.x)))
    values = np.array([fitted.r, fitted.alpha, fitted.a, fitted.b])
    if not np.all(np.isfinite(values)) or not np.isfinite(best.fun) or best.fun >= 1e299:
        raise FitError(f"the likelihood could not be maximised ({best.message})")
    # a and b in the millions are legitimate: a dropout probability that hardly varies
    # between customers. Beyond 1e8 (or near 0) the optimiser has run off the space.
    if np.any(values > 1e8) or np.any(values < 1e-6):
        raise FitError(f"parameters ran to the edge of the space: {fitted}")
    return fitted


def probability_alive(
    params: BgNbdParameters, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(alive | x, t_x, age) (FHL 2005, equation 11); 1 for customers without repeats."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=float)
    x_safe = np.where(x > 0, x, 1.0)
    log_ratio = (
        np.log(a) - np.log(b + x_safe - 1) + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    )
    result = 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700.0)))
    return np.where(x > 0, result, 1.0)


def expected_transactions(
    params: BgNbdParameters,
    horizon: float,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    *,
    alive: np.ndarray | None = None,
) -> np.ndarray:
    """E[Y(horizon) | x, t_x, age]: expected transactions in (age, age + horizon] (FHL 2005, eq. 10).

    ``alive``: P(alive) of the same customers when already computed (it does not depend
    on the horizon; the pipeline evaluates 24 horizons per customer).
    """
    x = np.asarray(x, dtype=float)
    if alive is None:
        alive = probability_alive(params, x, t_x, age)
    # Equation 10 divided by its denominator is the same as multiplying by P(alive).
    return expected_transactions_if_alive(params, horizon, x, age) * alive


def expected_transactions_if_alive(
    params: BgNbdParameters, horizon: float, x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """E[Y(horizon) | x, t_x, age] / P(alive | x, t_x, age): a function of x and age alone.

    Customers with the same x and age share it (the pipeline computes it once per
    distinct pair: the Gauss hypergeometric function is most of the CLV's cost).
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=float)
    age = np.asarray(age, dtype=float)
    if horizon <= 0:
        return np.zeros_like(x)
    if a <= 1:
        raise FitError(f"a = {a:.3f} ≤ 1: the expected number of future transactions is not finite")
    z = horizon / (alpha + age + horizon)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1.0 - np.exp((r + x) * (np.log(alpha + age) - np.log(alpha + age + horizon))) * hyp
    head = (a + b + x - 1) / (a - 1)
    return head * bracket


def simulate(
    params: BgNbdParameters, age: np.ndarray, rng: np.random.Generator, *, holdout: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw (x, t_x, transactions in (age, age + holdout]) for customers observed for ``age``.

    The process of FHL 2005: a customer is alive at their first transaction
    (time 0) and may drop out only after a repeat transaction. For tests.
    """
    age = np.asarray(age, dtype=float)
    rates = rng.gamma(shape=params.r, scale=1.0 / params.alpha, size=len(age))
    dropouts = rng.beta(params.a, params.b, size=len(age))
    x = np.zeros(len(age))
    t_x = np.zeros(len(age))
    future = np.zeros(len(age))
    for i, (rate, dropout, horizon) in enumerate(zip(rates, dropouts, age, strict=True)):
        now = 0.0
        while True:
            now += rng.exponential(1.0 / rate)
            if now > horizon + holdout:
                break
            if now > horizon:
                future[i] += 1
            else:
                x[i] += 1
                t_x[i] = now
            if rng.random() < dropout:
                break
    return x, t_x, future
