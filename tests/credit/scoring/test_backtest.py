"""The default event, the backtest run, and the PD it hands to scoring."""

from __future__ import annotations

from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from credit.models import CreditBacktest, CreditScore
from credit.scoring.outcomes import defaulted_customer_ids, in_default_customer_ids
from credit.scoring.services import (
    credit_backtest_run,
    credit_scores_compute,
    credit_scores_nightly,
)
from receivables.services import invoice_void
from tests.credit.scoring.ledger import AS_OF, day, invoice, paid_invoice
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

T = AS_OF - relativedelta(months=6)  # the observation date
T_OFFSET = (T - AS_OF).days


def _defaulted(*customers) -> set[int]:
    found = defaulted_customer_ids(observation_date=T, as_of=AS_OF, days_past_due=60)
    return {customer.pk for customer in customers} & found


def _owing(*, due: int, paid: int | None):
    """A customer with one invoice of 100.00 due on ``due``, paid on ``paid`` or left
    open (days from AS_OF, as ``day`` takes them)."""
    customer = CustomerFactory(customer_since=day(-900))
    if paid is None:
        invoice(customer, total="100.00", due=due)
    else:
        paid_invoice(customer, total="100.00", due=due, paid=paid)
    return customer


@pytest.mark.parametrize(
    ("due", "paid", "defaults"),
    [
        (T_OFFSET - 30, T_OFFSET + 40, True),  # reached 60 days past due after T, unpaid then
        (T_OFFSET - 30, T_OFFSET + 20, False),  # paid before reaching 60 days
        (T_OFFSET - 100, T_OFFSET + 2, True),  # already 60+ at T and still open after T
        (T_OFFSET - 100, T_OFFSET + 1, False),  # settled on the first day of the window
        (T_OFFSET - 200, T_OFFSET - 10, False),  # settled before the window
        (-50, None, False),  # 50 days past due at the end: not 60 yet
        (-60, None, True),  # exactly 60 days past due on the last day
    ],
)
def test_default_event_is_an_invoice_60_days_past_due_within_the_window(due, paid, defaults):
    customer = _owing(due=due, paid=paid)
    assert _defaulted(customer) == ({customer.pk} if defaults else set())


@pytest.mark.parametrize(
    ("due", "paid", "in_default"),
    [
        (T_OFFSET - 60, None, True),  # exactly 60 days past due on T
        (T_OFFSET - 59, None, False),  # 59 days: not yet
        (T_OFFSET - 100, T_OFFSET + 1, True),  # settled the day after T: still owed on T
        (T_OFFSET - 100, T_OFFSET, False),  # settled on T
        (T_OFFSET - 200, T_OFFSET - 10, False),  # settled before T
    ],
)
def test_in_default_on_t_is_an_invoice_60_days_past_due_and_unsettled_on_t(due, paid, in_default):
    customer = _owing(due=due, paid=paid)
    found = in_default_customer_ids(on=T, days_past_due=60)
    assert ({customer.pk} & found) == ({customer.pk} if in_default else set())


def test_a_void_invoice_is_not_a_default():
    customer = CustomerFactory(customer_since=day(-900))
    bill = invoice(customer, total="100.00", due=-120)
    invoice_void(invoice=bill, reason="Posted twice")
    assert _defaulted(customer) == set()


@pytest.fixture
def portfolio():
    """Two payers who behaved well before T and one who did not and then defaulted."""
    customers = []
    for late_days, defaults in [(0, False), (2, False), (45, True)]:
        customer = CustomerFactory(customer_since=day(-1500))
        CreditProfileFactory(customer=customer, credit_limit=Decimal("5000.00"))
        for due in (T_OFFSET - 150, T_OFFSET - 90):
            paid_invoice(customer, total="1000.00", due=due, paid=min(due + late_days, T_OFFSET))
        if defaults:
            invoice(customer, total="1000.00", due=T_OFFSET + 10)  # never paid
        else:
            paid_invoice(customer, total="1000.00", due=T_OFFSET + 10, paid=T_OFFSET + 10)
        customers.append(customer)
    return customers


