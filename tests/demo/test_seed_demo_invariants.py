"""A generated portfolio keeps every ledger invariant (checked with SQL aggregates)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F

from customers.models import Customer
from receivables.models import Allocation, Invoice
from tests.demo import checks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("invariant", sorted(checks.INVARIANTS))
def test_invariant_holds(portfolio, invariant):
    # given a generated portfolio
    # when the rows breaking the invariant are counted
    broken = checks.count(checks.INVARIANTS[invariant])
    # then there are none
    assert broken == 0


def test_nothing_is_dated_on_or_after_the_as_of_day(portfolio):
    # given a portfolio generated as of a day
    # when events on or after that day are counted
    late = checks.dated_on_or_after(portfolio)
    # then there are none
    assert late == dict.fromkeys(checks.DATED_BEFORE_AS_OF, 0)


def test_due_dates_follow_the_customers_payment_terms(portfolio):
    # given a generated portfolio
    terms = dict(Customer.objects.values_list("pk", "payment_terms_days"))
    # when each invoice's due date is compared with its issue date and terms
    wrong = [
        number
        for number, customer_id, issued, due in Invoice.objects.values_list(
            "number", "customer_id", "issue_date", "due_date"
        )
        if due != issued + timedelta(days=terms[customer_id])
    ]
    # then every one matches
    assert wrong == []


def test_invoice_numbers_carry_the_year_of_issue(portfolio):
    # given a generated portfolio
    rows = Invoice.objects.values_list("number", "issue_date")
    # when the numbers are read
    wrong = [n for n, issued in rows if not n.startswith(f"INV-{issued.year}-") or len(n) != 17]
    # then each is INV-<year>-<8 digits>
    assert wrong == []


def test_every_maintained_amount_matches_a_recomputation(portfolio):
    # given a generated portfolio (written in bulk, not through the services)
    from receivables.services.balances import balances_are_fresh
    from receivables.services.reconcile import ledger_drift_list

    # when the ledger is reconciled from scratch
    drift = ledger_drift_list()
    # then invoices, payments and customer balances all agree, and today's aging can trust the balances
    assert drift == []
    assert balances_are_fresh()


def test_late_payment_figures_are_filled_where_payments_came_late(portfolio):
    # given a generated portfolio
    with_late_payments = (
        Allocation.objects.filter(
            unapplied_at__isnull=True, allocated_on__gt=F("invoice__due_date")
        )
        .values("invoice_id")
        .distinct()
        .count()
    )
    # when the invoices carrying a late-payment figure are counted
    with_figure = Invoice.objects.filter(late_paid_amount_days__gt=0).count()
    # then they are exactly those paid late, and there are some (the invariant is not vacuous)
    assert with_figure == with_late_payments
    assert with_figure > 0
