"""The CLV estimators recover the parameters they were simulated from.

Tolerances are relative errors, sized from eight seeds at these sample sizes
(worst errors seen: r 7 %, α 11 %, a 18 %, b 17 %, holdout total 4 %, p 15 %,
q 2 %, γ 15 %, mean spend 1 %). a/b and p/γ are correlated in the likelihood,
so their individual errors are wider than those of what CLV uses: the mean
spend and the expected number of future invoices, which are held tighter.
"""

import numpy as np
import pytest
from scipy.optimize import check_grad

from analytics.stats import bgnbd, gammagamma
from analytics.stats.bgnbd import BgNbdParameters, FitError
from analytics.stats.gammagamma import GammaGammaParameters

TRUE_BGNBD = BgNbdParameters(r=0.5, alpha=8.0, a=1.6, b=3.5)
TRUE_GG = GammaGammaParameters(p=6.0, q=4.0, gamma=150.0)


def _relative_error(estimate: float, truth: float) -> float:
    return abs(estimate - truth) / truth


def test_bgnbd_fit_recovers_simulated_parameters():
    # given 6,000 customers observed 30-80 weeks, simulated from known parameters
    rng = np.random.default_rng(20251123)
    age = rng.uniform(30, 80, size=6000)
    x, t_x, _ = bgnbd.simulate(TRUE_BGNBD, age, rng)

    # when
    fitted = bgnbd.fit(x, t_x, age)

    # then r and alpha within 15 %, a and b within 25 %
    assert _relative_error(fitted.r, TRUE_BGNBD.r) < 0.15
    assert _relative_error(fitted.alpha, TRUE_BGNBD.alpha) < 0.15
    assert _relative_error(fitted.a, TRUE_BGNBD.a) < 0.25
    assert _relative_error(fitted.b, TRUE_BGNBD.b) < 0.25
    # and the fitted likelihood is at least that of the truth (it is the maximum)
    assert np.sum(bgnbd.log_likelihood(fitted, x, t_x, age)) >= np.sum(
        bgnbd.log_likelihood(TRUE_BGNBD, x, t_x, age)
    )


def test_bgnbd_expected_transactions_match_a_simulated_holdout():
    # given customers simulated over a calibration period and a 26-week holdout
    rng = np.random.default_rng(11)
    age = rng.uniform(30, 80, size=6000)
    x, t_x, future = bgnbd.simulate(TRUE_BGNBD, age, rng, holdout=26.0)
    fitted = bgnbd.fit(x, t_x, age)

    # when
    expected = bgnbd.expected_transactions(fitted, 26.0, x, t_x, age)

    # then the portfolio total is within 8 % of what the customers actually did
    assert _relative_error(expected.sum(), future.sum()) < 0.08
    # and the prediction ranks customers: the top fifth by expectation buys far more
    top = expected >= np.quantile(expected, 0.8)
    assert future[top].mean() > 3 * future[~top].mean()


def test_bgnbd_probability_alive_is_one_without_repeats_and_falls_with_silence():
    # given two customers with the same history except the time since the last invoice
    x = np.array([0.0, 4.0, 4.0])
    t_x = np.array([0.0, 50.0, 10.0])
    age = np.array([52.0, 52.0, 52.0])

    # when
    alive = bgnbd.probability_alive(TRUE_BGNBD, x, t_x, age)

    # then
    assert alive[0] == 1.0
    assert 0 < alive[2] < alive[1] < 1


def test_bgnbd_expected_transactions_refuse_parameters_without_a_finite_mean():
    # given a fit with a <= 1
    params = BgNbdParameters(r=0.5, alpha=8.0, a=0.9, b=3.5)

    # when / then
    with pytest.raises(FitError, match="not finite"):
        bgnbd.expected_transactions(params, 10.0, np.array([1.0]), np.array([5.0]), np.array([9.0]))


def test_bgnbd_fit_of_nothing_is_an_error():
    with pytest.raises(FitError):
        bgnbd.fit(np.array([]), np.array([]), np.array([]))


def test_gamma_gamma_fit_recovers_simulated_parameters():
    # given 5,000 customers with 1-14 transactions each, simulated from known parameters
    rng = np.random.default_rng(42)
    x = rng.integers(1, 15, size=5000)
    m = gammagamma.simulate(TRUE_GG, x, rng)

    # when
    fitted = gammagamma.fit(x, m)

    # then q within 10 %, p and gamma within 25 %, the mean spend within 3 %
    assert _relative_error(fitted.q, TRUE_GG.q) < 0.10
    assert _relative_error(fitted.p, TRUE_GG.p) < 0.25
    assert _relative_error(fitted.gamma, TRUE_GG.gamma) < 0.25
    assert _relative_error(fitted.population_mean, TRUE_GG.population_mean) < 0.03


def test_gamma_gamma_conditional_value_shrinks_towards_the_population_mean():
    # given a customer whose one transaction was far above the mean and one with many
    x = np.array([1.0, 50.0])
    m = np.array([3 * TRUE_GG.population_mean, 3 * TRUE_GG.population_mean])

    # when
    expected = gammagamma.conditional_expected_value(TRUE_GG, x, m)

    # then one transaction says little, fifty say a lot
    assert TRUE_GG.population_mean < expected[0] < expected[1] < m[1]


def test_gamma_gamma_rejects_non_positive_values():
    with pytest.raises(FitError, match="positive"):
        gammagamma.fit(np.array([2, 3]), np.array([10.0, -1.0]))


def test_bgnbd_gradient_matches_finite_differences_of_the_likelihood():
    # given simulated customers and a point away from the maximum
    rng = np.random.default_rng(3)
    age = rng.uniform(30, 80, size=2000)
    x, t_x, _ = bgnbd.simulate(TRUE_BGNBD, age, rng)
    distinct, positions = np.unique(x, return_inverse=True)
    arguments = (distinct, positions, x, t_x, age)
    point = np.log([0.7, 5.0, 1.2, 2.0])

    # when
    value, gradient = bgnbd._objective_and_gradient(point, *arguments)

    # then the value is the mean negative log-likelihood and the gradient its derivative
    params = BgNbdParameters(*np.exp(point))
    assert value == pytest.approx(-np.mean(bgnbd.log_likelihood(params, x, t_x, age)))
    error = check_grad(
        lambda p: bgnbd._objective_and_gradient(p, *arguments)[0],
        lambda p: bgnbd._objective_and_gradient(p, *arguments)[1],
        point,
    )
    assert error < 1e-5 * np.linalg.norm(gradient) + 1e-7


def test_gamma_gamma_gradient_matches_finite_differences_of_the_likelihood():
    # given simulated mean values and a point away from the maximum
    rng = np.random.default_rng(4)
    x = rng.integers(1, 15, size=2000).astype(float)
    m = gammagamma.simulate(TRUE_GG, x, rng)
    scaled = m / m.mean()
    distinct, positions = np.unique(x, return_inverse=True)
    arguments = (distinct, positions, x, np.log(x), scaled, np.log(scaled))
    point = np.log([1.0, 2.0, 1.0])

    # when
    value, gradient = gammagamma._objective_and_gradient(point, *arguments)

    # then
    params = GammaGammaParameters(*np.exp(point))
    assert value == pytest.approx(-np.mean(gammagamma.log_likelihood(params, x, scaled)))
    error = check_grad(
        lambda p: gammagamma._objective_and_gradient(p, *arguments)[0],
        lambda p: gammagamma._objective_and_gradient(p, *arguments)[1],
        point,
    )
    assert error < 1e-5 * np.linalg.norm(gradient) + 1e-7
