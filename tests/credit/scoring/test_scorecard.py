"""Points, score, grade and reasons from component values, and the checks on the settings."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from django.utils import translation

from credit.scoring.config import ScoringConfigurationError, scorecard_get
from credit.scoring.reasons import reason_text
from credit.scoring.scorecard import grades_of, scores_compute, top_reasons

RAW = {
    "version": "test-1",
    "components": {
        "days_late": {"max_points": 600, "curve": [[0, 1.0], [10, 0.5], [30, 0.0]], "if_missing": 0.5},
        "bounced_payments": {"max_points": 400, "curve": [[0, 1.0], [2, 0.0]], "if_missing": 1.0},
    },
    "grades": [["A", 800], ["B", 600], ["C", 0]],
}  # fmt: skip


def _values(rows: dict[int, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["days_late", "bounced_payments"], dtype=float
    )


def test_points_follow_the_curves_with_straight_lines_between_points():
    # given customers at, between and beyond the curve points, one without data
    values = _values({1: (0, 0), 2: (5, 1), 3: (45, 3), 4: (np.nan, 0)})
    # when scored
    result = scores_compute(values, scorecard=scorecard_get(RAW))
    # then
    assert result["points_days_late"].tolist() == [600.0, 450.0, 0.0, 300.0]
    assert result["points_bounced_payments"].tolist() == [400.0, 200.0, 0.0, 400.0]
    assert result["score"].tolist() == [1000, 650, 0, 700]
    assert result["grade"].tolist() == ["A", "B", "C", "B"]


def test_grade_bands_include_their_lower_bound():
    scorecard = scorecard_get(RAW)
    grades = grades_of(np.array([1000, 800, 799, 600, 599, 0]), scorecard=scorecard)
    assert grades.tolist() == ["A", "A", "B", "B", "C", "C"]


def test_top_reasons_are_the_components_that_cost_most_points():
    # given one customer losing more on bounces, one on days late, one losing nothing
    values = _values({1: (5, 2), 2: (20, 1), 3: (0, 0)})
    result = scores_compute(values, scorecard=scorecard_get(RAW))
    # when the reasons are picked
    reasons = top_reasons(result, scorecard=scorecard_get(RAW))
    # then most points lost first; nothing for what cost nothing
    assert reasons[:, :2].tolist() == [[1, 0], [0, 1], [-1, -1]]


def test_default_settings_form_a_valid_scorecard_of_1000_points():
    scorecard = scorecard_get()
    assert sum(c.max_points for c in scorecard.components) == 1000
    assert scorecard.version == settings.CRM_CREDIT_SCORING["version"]
    assert scorecard.grade_names == ("A", "B", "C", "D", "E")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["components"]["days_late"].update(max_points=500), "add up to 900"),
        (lambda raw: raw["components"]["days_late"].update(curve=[[5, 1], [1, 0]]), "strictly increasing"),
        (lambda raw: raw["components"].update(speed={"max_points": 0, "curve": [[0, 1]]}), "unknown components"),
        (lambda raw: raw.update(grades=[["A", 100], ["B", 200], ["C", 0]]), "decrease strictly"),
        (lambda raw: raw.update(version=""), "'version'"),
        (lambda raw: raw["components"]["bounced_payments"].update(if_missing=2), "between 0 and 1"),
    ],
)  # fmt: skip
def test_a_wrong_setting_is_refused_with_a_message_that_names_it(change, message):
    raw = copy.deepcopy(RAW)
    change(raw)
    with pytest.raises(ScoringConfigurationError) as error:
        scorecard_get(raw)
    assert message in error.value.message
    assert "CRM_CREDIT_SCORING" in error.value.message


def test_reasons_are_plain_language_and_translated():
    # when a reason is worded in English and in Chinese
    with translation.override("en"):
        english = reason_text("open_over_60", 0.25)
    with translation.override("zh-hans"):
        chinese = reason_text("open_over_60", 0.25)
    # then it says what was measured, with the figure
    assert english == "25% of the open balance is more than 60 days past due."
    assert "25%" in chinese
    assert reason_text("days_late", None).startswith("No invoice was paid")
    assert reason_text("bounced_payments", 2.0) == "2 payments bounced in the last 12 months."
    assert reason_text("bounced_payments", 1.0) == "1 payment bounced in the last 12 months."


@pytest.mark.parametrize(
    ("trend", "english", "chinese"),
    [
        (12.5, "12.5 days later on average", "晚 12.5 天"),
        (-20.0, "20.0 days earlier on average", "早 20.0 天"),
    ],
)
def test_the_trend_reason_says_later_or_earlier(trend, english, chinese):
    # the trend costs points either way, so either direction can be a top reason
    with translation.override("en"):
        assert english in reason_text("trend", trend)
    with translation.override("zh-hans"):
        assert chinese in reason_text("trend", trend)
    with translation.override("en"):
        assert "-" not in reason_text("trend", trend)


def test_owing_money_without_a_limit_never_beats_using_a_granted_limit():
    # given the shipped scorecard, a customer owing money with no limit (utilization
    # unknown) and customers using 5 %, 100 % and 150 % of a granted limit
    scorecard = scorecard_get(settings.CRM_CREDIT_SCORING)
    utilization = next(c for c in scorecard.components if c.name == "utilization")
    used = np.interp([0.05, 1.0, 1.5], utilization.xs, utilization.fractions)
    # then the unknown utilization earns no more than a fully used limit
    assert utilization.if_missing <= used[1]
    assert utilization.if_missing <= used[0]
