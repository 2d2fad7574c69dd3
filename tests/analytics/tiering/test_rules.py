"""Tier rules: the default set is sound; overlaps and gaps are found with a witness."""

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from analytics.tiering.rules import RuleSpec, TierInputs, active_rules, decide, rule_set_problems

pytestmark = pytest.mark.django_db


def _defaults() -> list[RuleSpec]:
    return active_rules()


def _by_name(rules, start):
    return next(rule for rule in rules if rule.name.startswith(start))


def test_the_default_rules_of_design_section_8_have_no_gap_and_no_overlap():
    assert rule_set_problems(_defaults()) == []


def test_raising_only_the_vip_threshold_leaves_a_gap_and_says_where():
    # given VIP moved to "above 95" while "Normal: below the top decile" still stops at 90
    rules = _defaults()
    vip = _by_name(rules, "VIP")
    rules[rules.index(vip)] = replace(vip, value_percentile_above=Decimal("95"))

    # when
    problems = rule_set_problems(rules)

    # then
    assert len(problems) == 1
    assert problems[0].startswith("Gap: no active rule matches customers with risk grade A,")
    assert "value percentile > 90 and ≤ 95" in problems[0]


def test_lowering_only_the_vip_threshold_overlaps_normal_and_names_both_rules():
    # given
    rules = _defaults()
    vip = _by_name(rules, "VIP")
    rules[rules.index(vip)] = replace(vip, value_percentile_above=Decimal("80"))

    # when
    problems = rule_set_problems(rules)

    # then
    assert len(problems) == 1
    assert "Overlap: rules" in problems[0]
    assert "“VIP: top decile value, pays on time” (vip)" in problems[0]
    assert "“Normal: below the top decile” (normal)" in problems[0]
    assert "value percentile > 80 and ≤ 90" in problems[0]


def test_moving_vip_and_normal_together_is_sound():
    # given
    rules = _defaults()
    vip = _by_name(rules, "VIP")
    below = _by_name(rules, "Normal: below")
    late = _by_name(rules, "Normal: top decile")
    rules[rules.index(vip)] = replace(vip, value_percentile_above=Decimal("80"))
    rules[rules.index(below)] = replace(below, value_percentile_at_most=Decimal("80"))
    rules[rules.index(late)] = replace(late, value_percentile_above=Decimal("80"))

    # then
    assert rule_set_problems(rules) == []


def test_same_tier_rules_may_overlap():
    # given "grade D/E" and "on hold" both say high risk for a held grade-E customer
    rules = _defaults()

    # then (already in the defaults) no problem
    assert rule_set_problems(rules) == []


def test_a_rule_with_an_empty_interval_or_unknown_grade_is_refused_on_its_own():
    # given
    rules = [
        RuleSpec(
            name="Broken",
            tier="vip",
            risk_grades=("Z",),
            days_late_above=Decimal("10"),
            days_late_at_most=Decimal("5"),
        ),
        RuleSpec(name="Odd", tier="normal", value_percentile_above=Decimal("120")),
    ]

    # when
    problems = rule_set_problems(rules)

    # then
    assert any("unknown risk grades 'Z'" in problem for problem in problems)
    assert any("“above 10 and at most 5” matches nothing" in problem for problem in problems)
    assert any("value percentile bound 120 is outside 0 to 100" in problem for problem in problems)


def test_no_rules_is_a_gap():
    assert rule_set_problems([]) == [
        "There are no active tier rules: every customer would be left without a tier."
    ]


def test_decide_takes_the_first_matching_rule_by_position():
    # given four customers: grade E, on hold, 120 days past due with top value, top value on time
    rules = _defaults()
    inputs = TierInputs(
        risk_grade=np.array(["E", "A", "B", "A", "", "C"]),
        on_hold=np.array([False, True, False, False, False, False]),
        days_past_due=np.array([0.0, 0.0, 120.0, 0.0, 90.0, 5.0]),
        value_percentile=np.array([99.0, 99.0, 99.0, 95.0, 90.0, 91.0]),
        days_late=np.array([0.0, 0.0, 0.0, 10.0, 0.0, 10.01]),
    )

    # when
    decided = decide(rules, inputs)

    # then
    tiers = [rules[i].tier for i in decided]
    assert tiers == ["high_risk", "high_risk", "high_risk", "vip", "normal", "normal"]
    assert rules[decided[0]].name == "High risk: grade D or E"
    assert rules[decided[2]].name == "High risk: over 90 days past due"
    assert rules[decided[5]].name == "Normal: top decile but pays late"
