"""Tier rules as boxes, and the check that a rule set neither overlaps nor leaves a gap.

The space of tiering inputs is: risk grade (A-E or not graded), credit hold
(yes/no), and three numbers — max days past due (≥ 0), value percentile
(0-100) and amount-weighted days late (≥ 0). A rule constrains each input:
a set of grades, a hold condition, and per number an interval ``(above, at_most]``
(an empty bound is unbounded). Customers matching rules of two different
tiers make an *overlap*; inputs no rule matches make a *gap*.

Both are decided exactly: every bound in the rule set is a breakpoint, so the
space splits into finitely many cells, inside each of which every rule either
matches all points or none. Checking one point per cell checks the whole space,
and the first bad cell is the witness shown to the user.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext as _

from analytics.models import OnHoldCondition, TierRule
from customers.models import Tier

GRADES = ("A", "B", "C", "D", "E", "")
NUMERIC = (
    # (field prefix, label, lowest value, highest value or None)
    ("days_past_due", "max days past due", Decimal(0), None),
    ("value_percentile", "value percentile", Decimal(0), Decimal(100)),
    ("days_late", "weighted days late", Decimal(0), None),
)
# A rule's bound fields, in form order: days_past_due_above, days_past_due_at_most, ...
BOUND_FIELDS = tuple(f"{prefix}_{side}" for prefix, *_ in NUMERIC for side in ("above", "at_most"))


@dataclass(frozen=True)
class RuleSpec:
    """One rule as plain data: from the database, an admin form or a what-if."""

    name: str
    tier: str
    risk_grades: tuple[str, ...] = ()
    on_hold: str = OnHoldCondition.EITHER
    days_past_due_above: Decimal | None = None
    days_past_due_at_most: Decimal | None = None
    value_percentile_above: Decimal | None = None
    value_percentile_at_most: Decimal | None = None
    days_late_above: Decimal | None = None
    days_late_at_most: Decimal | None = None
    position: int = 0
    rule_id: int | None = field(default=None, compare=False)

    @classmethod
    def from_model(cls, rule: TierRule) -> RuleSpec:
        def number(value):
            return None if value is None else Decimal(value)

        return cls(
            name=rule.name,
            tier=rule.tier,
            risk_grades=tuple(rule.risk_grades or ()),
            on_hold=rule.on_hold,
            days_past_due_above=number(rule.days_past_due_above),
            days_past_due_at_most=number(rule.days_past_due_at_most),
            value_percentile_above=number(rule.value_percentile_above),
            value_percentile_at_most=number(rule.value_percentile_at_most),
            days_late_above=number(rule.days_late_above),
            days_late_at_most=number(rule.days_late_at_most),
            position=rule.position,
            rule_id=rule.pk,
        )

    def bounds(self, prefix: str) -> tuple[Decimal | None, Decimal | None]:
        return getattr(self, f"{prefix}_above"), getattr(self, f"{prefix}_at_most")

    def grades(self) -> tuple[str, ...]:
        return self.risk_grades or GRADES

    def holds(self) -> tuple[bool, ...]:
        if self.on_hold == OnHoldCondition.ON_HOLD:
            return (True,)
        if self.on_hold == OnHoldCondition.NOT_ON_HOLD:
            return (False,)
        return (True, False)


def active_rules() -> list[RuleSpec]:
    return [RuleSpec.from_model(rule) for rule in TierRule.objects.filter(is_active=True)]


def rule_problems(rule: RuleSpec) -> list[str]:
    """What is wrong with one rule on its own."""
    problems = []
    if rule.tier not in Tier.values:
        problems.append(
            _("Rule “%(name)s”: unknown tier %(tier)s; use one of %(tiers)s.")
            % {"name": rule.name, "tier": rule.tier, "tiers": ", ".join(Tier.values)}
        )
    unknown = [grade for grade in rule.risk_grades if grade not in GRADES]
    if unknown:
        problems.append(
            _("Rule “%(name)s”: unknown risk grades %(grades)s; use A to E or blank (not graded).")
            % {"name": rule.name, "grades": ", ".join(map(repr, unknown))}
        )
    if rule.on_hold not in OnHoldCondition.values:
        problems.append(_("Rule “%(name)s”: unknown hold condition.") % {"name": rule.name})
    for prefix, label, lowest, highest in NUMERIC:
        above, at_most = rule.bounds(prefix)
        for bound in (above, at_most):
            if bound is not None and (bound < lowest or (highest is not None and bound > highest)):
                problems.append(
                    _("Rule “%(name)s”: %(label)s bound %(bound)s is outside %(low)s to %(high)s.")
                    % {
                        "name": rule.name,
                        "label": label,
                        "bound": _text(bound),
                        "low": lowest,
                        "high": highest if highest is not None else "∞",
                    }
                )
        if above is not None and at_most is not None and above >= at_most:
            problems.append(
                _(
                    "Rule “%(name)s”: %(label)s “above %(above)s and at most %(at_most)s” matches"
                    " nothing; the lower bound must be below the upper one."
                )
                % {"name": rule.name, "label": label, "above": above, "at_most": at_most}
            )
    return problems


def _text(value: Decimal) -> str:
    """90.00 -> "90", 10.50 -> "10.5"."""
    return f"{Decimal(value).normalize():f}"


def _cells(prefix: str, rules: Sequence[RuleSpec], lowest: Decimal, highest: Decimal | None):
    """Yield (representative value, description) for each cell of one numeric axis."""
    points = sorted(
        {bound for rule in rules for bound in rule.bounds(prefix) if bound is not None}
        | {lowest}
        | ({highest} if highest is not None else set())
    )
    # The lowest value is its own cell [lowest, lowest]; then (p_i, p_{i+1}]; then (p_k, ∞).
    yield lowest, f"= {_text(lowest)}"
    for low, high in itertools.pairwise(points):
        yield high, f"> {_text(low)} and ≤ {_text(high)}"
    if highest is None:
        yield points[-1] + 1, f"> {_text(points[-1])}"


def _matches_number(value: Decimal, above: Decimal | None, at_most: Decimal | None) -> bool:
    return (above is None or value > above) and (at_most is None or value <= at_most)


def _matches(rule: RuleSpec, grade: str, on_hold: bool, values: dict[str, Decimal]) -> bool:
    return (
        grade in rule.grades()
        and on_hold in rule.holds()
        and all(_matches_number(values[prefix], *rule.bounds(prefix)) for prefix, *_ in NUMERIC)
    )


def _describe(grade: str, on_hold: bool, descriptions: dict[str, str]) -> str:
    parts = [
        _("risk grade %(grade)s") % {"grade": grade} if grade else _("no risk grade yet"),
        _("on credit hold") if on_hold else _("not on credit hold"),
    ]
    parts += [f"{label} {descriptions[prefix]}" for prefix, label, *_ in NUMERIC]
    return ", ".join(parts)


def rule_set_problems(rules: Iterable[RuleSpec]) -> list[str]:
    """Every reason the rule set cannot be used; empty when it is sound.

    Reports each problem of a single rule, then the first gap and the first
    overlap between two tiers found (with the customers they concern).
    """
    rules = list(rules)
    problems = [problem for rule in rules for problem in rule_problems(rule)]
    if problems:
        return problems
    if not rules:
        return [_("There are no active tier rules: every customer would be left without a tier.")]
    axes = [list(_cells(prefix, rules, lowest, highest)) for prefix, _l, lowest, highest in NUMERIC]
    gap = overlap = None
    for grade, on_hold in itertools.product(GRADES, (True, False)):
        for combination in itertools.product(*axes):
            values = {
                prefix: cell[0] for (prefix, *_), cell in zip(NUMERIC, combination, strict=True)
            }
            matching = [rule for rule in rules if _matches(rule, grade, on_hold, values)]
            descriptions = {
                prefix: cell[1] for (prefix, *_), cell in zip(NUMERIC, combination, strict=True)
            }
            if not matching and gap is None:
                gap = _(
                    "Gap: no active rule matches customers with %(where)s. Add a rule or widen one."
                ) % {"where": _describe(grade, on_hold, descriptions)}
            tiers = {rule.tier for rule in matching}
            if len(tiers) > 1 and overlap is None:
                first = matching[0]
                second = next(rule for rule in matching if rule.tier != first.tier)
                overlap = _(
                    "Overlap: rules “%(first)s” (%(first_tier)s) and “%(second)s” (%(second_tier)s)"
                    " both match customers with %(where)s. Narrow one of them."
                ) % {
                    "first": first.name,
                    "first_tier": first.tier,
                    "second": second.name,
                    "second_tier": second.tier,
                    "where": _describe(grade, on_hold, descriptions),
                }
            if gap and overlap:
                break
    return [problem for problem in (gap, overlap) if problem]


@dataclass(frozen=True)
class TierInputs:
    """The tiering inputs of many customers, as aligned numpy arrays."""

    risk_grade: np.ndarray  # str; "" when not graded
    on_hold: np.ndarray  # bool
    days_past_due: np.ndarray  # float
    value_percentile: np.ndarray  # float; 0 where unknown
    days_late: np.ndarray  # float; 0 where unknown


def decide(rules: Sequence[RuleSpec], inputs: TierInputs) -> np.ndarray:
    """Index into ``rules`` (ordered by position) of the first rule each customer matches; -1 if none."""
    ordered = sorted(range(len(rules)), key=lambda i: (rules[i].position, i))
    decided = np.full(len(inputs.on_hold), -1, dtype=int)
    for index in ordered:
        rule = rules[index]
        mask = np.isin(inputs.risk_grade, list(rule.grades())) & np.isin(
            inputs.on_hold, list(rule.holds())
        )
        for prefix, column in (
            ("days_past_due", inputs.days_past_due),
            ("value_percentile", inputs.value_percentile),
            ("days_late", inputs.days_late),
        ):
            above, at_most = rule.bounds(prefix)
            if above is not None:
                mask &= column > float(above)
            if at_most is not None:
                mask &= column <= float(at_most)
        decided[(decided == -1) & mask] = index
    return decided
