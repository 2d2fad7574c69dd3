"""The credit limit a score uses as of a past date is the one in force then, read from the
limit history (django-pghistory's CreditProfileEvent), never today's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit.models import CreditProfileEvent
from credit.scoring.inputs import score_inputs
from credit.scoring.scorecard import component_values
from credit.services import credit_limit_set
from credit.services.profiles import credit_profile_ensure
from tests.credit.scoring.ledger import AS_OF, day, invoice, limit_history
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_limit(settings):
    # never used as of a past date: a limit of 500 in the results would be this default
    settings.CRM_DEFAULT_CREDIT_LIMIT = "500"


@pytest.fixture
def raised_customer():
    """Limit 2,000 from day -300, 3,000 from day -100, today's 8,000 from day -10;
    1,500 open since day -60."""
    customer = CustomerFactory(customer_since=day(-400))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("8000.00"))
    limit_history(customer, limit="2000.00", at=-300)
    limit_history(customer, limit="3000.00", at=-100)
    limit_history(customer, limit="8000.00", at=-10)
    invoice(customer, total="1500.00", due=-30, issue=-60)
    return customer


def _inputs(customer, *, as_of, point_in_time=True) -> dict:
    inputs = score_inputs(as_of=as_of, point_in_time=point_in_time)
    return {
        "credit_limit": inputs.loc[customer.pk, "credit_limit"],
        "utilization": component_values(inputs).loc[customer.pk, "utilization"],
    }


@pytest.mark.parametrize(
    ("as_of", "limit"),
    [
        (-301, 2000.0),  # before the history starts: the first limit it recorded
        (-300, 2000.0),  # a change counts from the day it was made
        (-101, 2000.0),
        (-100, 3000.0),
        (-11, 3000.0),
        (-10, 8000.0),
    ],
)
def test_a_past_date_uses_the_limit_in_force_then(raised_customer, as_of, limit):
    assert _inputs(raised_customer, as_of=day(as_of))["credit_limit"] == limit


def test_utilization_as_of_a_past_date_divides_by_the_limit_in_force_then(raised_customer):
    # when the inputs are rebuilt as of day -50, when the limit was 3,000 (today 8,000)
    values = _inputs(raised_customer, as_of=day(-50))
    # then
    assert values["utilization"] == pytest.approx(1500 / 3000)


def test_without_history_before_the_date_the_first_known_limit_stands_in():
    # given a profile of 4,000 whose history (if any) starts today, and 1,500 owed on the date
    customer = CustomerFactory(customer_since=day(-400))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("4000.00"))
    invoice(customer, total="1500.00", due=-30, issue=-60)
    # when the inputs are rebuilt as of day -20
    values = _inputs(customer, as_of=day(-20))
    # then the first limit known stands in (the history's first row on PostgreSQL, today's
    # limit without history), not the default of the settings (which read 1,500 as 3x over)
    assert values["credit_limit"] == 4000.0
    assert values["utilization"] == pytest.approx(1500 / 4000)


def test_todays_scores_use_todays_limit(raised_customer):
    values = _inputs(raised_customer, as_of=AS_OF, point_in_time=False)
    assert values["credit_limit"] == 8000.0
    assert values["utilization"] == pytest.approx(1500 / 8000)


def test_the_limits_as_of_a_date_take_the_same_queries_for_any_number_of_customers(
    raised_customer,
):
    # given the queries for one customer with a limit history
    with CaptureQueriesContext(connection) as one:
        score_inputs(as_of=day(-50), point_in_time=True)
    # and four more customers with histories
    for _ in range(4):
        customer = CustomerFactory(customer_since=day(-400))
        CreditProfileFactory(customer=customer, credit_limit=Decimal("900.00"))
        limit_history(customer, limit="700.00", at=-200)
    # when the inputs are rebuilt again
    with CaptureQueriesContext(connection) as five:
        frame = score_inputs(as_of=day(-50), point_in_time=True)
    # then the same number of queries (set-based, no query per customer)
    assert len(five) == len(one)
    assert sorted(frame["credit_limit"].tolist()) == [700.0] * 4 + [3000.0]


def _grant(customer, limit: str) -> None:
    """A limit set through the service, as a credit manager's approval sets it (the
    PostgreSQL triggers date its history row now)."""
    credit_limit_set(
        customer_id=customer.pk,
        new_limit=Decimal(limit),
        expires_on=None,
        reason="Granted",
        source="test",
    )


@pytest.mark.postgres
def test_a_limit_written_through_the_service_counts_from_the_day_the_trigger_dated_it():
    # given a profile created with 1,000 and raised to 7,000 today (the triggers date both)
    customer = CustomerFactory(customer_since=day(-400))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("1000.00"))
    _grant(customer, "7000.00")
    written = CreditProfileEvent.objects.filter(pgh_obj__customer=customer).latest("pgh_id")
    today = timezone.localdate(written.pgh_created_at)
    # when the inputs are rebuilt as of today and as of yesterday
    limit_today = _inputs(customer, as_of=today)["credit_limit"]
    limit_yesterday = _inputs(customer, as_of=today - timedelta(days=1))["credit_limit"]
    # then today the new limit was in force, and yesterday, before the history starts,
    # the first limit it recorded (the profile's 1,000) stands in
    assert limit_today == 7000.0
    assert limit_yesterday == 1000.0


@pytest.mark.postgres
def test_before_the_history_a_default_profile_takes_the_first_limit_granted():
    # given a customer since day -400 whose profile was created today with the default
    # limit (500) and then granted 8,000, and 1,500 owed on day -20
    customer = CustomerFactory(customer_since=day(-400))
    credit_profile_ensure(customer_id=customer.pk)
    _grant(customer, "8000.00")
    invoice(customer, total="1500.00", due=-30, issue=-60)
    assert list(
        CreditProfileEvent.objects.filter(pgh_obj__customer=customer)
        .order_by("pgh_id")
        .values_list("pgh_label", "credit_limit")
    ) == [("insert", Decimal("500.00")), ("update", Decimal("8000.00"))]
    # when the inputs are rebuilt as of day -20, before the history starts
    values = _inputs(customer, as_of=day(-20))
    # then the first limit granted stands in, not the default the profile was created with
    assert values["credit_limit"] == 8000.0
    assert values["utilization"] == pytest.approx(1500 / 8000)
