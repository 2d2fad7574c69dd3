"""Event-driven rescoring (receivers enqueue after commit), the daily overdue pass, the
nightly task and the credit_score command."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from credit.events import credit_hold_changed
from credit.models import CreditBacktest, CreditScore
from credit.scoring.selectors import customers_newly_overdue_ids
from credit.scoring.tasks import credit_scores_newly_overdue, credit_scores_nightly
from receivables.services import allocation_create, payment_create
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


def _invoice_due(customer, days_ago: int, total: str = "100.00"):
    due = timezone.localdate() - timedelta(days=days_ago)
    return InvoiceFactory(
        customer=customer, total=Decimal(total), issue_date=due - timedelta(days=30), due_date=due
    )


def test_a_payment_rescores_its_customer_after_commit(django_capture_on_commit_callbacks):
    # given a customer with an invoice and another customer
    customer, _other = CustomerFactory(), CustomerFactory()
    bill = _invoice_due(customer, 5)
    # when a payment is received and applied
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        payment = payment_create(
            customer=customer, received_date=timezone.localdate(), amount=Decimal("100.00")
        )
        allocation_create(payment=payment, invoice=bill, amount=Decimal("100.00"))
        # then nothing is scored before the commit
        assert not CreditScore.objects.exists()
    # and after it, only that customer, once per event (payment, allocation)
    rescores = [c for c in callbacks if c.__qualname__.startswith("_rescore_on_commit")]
    assert len(rescores) == 2
    assert set(CreditScore.objects.values_list("customer_id", flat=True)) == {customer.pk}
    latest = CreditScore.objects.filter(customer=customer).order_by("-id").first()
    assert latest.components["days_late"]["value"] == 5.0  # the payment, 5 days late, is seen


def test_a_hold_change_rescores_the_customer(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        credit_hold_changed.send(
            sender=None, customer_id=customer.pk, is_on_hold=True, reason="Manual"
        )
    assert CreditScore.objects.filter(customer=customer).count() == 1


def test_a_rolled_back_payment_rescores_nobody(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payment_create(customer=customer, received_date=timezone.localdate(), amount="10.00")
    assert len(callbacks) == 1  # only enqueued on commit
    assert not CreditScore.objects.exists()


def test_newly_overdue_pass_finds_invoices_that_crossed_a_threshold_overnight():
    # given invoices due yesterday, 61 days ago, 10 days ago; and a paid one due yesterday
    due_yesterday, over_60, quiet, paid = (CustomerFactory() for _ in range(4))
    _invoice_due(due_yesterday, 1)
    _invoice_due(over_60, 61)
    _invoice_due(quiet, 10)
    settled = _invoice_due(paid, 1)
    payment = payment_create(customer=paid, received_date=timezone.localdate(), amount="100.00")
    allocation_create(payment=payment, invoice=settled, amount="100.00")
    # when the daily pass runs
    ids = customers_newly_overdue_ids(today=timezone.localdate())
    scored = credit_scores_newly_overdue.delay().get()
    # then only the customers whose invoices crossed a line are rescored
    assert ids == sorted([due_yesterday.pk, over_60.pk])
    assert scored == 2
    assert set(CreditScore.objects.values_list("customer_id", flat=True)) == set(ids)


def test_nightly_task_runs_the_backtest_and_scores_everyone():
    customers = [CustomerFactory() for _ in range(3)]
    _invoice_due(customers[0], 90)
    result = credit_scores_nightly.delay().get()
    assert result["scored"] == 3
    assert CreditBacktest.objects.count() == 1
    assert CreditScore.objects.count() == 3


def test_command_scores_the_named_customers(capsys):
    customer, _other = CustomerFactory(code="ACME"), CustomerFactory()
    call_command("credit_score", customers=["ACME"])
    assert list(CreditScore.objects.values_list("customer_id", flat=True)) == [customer.pk]
    assert "Scored 1 customers" in capsys.readouterr().out


def test_command_refuses_an_unknown_customer_and_scores_nobody():
    CustomerFactory(code="ACME")
    with pytest.raises(CommandError, match="No customer with code NOPE"):
        call_command("credit_score", customers=["ACME", "NOPE"])
    assert not CreditScore.objects.exists()


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("credit_score", as_of="30/06/2026")
