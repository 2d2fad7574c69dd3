from __future__ import annotations

from decimal import Decimal

import pytest

from analytics.models import TierRule
from crm import roles
from customers.models import Tier
from tests.analytics.pages_helpers import metrics_for
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/analytics/tier-what-if/"
VIP_RULE = "VIP: top decile value, pays on time"


@pytest.fixture
def finance(client):
    client.force_login(UserFactory(roles=[roles.FINANCE_ADMIN]))
    # a "normal" customer whose figures put it in the top decile, paying on time
    metrics_for(
        CustomerFactory(tier=Tier.NORMAL),
        value_percentile=Decimal("95.00"),
        weighted_days_late=Decimal("2.00"),
        max_days_past_due=0,
    )
    # a "normal" customer that stays normal
    metrics_for(
        CustomerFactory(tier=Tier.NORMAL),
        value_percentile=Decimal("40.00"),
        weighted_days_late=Decimal("2.00"),
        max_days_past_due=0,
    )
    return client


def _vip() -> TierRule:
    return TierRule.objects.get(name=VIP_RULE)


def test_choosing_a_rule_loads_its_thresholds(finance):
    response = finance.get(URL, {"rule": _vip().pk, "edit": "1"})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="value_percentile_above" value="90.00"' in content
    assert 'name="days_late_at_most" value="10.00"' in content


def test_preview_counts_who_would_move_between_tiers(finance):
    # when previewing the VIP rule as it is
    response = finance.get(
        URL,
        {"rule": _vip().pk, "preview": "1", "days_past_due_at_most": "90",
         "value_percentile_above": "90", "days_late_at_most": "10"},
    )  # fmt: skip

    # then one normal customer would become VIP, one stays
    content = response.content.decode()
    assert response.status_code == 200
    assert "1 customer would change tier" in content
    assert '<tr class="warning"><td>Normal</td><td>VIP</td><td class="num">1</td></tr>' in content
    assert '<tr><td>Normal</td><td>Normal</td><td class="num">1</td></tr>' in content


def test_an_overlapping_preview_says_why_and_saves_nothing(finance):
    # given
    before = _vip().value_percentile_above

    # when the VIP rule would start at the 50th percentile (overlapping "normal")
    response = finance.get(
        URL,
        {"rule": _vip().pk, "preview": "1", "days_past_due_at_most": "90",
         "value_percentile_above": "50", "days_late_at_most": "10"},
    )  # fmt: skip

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "These rules cannot be saved:" in content
    assert "overlap" in content.lower()
    assert _vip().value_percentile_above == before


def test_only_finance_admins_preview_tier_rules(client):
    client.force_login(UserFactory(roles=[roles.CREDIT_MANAGER]))
    assert client.get(URL).status_code == 403
    client.force_login(UserFactory(roles=[roles.SALES_REP]))
    assert client.get(URL).status_code == 403
