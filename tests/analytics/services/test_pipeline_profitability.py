"""Profitability per DESIGN §8, to the cent, from every source the pipeline reads."""

import datetime
from decimal import Decimal

import pytest

from analytics.models import CustomerMetrics
from analytics.services.pipeline_execute import pipeline_run_execute
from receivables.models import CollectionActivity
from tests.analytics.conftest import AS_OF, open_invoice, paid_invoice
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import (
    AllocationFactory,
    CollectionActivityFactory,
    CreditNoteFactory,
    DisputeFactory,
    DunningNoticeFactory,
    PaymentFactory,
    WriteOffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates(settings):
    settings.ANALYTICS_COST_OF_GOODS_RATE = "0.50"
    settings.ANALYTICS_COST_PER_INVOICE = "5.00"
    settings.ANALYTICS_COST_PER_DUNNING_NOTICE = "2.00"
    settings.ANALYTICS_COST_PER_DISPUTE = "50.00"
    settings.ANALYTICS_ANNUAL_COST_OF_CAPITAL = "0.0730"  # 0.0002 a day


def test_contribution_is_revenue_net_of_credit_notes_minus_every_cost():
    # given a customer with, inside the 12-month window:
    customer = CustomerFactory()
    # an invoice paid 10 days late through an allocation (1000, its own cost 600)
    late = paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=100), days_late=10)
    payment = PaymentFactory(customer=customer, amount=Decimal("1000.00"))
    AllocationFactory(
        payment=payment,
        invoice=late,
        amount=Decimal("1000.00"),
        allocated_on=late.due_date + datetime.timedelta(days=10),
    )
    # (with the late-payment figure the ledger keeps for it: 1000 × 10 days)
    type(late).objects.filter(pk=late.pk).update(late_paid_amount_days=Decimal("10000.00"))
    # an open invoice 20 days past due, without a cost of goods (the 50 % rate applies)
    overdue = open_invoice(
        customer, issued=AS_OF - datetime.timedelta(days=50), total="400.00", cost="0.00"
    )
    CreditNoteFactory(customer=customer, amount=Decimal("100.00"), issue_date=AS_OF)
    WriteOffFactory(invoice=late, amount=Decimal("30.00"), written_off_on=AS_OF)
    DisputeFactory(invoice=overdue, opened_on=AS_OF)
    DunningNoticeFactory(
        customer=customer,
        run_date=AS_OF,
        status="sent",
        sent_at=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC),
    )
    DunningNoticeFactory(customer=customer, run_date=AS_OF, status="queued")  # not sent: no cost
    # and an invoice from before the window, which counts for none of it
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=500))

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.revenue_net == Decimal("1300.00")  # 1000 + 400 - 100
    assert metrics.cost_of_goods == Decimal("800.00")  # 600 + 50 % of 400
    assert metrics.cost_to_serve == Decimal("62.00")  # 2 invoices, 1 notice sent, 1 dispute
    # (1000 × 10 days + 400 × 20 days) × 0.0002 a day
    assert metrics.financing_cost == Decimal("3.60")
    assert metrics.write_offs == Decimal("30.00")
    assert metrics.contribution == Decimal("404.40")
    assert metrics.margin_12m == Decimal("500.00")
    assert metrics.is_loss_making is False
    assert metrics.max_days_past_due == 20
    assert metrics.weighted_days_late == Decimal("10.00")


def test_a_customer_whose_costs_exceed_margin_is_loss_making_with_its_components():
    # given a thin-margin customer with a large write-off
    customer = CustomerFactory()
    invoice = paid_invoice(
        customer, issued=AS_OF - datetime.timedelta(days=60), total="1000.00", cost="950.00"
    )
    WriteOffFactory(invoice=invoice, amount=Decimal("200.00"), written_off_on=AS_OF)

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.contribution == Decimal("-155.00")  # 1000 - 950 - 5 - 0 - 200
    assert metrics.is_loss_making is True
    assert metrics.write_offs == Decimal("200.00")


def test_a_collectors_calls_count_in_cost_to_serve_but_notices_are_not_counted_twice(settings):
    # given a customer a clerk called twice and wrote one note about, and whose
    # reminder was logged on the timeline (notices have their own rate)
    settings.ANALYTICS_COST_PER_ACTIVITY = "8.00"
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=60))
    at = datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC)
    for kind in ("call", "call", "note", "notice", "assignment"):
        CollectionActivityFactory(customer=customer, kind=kind)
    CollectionActivity.objects.filter(customer=customer).update(created_at=at)  # inside the window

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then: 1 invoice (5.00) + 3 collector activities (3 × 8.00)
    assert CustomerMetrics.objects.get(customer=customer).cost_to_serve == Decimal("29.00")
