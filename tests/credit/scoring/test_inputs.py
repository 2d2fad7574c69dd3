"""The scorecard's inputs, aggregated in SQL, exact on a hand-built ledger."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import pytest

from credit.scoring.inputs import score_inputs
from credit.scoring.scorecard import component_values
from tests.credit.scoring.ledger import (
    AS_OF,
    bounced_payment,
    day,
    dispute,
    invoice,
    limit_history,
    paid_invoice,
    part_payment,
)
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_payer():
    """Pays late and later, owes some old money, one dispute, one bounced payment; a limit
    of 4,000 since joining."""
    customer = CustomerFactory(customer_since=day(-400))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("4000.00"))
    limit_history(customer, limit="4000.00", at=-400)
    paid_invoice(customer, total="1000.00", due=-200, paid=-190, issue=-230)  # 10 days late
    paid_invoice(customer, total="3000.00", due=-50, paid=-10, issue=-80)  # 40 days late
    old = invoice(customer, total="500.00", due=-70, issue=-100)
    part_payment(old, amount="200.00", paid=-5)
    recent = invoice(customer, total="1500.00", due=10, issue=-20)
    dispute(recent, opened=-5)
    bounced_payment(customer, received=-30)
    bounced_payment(customer, received=-400)  # more than 12 months ago
    return customer


def _values(customer, **options) -> dict:
    inputs = score_inputs(as_of=options.pop("as_of", AS_OF), **options)
    return component_values(inputs).loc[customer.pk].to_dict()


def test_components_as_of_today_from_the_maintained_amounts(late_payer):
    # when the inputs are aggregated as of AS_OF
    values = _values(late_payer, point_in_time=False)
    # then each component is exact
    assert values["days_late"] == pytest.approx((1000 * 10 + 3000 * 40) / 4000)  # 32.5
    assert values["paid_over_30_late"] == pytest.approx(0.5)
    assert values["open_over_60"] == pytest.approx(300 / 1800)
    assert values["utilization"] == pytest.approx(1800 / 4000)
    assert values["tenure"] == 400
    assert values["dispute_rate"] == pytest.approx(1 / 4)
    assert values["bounced_payments"] == 1
    assert values["trend"] == pytest.approx(40 - 10)


def test_point_in_time_on_the_same_day_gives_the_same_inputs(late_payer):
    # when the inputs are rebuilt from the settlements dated up to AS_OF
    rebuilt = score_inputs(as_of=AS_OF, point_in_time=True)
    maintained = score_inputs(as_of=AS_OF, point_in_time=False)
    # then they equal the ones read from the maintained amounts
    pd.testing.assert_frame_equal(rebuilt, maintained)


def test_point_in_time_sees_only_what_was_known_then(late_payer):
    # when the inputs are aggregated as of 20 days before AS_OF
    values = _values(late_payer, as_of=day(-20), point_in_time=True)
    # then the later payments, the dispute and the part payment are not known yet
    assert values["days_late"] == pytest.approx(10)
    assert values["paid_over_30_late"] == 0
    assert values["open_over_60"] == 0  # the oldest was 50 days past due then
    assert values["utilization"] == pytest.approx((3000 + 500 + 1500) / 4000)
    assert values["tenure"] == 380
    assert values["dispute_rate"] == 0
    assert values["bounced_payments"] == 1
    assert math.isnan(values["trend"])  # nothing paid in the 3 months before


def test_customer_without_history_has_missing_components():
    # given a customer with no invoices and no credit limit
    customer = CustomerFactory(customer_since=day(-10))
    # when its inputs are aggregated
    values = _values(customer)
    # then behaviour components are missing (NaN), not zero, and nothing is owed
    assert math.isnan(values["days_late"])
    assert math.isnan(values["paid_over_30_late"])
    assert math.isnan(values["dispute_rate"])
    assert math.isnan(values["trend"])
    assert values["open_over_60"] == 0
    assert values["utilization"] == 0
    assert values["bounced_payments"] == 0


def test_a_customer_who_owes_without_a_limit_has_unknown_utilization():
    customer = CustomerFactory(customer_since=day(-100))
    invoice(customer, total="100.00", due=-5)
    assert math.isnan(_values(customer)["utilization"])


def test_customer_ids_limit_the_frame_and_later_customers_are_left_out(late_payer):
    # given another customer, and one who joined after AS_OF
    other = CustomerFactory(customer_since=day(-50))
    CustomerFactory(customer_since=day(5))
    # when only the late payer is asked for
    only = score_inputs(as_of=AS_OF, customer_ids=[late_payer.pk])
    everyone = score_inputs(as_of=AS_OF)
    # then
    assert list(only.index) == [late_payer.pk]
    assert sorted(everyone.index) == sorted([late_payer.pk, other.pk])


def test_backtest_population_needs_an_invoice_by_the_date(late_payer):
    CustomerFactory(customer_since=day(-50))  # no invoices
    population = score_inputs(as_of=day(-100), point_in_time=True, with_invoices_only=True)
    assert list(population.index) == [late_payer.pk]


@pytest.mark.parametrize("point_in_time", [False, True])
def test_utilization_counts_only_the_invoices_in_the_limits_currency(point_in_time):
    # given a USD limit of 1,000 with 400 USD open and 500,000 JPY open (not USD)
    customer = CustomerFactory(currency="USD", customer_since=day(-100))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("1000.00"), currency="USD")
    limit_history(customer, limit="1000.00", at=-100)
    invoice(customer, total="400.00", due=-90)
    foreign = invoice(customer, total="500000", due=-90)
    type(foreign).objects.filter(pk=foreign.pk).update(currency="JPY")
    # when
    values = _values(customer, point_in_time=point_in_time)
    # then the open balance against the limit is the 400 USD, as the credit check counts it
    assert values["utilization"] == pytest.approx(0.4)
    assert values["open_over_60"] == pytest.approx(1.0)


def test_an_invoice_settled_in_parts_is_not_open_as_of_a_later_date():
    # given an old invoice of 1.00 paid off in parts of 0.70, 0.20 and 0.10 (in binary
    # floating point 0.7 + 0.2 + 0.1 is 0.9999999999999999, not 1)
    customer = CustomerFactory(customer_since=day(-400))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("1000.00"))
    limit_history(customer, limit="1000.00", at=-400)
    bill = invoice(customer, total="1.00", due=-200, issue=-230)
    for amount, paid in (("0.70", -150), ("0.20", -140), ("0.10", -130)):
        part_payment(bill, amount=amount, paid=paid)
    # when the inputs are rebuilt as of a date after the last part
    inputs = score_inputs(as_of=day(-20), point_in_time=True)
    # then nothing is open, let alone more than 60 days past due
    assert inputs.loc[customer.pk, "open_total"] == 0
    assert _values(customer, as_of=day(-20), point_in_time=True)["open_over_60"] == 0
