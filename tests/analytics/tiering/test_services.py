"""Saving tier rules as a sound set, and the what-if preview (which writes nothing)."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest

from analytics.models import CustomerMetrics, TierRule
from analytics.services.pipeline_execute import pipeline_run_execute
from analytics.tiering.rules import active_rules
from analytics.tiering.services import (
    tier_rule_delete,
    tier_rule_save,
    tier_rules_save,
    tier_what_if,
    tier_what_if_for_rule,
)
from crm.exceptions import ValidationFailed
from customers.models import Customer
from tests.analytics.conftest import AS_OF, paid_invoice
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def _portfolio(values):
    """Customers with one paid invoice each, margins 40 % of the totals given."""
    customers = []
    for total in values:
        customer = CustomerFactory()
        paid_invoice(
            customer,
            issued=AS_OF - datetime.timedelta(days=60),
            total=str(total),
            cost=str(Decimal(total) * Decimal("0.6")),
        )
        customers.append(customer)
    pipeline_run_execute(as_of=AS_OF)
    return customers


def test_what_if_counts_moves_between_tiers_without_writing():
    # given ten customers of rising value: the top one (top decile) is VIP
    customers = _portfolio([1000 * (i + 1) for i in range(10)])
    assert Customer.objects.get(pk=customers[-1].pk).tier == "vip"
    rules = active_rules()
    before = list(CustomerMetrics.objects.order_by("pk").values_list("tier", flat=True))

    # when VIP would start above the 70th percentile (normal rules moved with it)
    changed = []
    for rule in rules:
        if rule.name.startswith(("VIP", "Normal: top decile")):
            rule = replace(rule, value_percentile_above=Decimal("70"))
        elif rule.name.startswith("Normal: below"):
            rule = replace(rule, value_percentile_at_most=Decimal("70"))
        changed.append(rule)
    moves = tier_what_if(rules=changed)

    # then two more customers would become VIP, and nothing was written
    assert moves == {("normal", "normal"): 7, ("normal", "vip"): 2, ("vip", "vip"): 1}
    assert list(CustomerMetrics.objects.order_by("pk").values_list("tier", flat=True)) == before
    assert Customer.objects.filter(tier="vip").count() == 1


def test_what_if_refuses_an_unsound_rule_set():
    # given
    _portfolio([100, 200])
    vip = TierRule.objects.get(name__startswith="VIP")
    spec = replace(
        next(r for r in active_rules() if r.rule_id == vip.pk),
        value_percentile_above=Decimal("50"),
    )

    # when / then
    with pytest.raises(ValidationFailed, match="Overlap"):
        tier_what_if_for_rule(rule=spec, replacing_id=vip.pk)


def test_saving_a_rule_that_overlaps_is_refused_and_nothing_changes():
    # given
    vip = TierRule.objects.get(name__startswith="VIP")
    vip.value_percentile_above = Decimal("80")

    # when / then
    with pytest.raises(ValidationFailed, match="Overlap: rules"):
        tier_rule_save(rule=vip)
    assert TierRule.objects.get(pk=vip.pk).value_percentile_above == Decimal("90")


def test_deactivating_a_rule_that_leaves_a_gap_is_refused():
    # given
    rule = TierRule.objects.get(name="Normal: top decile but pays late")
    rule.is_active = False

    # when / then
    with pytest.raises(ValidationFailed, match="Gap: no active rule"):
        tier_rule_save(rule=rule)
    assert TierRule.objects.get(pk=rule.pk).is_active is True


def test_deleting_a_needed_rule_is_refused():
    rule = TierRule.objects.get(name="Normal: below the top decile")
    with pytest.raises(ValidationFailed, match="Gap"):
        tier_rule_delete(rule=rule)
    assert TierRule.objects.filter(pk=rule.pk).exists()


def test_moving_a_threshold_saves_the_adjoining_rules_together():
    # given a stricter lateness bound for VIP and the matching normal rule
    vip = TierRule.objects.get(name__startswith="VIP")
    late = TierRule.objects.get(name="Normal: top decile but pays late")
    vip.days_late_at_most = Decimal("5")
    late.days_late_above = Decimal("5")

    # when saved alone, the VIP change leaves a gap
    with pytest.raises(ValidationFailed, match="Gap"):
        tier_rule_save(rule=vip)
    assert TierRule.objects.get(pk=vip.pk).days_late_at_most == Decimal("10")

    # when saved together
    tier_rules_save(rules=[vip, late])

    # then
    assert TierRule.objects.get(pk=vip.pk).days_late_at_most == Decimal("5")
    assert TierRule.objects.get(pk=late.pk).days_late_above == Decimal("5")


def test_the_what_if_of_unchanged_rules_moves_nobody_after_a_run():
    # given a top customer whose weighted days late is just above 10 (10.004 before the
    # stored rounding to two places) and twelve small ones
    big = CustomerFactory()
    paid_invoice(
        big, issued=datetime.date(2026, 6, 1), days_late=10, total="99900.00", cost="100.00"
    )
    paid_invoice(big, issued=datetime.date(2026, 7, 1), days_late=14, total="100.00", cost="10.00")
    for day in range(12):
        small = CustomerFactory()
        paid_invoice(small, issued=datetime.date(2026, 6, 1) + datetime.timedelta(days=day),
                     total="100.00", cost="90.00")  # fmt: skip
    pipeline_run_execute(as_of=AS_OF)
    # when the preview runs the active rules, unchanged, over the stored metrics
    moves = tier_what_if(rules=active_rules())
    # then it decides what the run decided: nobody moves
    assert all(before == after for before, after in moves), moves
    assert CustomerMetrics.objects.get(customer=big).weighted_days_late == Decimal("10.00")
