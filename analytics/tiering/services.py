"""Saving tier rules (validated as a whole set) and the what-if preview."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from django.db import transaction

from analytics.models import CustomerMetrics, TierRule
from analytics.tiering.rules import RuleSpec, TierInputs, active_rules, decide, rule_set_problems
from credit.models import CreditProfile
from crm.exceptions import ValidationFailed


def tier_rule_set_with(
    *, rule: RuleSpec | None, replacing_id: int | None, active: bool
) -> list[RuleSpec]:
    """The active rule set as it would be with ``rule`` saved over ``replacing_id`` (or added)."""
    rules = [
        spec for spec in active_rules() if spec.rule_id != replacing_id or replacing_id is None
    ]
    if rule is not None and active:
        rules.append(replace(rule, rule_id=replacing_id))
    return rules


def tier_rule_set_edited(*, rules: Sequence[TierRule]) -> list[RuleSpec]:
    """The active rule set as it would be with the edited ``rules`` saved over their rows."""
    edited = {rule.pk for rule in rules if rule.pk is not None}
    specs = [spec for spec in active_rules() if spec.rule_id not in edited]
    specs += [RuleSpec.from_model(rule) for rule in rules if rule.is_active]
    return specs


def tier_rules_check(*, rules: Sequence[RuleSpec]) -> None:
    """Raise ValidationFailed listing every overlap, gap or malformed bound."""
    problems = rule_set_problems(rules)
    if problems:
        raise ValidationFailed(
            " ".join(problems), code="tier_rules_invalid", extra={"problems": problems}
        )


@transaction.atomic
def tier_rule_save(*, rule: TierRule) -> TierRule:
    """Save one rule if the active set it leaves is sound; nothing is written otherwise."""
    list(TierRule.objects.select_for_update().order_by("pk"))  # one editor of the set at a time
    spec = RuleSpec.from_model(rule)
    tier_rules_check(
        rules=tier_rule_set_with(rule=spec, replacing_id=rule.pk, active=rule.is_active)
    )
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def tier_rule_delete(*, rule: TierRule) -> None:
    list(TierRule.objects.select_for_update().order_by("pk"))
    if rule.is_active:
        tier_rules_check(rules=tier_rule_set_with(rule=None, replacing_id=rule.pk, active=False))
    rule.delete()


@transaction.atomic
def tier_rules_save(*, rules: Sequence[TierRule], check: bool = True) -> list[TierRule]:
    """Save several edited rules at once: the set they leave is checked as a whole.

    Moving a threshold usually touches two or three rules (VIP and the normal
    rules next to it); each step alone would leave a gap or an overlap.
    ``check=False`` only for a caller that has checked the complete edited set
    itself in this transaction (the admin's rule list saves row by row).
    """
    list(TierRule.objects.select_for_update().order_by("pk"))
    if check:
        tier_rules_check(rules=tier_rule_set_edited(rules=rules))
    for rule in rules:
        rule.full_clean()
        rule.save()
    return list(rules)


def tier_what_if(*, rules: Sequence[RuleSpec]) -> dict[tuple[str, str], int]:
    """How many customers would move from which tier to which under ``rules`` — no writes.

    Uses each customer's stored metrics (latest run) with their current risk
    grade and credit hold; customers without metrics are not counted.
    """
    tier_rules_check(rules=rules)
    rows = list(
        CustomerMetrics.objects.values_list(
            "customer_id",
            "customer__tier",
            "customer__risk_grade",
            "max_days_past_due",
            "value_percentile",
            "weighted_days_late",
        )
    )
    if not rows:
        return {}
    held = set(CreditProfile.objects.filter(is_on_hold=True).values_list("customer_id", flat=True))
    ids, tiers, grades, past_due, percentile, late = zip(*rows, strict=True)
    inputs = TierInputs(
        risk_grade=np.array([grade or "" for grade in grades], dtype=str),
        on_hold=np.array([customer_id in held for customer_id in ids], dtype=bool),
        days_past_due=np.array(past_due, dtype=float),
        value_percentile=np.array([float(v) if v is not None else 0.0 for v in percentile]),
        days_late=np.array([float(v) if v is not None else 0.0 for v in late]),
    )
    decided = decide(list(rules), inputs)
    moves: Counter = Counter()
    for current, index in zip(tiers, decided, strict=True):
        new = rules[index].tier if index >= 0 else current
        moves[(current, new)] += 1
    return dict(moves)


def tier_what_if_for_rule(*, rule: RuleSpec, replacing_id: int | None, active: bool = True):
    """The what-if of saving one edited rule (what the admin's Preview shows)."""
    return tier_what_if(
        rules=tier_rule_set_with(rule=rule, replacing_id=replacing_id, active=active)
    )
