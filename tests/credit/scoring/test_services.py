"""Scoring customers: stored scores with components and reasons, latest score, risk on the
customer, the grade-change event, versions, and bad settings that write nothing."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.conf import settings

from credit.events import credit_grades_changed
from credit.models import CreditBacktest, CreditScore, CreditScoreLatest
from credit.scoring.config import ScoringConfigurationError
from credit.scoring.services import credit_scores_compute
from customers.models import Customer
from tests.credit.scoring.ledger import AS_OF, day, invoice, paid_invoice
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grades_changed():
    received = []

    def _listen(sender, **kwargs):
        received.append(kwargs)

    credit_grades_changed.connect(_listen, dispatch_uid="test_grades_changed")
    yield received
    credit_grades_changed.disconnect(dispatch_uid="test_grades_changed")


@pytest.fixture
def good_and_bad():
    good = CustomerFactory(customer_since=day(-2000))
    CreditProfileFactory(customer=good, credit_limit=Decimal("10000.00"))
    paid_invoice(good, total="1000.00", due=-200, paid=-200)
    paid_invoice(good, total="1000.00", due=-40, paid=-41)
    bad = CustomerFactory(customer_since=day(-200))
    CreditProfileFactory(customer=bad, credit_limit=Decimal("1000.00"))
    paid_invoice(bad, total="1000.00", due=-150, paid=-90)
    invoice(bad, total="2000.00", due=-100)
    return good, bad


def test_scores_are_stored_with_components_reasons_and_version(good_and_bad, grades_changed):
    good, bad = good_and_bad
    # when everyone is scored
    result = credit_scores_compute(as_of=AS_OF)
    # then one score each, naming the version, and the latest points at it
    assert result.scored == 2
    bad_score = CreditScore.objects.get(customer=bad)
    assert bad_score.version == settings.CRM_CREDIT_SCORING["version"]
    assert bad_score.as_of == AS_OF
    assert CreditScoreLatest.objects.get(customer=bad).score_id == bad_score.pk
    assert set(bad_score.components) == set(settings.CRM_CREDIT_SCORING["components"])
    assert bad_score.components["open_over_60"] == {
        "value": 1.0,
        "points": 0.0,
        "max_points": 200.0,
    }
    assert bad_score.components["days_late"]["value"] == 60.0
    assert bad_score.score == round(sum(c["points"] for c in bad_score.components.values()))
    # the reasons are the three components that cost most, in plain English
    assert [r["component"] for r in bad_score.reasons] == [
        "utilization", "open_over_60", "paid_over_30_late",
    ]  # fmt: skip
    assert bad_score.reasons[1]["points_lost"] == 200.0
    assert bad_score.reasons[1]["text"] == "100% of the open balance is more than 60 days past due."
    good_score = CreditScore.objects.get(customer=good)
    assert good_score.grade == "A"
    assert bad_score.grade == "E"
    # the grade reaches the customer, and the change is announced once
    assert Customer.objects.get(pk=bad.pk).risk_grade == "E"
    assert grades_changed == [
        {"signal": credit_grades_changed, "changes": sorted(result.grade_changes),
         "version": settings.CRM_CREDIT_SCORING["version"]}
    ]  # fmt: skip
    assert sorted(result.grade_changes) == sorted([(good.pk, "", "A"), (bad.pk, "", "E")])


def test_rescoring_keeps_history_and_announces_only_changes(good_and_bad, grades_changed):
    _good, bad = good_and_bad
    credit_scores_compute(as_of=AS_OF)
    grades_changed.clear()
    # when scored again with nothing changed
    result = credit_scores_compute(as_of=AS_OF)
    # then a second score is kept, the latest moves to it, and no event is sent
    assert CreditScore.objects.filter(customer=bad).count() == 2
    newest = CreditScore.objects.filter(customer=bad).order_by("-id").first()
    assert CreditScoreLatest.objects.get(customer=bad).score_id == newest.pk
    assert result.grade_changes == []
    assert grades_changed == []


def test_probability_of_default_comes_from_the_latest_backtest_of_the_version(good_and_bad):
    good, bad = good_and_bad
    version = settings.CRM_CREDIT_SCORING["version"]
    grades = [
        {"grade": g, "customers": 1, "defaults": 0, "default_rate": 0.0, "probability_of_default": p}
        for g, p in [("A", "0.0100"), ("B", "0.0500"), ("C", "0.1000"), ("D", "0.3000"), ("E", "0.8000")]
    ]  # fmt: skip
    for computed_at, version_name in [("2026-06-01T00:00Z", "old"), ("2026-06-02T00:00Z", version)]:
        CreditBacktest.objects.create(
            computed_at=computed_at, as_of=AS_OF, observation_date=day(-180),
            version=version_name, customers=2, defaults=0, grades=grades,
        )  # fmt: skip
    # when scored
    credit_scores_compute(as_of=AS_OF)
    # then each score carries its grade's PD, and so does the customer
    assert CreditScore.objects.get(customer=good).probability_of_default == Decimal("0.0100")
    assert Customer.objects.get(pk=good.pk).probability_of_default == Decimal("0.0100")
    # except the bad customer, in default today (60+ days past due): its PD is 1, not E's
    assert CreditScore.objects.get(customer=bad).grade == "E"
    assert CreditScore.objects.get(customer=bad).probability_of_default == Decimal("1")


def test_without_a_backtest_the_probability_of_default_is_unknown(good_and_bad):
    good, _bad = good_and_bad
    credit_scores_compute(as_of=AS_OF)
    assert CreditScore.objects.get(customer=good).probability_of_default is None


def test_a_new_version_is_named_by_the_scores_it_produces(good_and_bad, settings):
    good, _bad = good_and_bad
    settings.CRM_CREDIT_SCORING = {**settings.CRM_CREDIT_SCORING, "version": "2027.01-tuned"}
    credit_scores_compute(as_of=AS_OF, customer_ids=[good.pk])
    assert list(CreditScore.objects.values_list("version", flat=True)) == ["2027.01-tuned"]


def test_scoring_some_customers_leaves_the_others_alone(good_and_bad):
    good, bad = good_and_bad
    result = credit_scores_compute(as_of=AS_OF, customer_ids=[bad.pk])
    assert result.scored == 1
    assert not CreditScore.objects.filter(customer=good).exists()
    assert Customer.objects.get(pk=good.pk).risk_grade == ""


def test_an_empty_list_of_customers_scores_nobody(good_and_bad):
    assert credit_scores_compute(as_of=AS_OF, customer_ids=[]).scored == 0
    assert not CreditScore.objects.exists()


def test_bad_settings_stop_scoring_and_write_nothing(good_and_bad, settings):
    good, _bad = good_and_bad
    raw = copy.deepcopy(settings.CRM_CREDIT_SCORING)
    raw["components"]["days_late"]["max_points"] = 10
    settings.CRM_CREDIT_SCORING = raw
    with pytest.raises(ScoringConfigurationError):
        credit_scores_compute(as_of=AS_OF)
    assert not CreditScore.objects.exists()
    assert not CreditScoreLatest.objects.exists()
    assert Customer.objects.get(pk=good.pk).risk_grade == ""


def test_scoring_as_of_a_future_date_is_refused_and_writes_nothing(good_and_bad):
    from datetime import timedelta

    from django.utils import timezone

    from crm.exceptions import ValidationFailed

    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as error:
        credit_scores_compute(as_of=tomorrow)
    assert error.value.code == "as_of_in_future"
    assert "in the future" in error.value.message
    assert not CreditScore.objects.exists()
