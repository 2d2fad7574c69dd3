"""Bad input: the pipeline finishes and records what it could not compute."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import CustomerMetrics, FxRate, PipelineRun, RunStatus, TierChange, TierRule
from analytics.services.pipeline import pipeline_run_start
from analytics.services.pipeline_execute import pipeline_run_execute
from crm.exceptions import ApplicationError
from customers.models import Customer
from tests.analytics.conftest import AS_OF, open_invoice, paid_invoice
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_empty_portfolio_finishes_and_says_there_was_nothing():
    # given no customers

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    assert run.status == RunStatus.SUCCEEDED
    assert run.chunks_total == 0
    assert run.customers_total == 0
    assert "The portfolio has no customers: nothing to compute." in run.problems
    assert CustomerMetrics.objects.count() == 0


def test_customer_with_one_invoice_gets_historic_clv_and_no_churn_judgement():
    # given
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=40))

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.clv_method == "historic"
    assert metrics.clv is not None
    assert metrics.clv > 0
    assert metrics.probability_alive is None
    assert metrics.usual_gap_days is None
    assert metrics.is_churn_warning is False
    assert metrics.frequency_12m == 1
    assert any("historic method" in problem for problem in run.problems)


def test_customer_without_invoices_is_reported_not_guessed():
    # given
    customer = CustomerFactory()

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.clv is None
    assert metrics.clv_method == "none"
    assert metrics.rfm_segment == ""
    assert metrics.recency_days is None
    assert metrics.notes == ["No invoices: RFM, CLV and churn not computed."]


def test_all_paid_on_time_has_no_overdue_no_financing_cost():
    # given
    customer = CustomerFactory()
    for days_ago in (200, 150, 100, 50):
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=days_ago), days_late=0)

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.max_days_past_due == 0
    assert metrics.financing_cost == Decimal("0.00")
    assert metrics.weighted_days_late == Decimal("0.00")
    assert metrics.usual_gap_days == Decimal("50.0")
    assert metrics.notes == []


def test_missing_fx_rate_is_reported_never_taken_as_one():
    # given a EUR customer and no EUR rate
    customer = CustomerFactory(currency="EUR")
    open_invoice(customer, issued=AS_OF - datetime.timedelta(days=10))

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then the money figures are empty and both the run and the customer say why
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.revenue_net is None
    assert metrics.contribution is None
    assert metrics.monetary_12m is None
    assert metrics.clv is None
    assert metrics.clv_method == "none"
    assert metrics.is_loss_making is False
    assert metrics.frequency_12m == 1  # counts do not need a rate
    assert any("No FX rate for EUR" in note for note in metrics.notes)
    assert any("No FX rate on or before 2026-11-20 for EUR" in p for p in run.problems)
    assert run.status == RunStatus.SUCCEEDED


def test_fx_rate_converts_to_the_base_currency_with_the_latest_rate_not_after_as_of():
    # given EUR rates before, on and after the as-of date
    FxRate.objects.create(date=AS_OF - datetime.timedelta(days=30), currency="EUR", rate="1.05")
    FxRate.objects.create(date=AS_OF - datetime.timedelta(days=1), currency="EUR", rate="1.10")
    FxRate.objects.create(date=AS_OF + datetime.timedelta(days=1), currency="EUR", rate="9.99")
    customer = CustomerFactory(currency="EUR")
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=60), total="1000.00", cost="500")

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.base_currency == "USD"
    assert metrics.revenue_net == Decimal("1100.00")
    assert metrics.cost_of_goods == Decimal("550.00")
    assert metrics.notes == []


def test_overlapping_tier_rules_in_the_database_leave_tiers_unchanged_and_say_why():
    # given a rule written straight to the database that overlaps the defaults
    TierRule.objects.create(name="Everyone is VIP", tier="vip", position=1)
    customer = CustomerFactory(tier="normal")
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=10))

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    assert run.status == RunStatus.SUCCEEDED
    assert any(p.startswith("Tiers left unchanged: Overlap") for p in run.problems)
    assert Customer.objects.get(pk=customer.pk).tier == "normal"
    assert CustomerMetrics.objects.get(customer=customer).tier == ""
    assert TierChange.objects.count() == 0


def test_no_tier_rules_at_all_leave_tiers_unchanged():
    # given
    TierRule.objects.update(is_active=False)
    customer = CustomerFactory(tier="vip")

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    assert any("no active tier rules" in problem for problem in run.problems)
    assert Customer.objects.get(pk=customer.pk).tier == "vip"


def test_as_of_in_the_future_is_refused_before_anything_is_written():
    # when / then
    with pytest.raises(ApplicationError, match="in the future"):
        pipeline_run_start(as_of=timezone.localdate() + datetime.timedelta(days=2))
    assert PipelineRun.objects.count() == 0
