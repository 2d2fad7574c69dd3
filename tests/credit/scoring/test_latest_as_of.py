"""The latest score is the one with the latest as-of date (ties: the newest computed):
a back-dated ``credit_score --as-of`` run stores history, it does not become current."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from credit.models import CreditScore, CreditScoreLatest
from credit.scoring.selectors import (
    credit_score_history,
    credit_score_latest_get,
    credit_score_latest_list,
    customer_ids_scored_after,
)
from credit.scoring.services import credit_scores_compute
from customers.models import Customer
from tests.credit.scoring.ledger import AS_OF, day, invoice, paid_invoice
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

PAST = AS_OF - timedelta(days=120)


@pytest.fixture
def customer():
    """Graded E as of AS_OF (2000.00 100 days overdue), better 120 days earlier."""
    customer = CustomerFactory(customer_since=day(-2000))
    CreditProfileFactory(customer=customer, credit_limit=Decimal("1000.00"))
    paid_invoice(customer, total="1000.00", due=-400, paid=-399)
    invoice(customer, total="2000.00", due=-100)
    return customer


def _latest_score(customer) -> CreditScore:
    return CreditScore.objects.get(pk=CreditScoreLatest.objects.get(customer=customer).score_id)


def test_a_back_dated_run_does_not_replace_the_latest_score(customer):
    # given the customer scored as of AS_OF
    credit_scores_compute(as_of=AS_OF)
    current = _latest_score(customer)

    # when the command scores everyone as of an earlier date
    out = io.StringIO()
    call_command("credit_score", "--as-of", PAST.isoformat(), stdout=out)

    # then the back-dated score is stored, but the latest is still the AS_OF one
    assert f"as of {PAST.isoformat()}" in out.getvalue()
    assert CreditScore.objects.filter(customer=customer, as_of=PAST).count() == 1
    assert _latest_score(customer).pk == current.pk
    assert credit_score_latest_get(customer=customer).as_of == AS_OF
    user = UserFactory(is_superuser=True)
    assert [s.as_of for s in credit_score_latest_list(user=user)] == [AS_OF]


def test_a_back_dated_run_for_named_customers_does_not_replace_the_latest(customer):
    # given the customer scored as of AS_OF, and another scored only as of PAST
    credit_scores_compute(as_of=AS_OF, customer_ids=[customer.pk])
    current = _latest_score(customer)
    newcomer = CustomerFactory()

    # when both are scored as of PAST
    credit_scores_compute(as_of=PAST, customer_ids=[customer.pk, newcomer.pk])

    # then the customer keeps its AS_OF score; the newcomer's only score is its latest
    assert _latest_score(customer).pk == current.pk
    assert _latest_score(newcomer).as_of == PAST


def test_a_later_as_of_replaces_and_the_same_as_of_takes_the_newest(customer):
    # given the customer scored as of PAST
    credit_scores_compute(as_of=PAST, customer_ids=[customer.pk])

    # when scored as of AS_OF, then as of AS_OF again
    credit_scores_compute(as_of=AS_OF, customer_ids=[customer.pk])
    first = _latest_score(customer)
    credit_scores_compute(as_of=AS_OF, customer_ids=[customer.pk])

    # then the latest moved forward each time (ties go to the newest computed)
    assert first.as_of == AS_OF
    newest = CreditScore.objects.filter(customer=customer).order_by("-id").first()
    assert _latest_score(customer).pk == newest.pk
    assert newest.pk != first.pk


def test_customers_scored_after_lists_those_with_a_later_latest_score(customer):
    # given the customer scored as of AS_OF and another as of PAST
    other = CustomerFactory()
    credit_scores_compute(as_of=AS_OF, customer_ids=[customer.pk])
    credit_scores_compute(as_of=PAST, customer_ids=[other.pk])

    # then only the first has a latest score after PAST, and none after AS_OF
    assert customer_ids_scored_after(as_of=PAST) == {customer.pk}
    assert customer_ids_scored_after(as_of=PAST, customer_ids=[other.pk]) == set()
    assert customer_ids_scored_after(as_of=AS_OF) == set()


def test_a_back_dated_run_does_not_overwrite_the_customers_grade(customer):
    # given the customer graded as of AS_OF
    credit_scores_compute(as_of=AS_OF)
    graded = Customer.objects.values_list("risk_grade", "probability_of_default").get(
        pk=customer.pk
    )
    assert CreditScore.objects.get(customer=customer, as_of=AS_OF).grade == graded[0]

    # when scored again as of a date when its grade was different
    result = credit_scores_compute(as_of=PAST)

    # then the customer keeps the grade of its latest score, and no change is announced
    assert CreditScore.objects.get(customer=customer, as_of=PAST).grade != graded[0]
    assert (
        Customer.objects.values_list("risk_grade", "probability_of_default").get(pk=customer.pk)
        == graded
    )
    assert result.grade_changes == []


def test_the_history_chart_puts_a_back_dated_score_in_its_place(customer):
    # given scores as of AS_OF, then a back-dated one as of PAST
    credit_scores_compute(as_of=AS_OF)
    credit_scores_compute(as_of=PAST)
    # when the history is read for the chart
    history = credit_score_history(customer=customer)
    # then it runs in as-of order: the back-dated score first, the latest last
    assert [score.as_of for score in history] == [PAST, AS_OF]
