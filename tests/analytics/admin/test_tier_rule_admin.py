"""The tier-rule admin: refuses overlaps/gaps with the reason, previews moves, edits several rules."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from analytics.models import TierRule
from analytics.services.pipeline_execute import pipeline_run_execute
from crm import roles
from tests.analytics.conftest import AS_OF, paid_invoice
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def _form_data(rule: TierRule, **changes) -> dict:
    data = {
        "name": rule.name,
        "tier": rule.tier,
        "is_active": "on" if rule.is_active else "",
        "position": rule.position,
        "risk_grades": list(rule.risk_grades),
        "on_hold": rule.on_hold,
        "description": rule.description,
    }
    for field in (
        "days_past_due_above",
        "days_past_due_at_most",
        "value_percentile_above",
        "value_percentile_at_most",
        "days_late_above",
        "days_late_at_most",
    ):
        value = getattr(rule, field)
        data[field] = "" if value is None else str(value)
    data.update(changes)
    if not data["is_active"]:
        data.pop("is_active")
    return data


def test_saving_an_overlapping_rule_shows_the_reason_and_saves_nothing(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    vip = TierRule.objects.get(name__startswith="VIP")
    url = reverse("admin:analytics_tierrule_change", args=[vip.pk])

    # when
    response = client.post(url, _form_data(vip, value_percentile_above="80"))

    # then
    assert response.status_code == 200
    assert "Overlap: rules" in response.content.decode()
    assert TierRule.objects.get(pk=vip.pk).value_percentile_above == Decimal("90")


def test_preview_on_the_rule_form_shows_moves_and_saves_nothing(staff_client):
    # given two customers, the better one VIP; preview making VIP require days late <= 0
    client, _user = staff_client(roles.FINANCE_ADMIN)
    for total, late in (("1000.00", 5), ("5000.00", 5)):
        paid_invoice(
            CustomerFactory(),
            issued=AS_OF - datetime.timedelta(days=60),
            total=total,
            days_late=late,
        )
    pipeline_run_execute(as_of=AS_OF)
    rule = TierRule.objects.get(name__startswith="Normal: below")
    url = reverse("admin:analytics_tierrule_change", args=[rule.pk])

    # when the preview of a sound single-rule change (a description) is asked
    response = client.post(url, {**_form_data(rule, description="x"), "_preview": "Preview"})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Preview: no customer would change tier (nothing saved)." in page
    assert TierRule.objects.get(pk=rule.pk).description == ""


def test_changelist_saves_adjoining_rules_together_and_previews_first(staff_client):
    # given two customers: the top one is VIP with 5 weighted days late
    client, _user = staff_client(roles.FINANCE_ADMIN)
    for total in ("1000.00", "5000.00"):
        paid_invoice(
            CustomerFactory(), issued=AS_OF - datetime.timedelta(days=60), total=total, days_late=5
        )
    pipeline_run_execute(as_of=AS_OF)
    rules = list(TierRule.objects.order_by("position", "id"))
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for index, rule in enumerate(rules):
        data[f"form-{index}-id"] = str(rule.pk)
        for field in (
            "days_past_due_above",
            "days_past_due_at_most",
            "value_percentile_above",
            "value_percentile_at_most",
            "days_late_above",
            "days_late_at_most",
        ):
            value = getattr(rule, field)
            if rule.name.startswith("VIP") and field == "days_late_at_most":
                value = Decimal("3")
            if rule.name == "Normal: top decile but pays late" and field == "days_late_above":
                value = Decimal("3")
            data[f"form-{index}-{field}"] = "" if value is None else str(value)
    url = reverse("admin:analytics_tierrule_changelist")

    # when previewing
    preview = client.post(url, {**data, "_save": "_preview"})

    # then the move is shown and nothing is saved
    assert "Preview (nothing saved): 1 from VIP to Normal." in preview.content.decode()
    assert TierRule.objects.get(name__startswith="VIP").days_late_at_most == Decimal("10")

    # when saving
    saved = client.post(url, {**data, "_save": "Save"})

    # then both rules changed together
    assert saved.status_code == 302
    assert TierRule.objects.get(name__startswith="VIP").days_late_at_most == Decimal("3")
    assert TierRule.objects.get(name="Normal: top decile but pays late").days_late_above == Decimal(
        "3"
    )


def test_changelist_refuses_a_set_with_a_gap(staff_client):
    # given only VIP changed
    client, _user = staff_client(roles.FINANCE_ADMIN)
    rules = list(TierRule.objects.order_by("position", "id"))
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, rule in enumerate(rules):
        data[f"form-{index}-id"] = str(rule.pk)
        for field in (
            "days_past_due_above",
            "days_past_due_at_most",
            "value_percentile_above",
            "value_percentile_at_most",
            "days_late_above",
            "days_late_at_most",
        ):
            value = getattr(rule, field)
            if rule.name.startswith("VIP") and field == "value_percentile_above":
                value = Decimal("95")
            data[f"form-{index}-{field}"] = "" if value is None else str(value)

    # when
    response = client.post(reverse("admin:analytics_tierrule_changelist"), data)

    # then
    assert response.status_code == 200
    assert "Gap: no active rule matches customers" in response.content.decode()
    assert TierRule.objects.get(name__startswith="VIP").value_percentile_above == Decimal("90")


def test_a_sales_rep_cannot_open_the_tier_rules(staff_client):
    client, _user = staff_client(roles.SALES_REP)
    response = client.get(reverse("admin:analytics_tierrule_changelist"))
    assert response.status_code == 403
