"""The BG/NBD expectations kept across chunks: the same values a chunk computes alone, once."""

import threading

import numpy as np
import pytest

from analytics.pipeline import expectations as module
from analytics.pipeline.config import WEEKS_PER_MONTH
from analytics.pipeline.expectations import ExpectationTable
from analytics.stats import bgnbd
from analytics.stats.bgnbd import BgNbdParameters

FITTED = BgNbdParameters(r=0.8, alpha=4.0, a=1.6, b=2.5)
HORIZON = 6


def _direct(fitted, x, age_days):
    """What a chunk computed on its own: E[Y(m) | alive] for each customer, row 0 zeros."""
    table = np.zeros((HORIZON + 1, len(x)))
    for month in range(1, HORIZON + 1):
        table[month] = bgnbd.expected_transactions_if_alive(
            fitted, month * WEEKS_PER_MONTH, x.astype(float), age_days / 7.0
        )
    return table


@pytest.fixture
def counted(monkeypatch):
    """How many (customer, month) values the table asked the model for."""
    calls = []
    original = bgnbd.expected_transactions_if_alive

    def counting(fitted, horizon, x, age):
        calls.append(len(x))
        return original(fitted, horizon, x, age)

    monkeypatch.setattr(module.bgnbd, "expected_transactions_if_alive", counting)
    return calls


def test_the_values_are_exactly_those_computed_customer_by_customer():
    # given customers with repeated and distinct (x, age) histories, in any order
    x = np.array([0.0, 3.0, 3.0, 12.0, 0.0, 3.0])
    age_days = np.array([10.0, 400.0, 400.0, 700.0, 10.0, 401.0])

    # when
    table = ExpectationTable().cumulative(FITTED, HORIZON, x, age_days)

    # then (equal to the last bit: the function is evaluated element by element)
    np.testing.assert_array_equal(table, _direct(FITTED, x, age_days))


def test_a_history_is_computed_once_across_chunks(counted):
    # given a table that served one chunk
    table = ExpectationTable()
    table.cumulative(FITTED, HORIZON, np.array([1.0, 2.0, 2.0]), np.array([50.0, 90.0, 90.0]))
    assert sum(counted) == 2 * HORIZON  # two distinct histories, each month once

    # when the next chunk repeats one history and brings one new
    counted.clear()
    second = table.cumulative(FITTED, HORIZON, np.array([2.0, 5.0]), np.array([90.0, 300.0]))

    # then only the new one is computed, and both values are right
    assert sum(counted) == HORIZON
    np.testing.assert_array_equal(
        second, _direct(FITTED, np.array([2.0, 5.0]), np.array([90.0, 300.0]))
    )


def test_other_parameters_start_afresh(counted):
    # given a table filled under one run's parameters
    table = ExpectationTable()
    x, age_days = np.array([4.0]), np.array([200.0])
    table.cumulative(FITTED, HORIZON, x, age_days)

    # when the next run fitted other parameters
    refitted = BgNbdParameters(r=0.9, alpha=4.0, a=1.6, b=2.5)
    counted.clear()
    values = table.cumulative(refitted, HORIZON, x, age_days)

    # then nothing of the old run is reused
    assert sum(counted) == HORIZON
    np.testing.assert_array_equal(values, _direct(refitted, x, age_days))


def test_chunks_on_threads_at_once_get_the_right_values():
    # given one table and eight chunks with overlapping histories
    table = ExpectationTable()
    rng = np.random.default_rng(7)
    chunks = [
        (rng.integers(0, 6, 300).astype(float), rng.integers(0, 40, 300).astype(float) * 7)
        for _ in range(8)
    ]
    results: dict[int, np.ndarray] = {}
    start = threading.Barrier(len(chunks))

    def work(index: int) -> None:
        start.wait()
        results[index] = table.cumulative(FITTED, HORIZON, *chunks[index])

    # when they run at once
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(chunks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then each got its own customers' values
    for index, (x, age_days) in enumerate(chunks):
        np.testing.assert_array_equal(results[index], _direct(FITTED, x, age_days))


def test_no_customers_and_no_horizon_give_empty_tables():
    table = ExpectationTable()
    assert table.cumulative(FITTED, HORIZON, np.array([]), np.array([])).shape == (HORIZON + 1, 0)
    np.testing.assert_array_equal(
        table.cumulative(FITTED, 0, np.array([1.0]), np.array([10.0])), np.zeros((1, 1))
    )
