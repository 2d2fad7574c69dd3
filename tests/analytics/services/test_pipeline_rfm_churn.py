"""RFM and churn warnings as the pipeline stores them."""

import datetime

import pytest

from analytics.models import CustomerMetrics
from analytics.services.pipeline_execute import pipeline_run_execute
from tests.analytics.conftest import AS_OF, paid_invoice
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def _monthly(customer, *, last_days_ago: int, count: int, gap: int = 30):
    for index in range(count):
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=last_days_ago + index * gap))


def test_a_customer_silent_far_beyond_their_usual_gap_gets_a_churn_warning(settings):
    # given a customer who invoiced monthly and then stopped 200 days ago
    settings.ANALYTICS_CHURN_GAP_MULTIPLE = "3"
    settings.ANALYTICS_CHURN_MIN_INVOICES = 3
    silent = CustomerFactory()
    _monthly(silent, last_days_ago=200, count=6)
    steady = CustomerFactory()
    _monthly(steady, last_days_ago=10, count=6)

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    warned = CustomerMetrics.objects.get(customer=silent)
    assert warned.is_churn_warning is True
    assert warned.usual_gap_days == 30
    assert warned.churn_reason == "no invoice for 200 days, 6.7× the usual gap of 30 days"
    assert CustomerMetrics.objects.get(customer=steady).is_churn_warning is False


def test_rfm_scores_and_segments_are_stored():
    # given a recent frequent big buyer and an old small one
    champion = CustomerFactory()
    _monthly(champion, last_days_ago=5, count=11)
    lost = CustomerFactory()
    paid_invoice(lost, issued=AS_OF - datetime.timedelta(days=330), total="100.00", cost="60.00")
    for _ in range(3):
        middle = CustomerFactory()
        _monthly(middle, last_days_ago=100, count=3)

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    top = CustomerMetrics.objects.get(customer=champion)
    assert (top.r_score, top.f_score, top.m_score, top.rfm_segment) == (5, 5, 5, "champions")
    assert top.recency_days == 5
    assert top.frequency_12m == 11
    bottom = CustomerMetrics.objects.get(customer=lost)
    assert (bottom.r_score, bottom.f_score, bottom.m_score, bottom.rfm_segment) == (
        1,
        1,
        1,
        "lost",
    )
