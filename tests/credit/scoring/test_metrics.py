"""AUC, KS, the grade table with PD per grade and the migration matrix on constructed data."""

from __future__ import annotations

import numpy as np
import pytest

from credit.scoring.config import scorecard_get
from credit.scoring.metrics import auc_of, grade_table, ks_of, migration_matrix, roc_points

RAW = {
    "version": "test-1",
    "components": {"bounced_payments": {"max_points": 1000, "curve": [[0, 1.0], [1, 0.0]]}},
    "grades": [["A", 500], ["B", 0]],
    "pd_smoothing_customers": 0,
    "pd_floor": "0.0100",
}


def test_auc_is_one_when_every_defaulter_scores_below_every_good_customer():
    scores = np.array([100, 200, 700, 800, 900])
    defaulted = np.array([True, True, False, False, False])
    assert auc_of(scores, defaulted) == 1.0
    assert auc_of(scores, ~defaulted) == 0.0
    assert ks_of(scores, defaulted) == 1.0


def test_auc_counts_pairs_with_ties_as_half():
    # given pairs (defaulter, good): (300, 500) right, (600, 500) wrong, (500, 500) tie x2
    scores = np.array([300, 600, 500, 500, 500])
    defaulted = np.array([True, True, True, False, False])
    # 3 defaulters x 2 good = 6 pairs: 300<500 twice (2), 600>500 twice (0), 500=500 twice (1)
    assert auc_of(scores, defaulted) == pytest.approx(3 / 6)


def test_ks_is_the_largest_gap_between_the_two_distributions():
    scores = np.array([100, 400, 300, 600, 700, 800])
    defaulted = np.array([True, True, False, False, False, False])
    # at 400: all defaulters (1.0) but 1 of 4 good (0.25) at or below -> 0.75
    assert ks_of(scores, defaulted) == pytest.approx(0.75)


def test_metrics_need_both_kinds_of_customers():
    scores = np.array([100, 200])
    assert auc_of(scores, np.array([False, False])) is None
    assert ks_of(scores, np.array([True, True])) is None
    assert roc_points(scores, np.array([True, True])) == []


def test_roc_runs_from_nothing_refused_to_everything_refused():
    scores = np.array([100, 200, 700, 800])
    curve = roc_points(scores, np.array([True, False, True, False]), points=5)
    assert curve[0] == [0.0, 0.0]
    assert curve[-1] == [1.0, 1.0]


def test_grade_table_observed_rates_pd_floor_and_monotone_pd():
    scorecard = scorecard_get(RAW)
    # given grade A: 1 default in 4; grade B: 0 defaults in 2
    grades = np.array(["A", "A", "A", "A", "B", "B"])
    defaulted = np.array([True, False, False, False, False, False])
    # when the table is built
    table = grade_table(grades, defaulted, scorecard=scorecard)
    # then observed rates are exact; B's PD is not below A's (a worse grade is not safer)
    assert table == [
        {"grade": "A", "customers": 4, "defaults": 1, "default_rate": 0.25,
         "probability_of_default": "0.2500"},
        {"grade": "B", "customers": 2, "defaults": 0, "default_rate": 0.0,
         "probability_of_default": "0.2500"},
    ]  # fmt: skip


def test_grade_table_smooths_small_grades_towards_the_portfolio_rate():
    scorecard = scorecard_get({**RAW, "pd_smoothing_customers": 4})
    # portfolio: 2 defaults in 8 = 0.25; grade A: 0 of 6; grade B: 2 of 2
    grades = np.array(["A"] * 6 + ["B"] * 2)
    defaulted = np.array([False] * 6 + [True] * 2)
    table = grade_table(grades, defaulted, scorecard=scorecard)
    # A: (0 + 4 * 0.25) / (6 + 4) = 0.1; B: (2 + 1) / (2 + 4) = 0.5
    assert [row["probability_of_default"] for row in table] == ["0.1000", "0.5000"]


def test_grade_table_floor_applies_to_a_grade_without_defaults():
    table = grade_table(
        np.array(["A", "A"]), np.array([False, False]), scorecard=scorecard_get(RAW)
    )
    assert table[0]["probability_of_default"] == "0.0100"
    assert table[1] == {"grade": "B", "customers": 0, "defaults": 0, "default_rate": None,
                        "probability_of_default": "0.0100"}  # fmt: skip


def test_migration_matrix_counts_every_pair_of_grades():
    matrix = migration_matrix(
        np.array(["A", "A", "B"]), np.array(["A", "B", "B"]), scorecard=scorecard_get(RAW)
    )
    assert matrix == {"A": {"A": 1, "B": 1}, "B": {"A": 0, "B": 1}}