def test_backtest_scores_as_of_t_and_measures_separation(portfolio):
    # when the backtest runs
    backtest = credit_backtest_run(as_of=AS_OF)
    # then it stored the run with perfect separation on this portfolio
    assert CreditBacktest.objects.get() == backtest
    assert backtest.observation_date == T
    assert (backtest.customers, backtest.defaults) == (3, 1)
    assert backtest.auc == 1.0
    assert backtest.gini == 1.0
    assert backtest.ks == 1.0
    assert sum(row["customers"] for row in backtest.grades) == 3
    assert sum(row["defaults"] for row in backtest.grades) == 1
    assert sum(sum(row.values()) for row in backtest.migration.values()) == 3
    assert backtest.roc[0] == [0.0, 0.0]
    assert backtest.roc[-1] == [1.0, 1.0]


def test_backtest_leaves_out_customers_already_in_default_at_t(portfolio):
    # given a customer who at T already owes an invoice 100 days past due, still unpaid
    in_default = CustomerFactory(customer_since=day(-1500))
    CreditProfileFactory(customer=in_default, credit_limit=Decimal("5000.00"))
    invoice(in_default, total="1000.00", due=T_OFFSET - 100)
    # when the backtest runs
    backtest = credit_backtest_run(as_of=AS_OF)
    # then it is not in the population (its default was known at T), the others are
    assert (backtest.customers, backtest.defaults) == (3, 1)
    assert sum(row["customers"] for row in backtest.grades) == 3
    assert sum(sum(row.values()) for row in backtest.migration.values()) == 3
    assert backtest.auc == 1.0
    # and today's scoring still scores it
    assert credit_scores_compute(as_of=AS_OF).scored == 4
    assert CreditScore.objects.filter(customer=in_default).exists()


def test_nightly_run_hands_the_backtest_pd_to_the_scores(portfolio):
    # when the nightly run goes
    result = credit_scores_nightly(as_of=AS_OF)
    # then every customer has a score whose PD is its grade's PD of the backtest,
    # except a customer in default today, whose PD is 1
    backtest = CreditBacktest.objects.get()
    pd_by_grade = {row["grade"]: Decimal(row["probability_of_default"]) for row in backtest.grades}
    in_default = in_default_customer_ids(on=AS_OF, days_past_due=60)
    assert result.scored == 3
    assert in_default  # the portfolio's defaulter still owes
    for score in CreditScore.objects.all():
        expected = Decimal(1) if score.customer_id in in_default else pd_by_grade[score.grade]
        assert score.probability_of_default == expected


def test_a_customer_in_default_today_has_probability_of_default_one(portfolio):
    # given a customer who today owes an invoice 90 days past due
    in_default = CustomerFactory(customer_since=day(-1500))
    CreditProfileFactory(customer=in_default, credit_limit=Decimal("5000.00"))
    invoice(in_default, total="1000.00", due=-90)
    # when the nightly run goes
    credit_scores_nightly(as_of=AS_OF)
    # then its default is a fact: PD 1 on its score and on the customer, whatever its grade
    backtest = CreditBacktest.objects.get()
    pd_by_grade = {row["grade"]: Decimal(row["probability_of_default"]) for row in backtest.grades}
    score = CreditScore.objects.get(customer=in_default)
    assert score.probability_of_default == Decimal("1")
    in_default.refresh_from_db()
    assert in_default.probability_of_default == Decimal("1")
    # and the others not in default keep their grade's PD of the backtest
    defaulted = in_default_customer_ids(on=AS_OF, days_past_due=60)
    for other in CreditScore.objects.exclude(customer_id__in=defaulted):
        assert other.probability_of_default == pd_by_grade[other.grade]


def test_backtest_of_an_empty_portfolio_stores_a_run_without_metrics():
    backtest = credit_backtest_run(as_of=AS_OF)
    assert (backtest.customers, backtest.defaults, backtest.auc, backtest.ks) == (0, 0, None, None)
