"""Allocations racing on PostgreSQL: row locks keep the ledger invariants.

Real concurrent transactions, one database connection per thread, released
together by a barrier so they really overlap.
"""

import threading
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection, connections
from django.db.models import Sum

from receivables.models import Allocation, Invoice, Payment
from receivables.services import allocation_create
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _race(jobs):
    """Run each (payment_id, invoice_id, amount) in its own thread and transaction."""

    def allocate(payment: Payment, invoice: Invoice, amount: str) -> str:
        allocation_create(payment=payment, invoice=invoice, amount=amount)
        return "ok"

    # each job its own fresh instances, loaded before the race starts
    calls = [
        partial(
            allocate, Payment.objects.get(pk=payment_id), Invoice.objects.get(pk=invoice_id), amount
        )
        for payment_id, invoice_id, amount in jobs
    ]
    return run_concurrently(calls, refusals_as_outcomes=True)


def test_concurrent_allocations_of_different_payments_never_over_apply_one_invoice():
    # given: one invoice of 1000 and eight payments of 300 racing for it
    assert connection.vendor == "postgresql"
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    payments = [PaymentFactory(customer=customer, amount=Decimal("300.00")) for _ in range(THREADS)]
    # when
    outcomes = _race([(payment.pk, invoice.pk, "300.00") for payment in payments])
    # then: exactly three fit; every loser is told why
    invoice.refresh_from_db()
    assert outcomes.count("ok") == 3
    assert all(
        o in ("ok", "409:over_allocation_invoice", "400:over_allocation_invoice") for o in outcomes
    )
    allocated = Allocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"]
    assert allocated == Decimal("900.00")
    assert invoice.amount_paid == Decimal("900.00")
    assert invoice.open_amount == Decimal("100.00")
    assert sum(Payment.objects.get(pk=p.pk).amount_allocated for p in payments) == Decimal("900.00")


def test_concurrent_allocations_of_one_payment_never_exceed_it():
    # given: one payment of 1000 and eight invoices of 300 racing for it
    customer = CustomerFactory()
    payment = PaymentFactory(customer=customer, amount=Decimal("1000.00"))
    invoices = [InvoiceFactory(customer=customer, total=Decimal("300.00")) for _ in range(THREADS)]
    # when
    outcomes = _race([(payment.pk, invoice.pk, "300.00") for invoice in invoices])
    # then
    payment.refresh_from_db()
    assert outcomes.count("ok") == 3
    assert all(
        o in ("ok", "409:over_allocation_payment", "400:over_allocation_payment") for o in outcomes
    )
    assert payment.amount_allocated == Decimal("900.00")
    assert Allocation.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"] == Decimal(
        "900.00"
    )
    paid = Invoice.objects.filter(pk__in=[i.pk for i in invoices]).aggregate(s=Sum("amount_paid"))[
        "s"
    ]
    assert paid == Decimal("900.00")


def test_crossing_allocations_do_not_deadlock():
    # given: two payments and two invoices, allocated in opposite orders at once
    customer = CustomerFactory()
    first_payment, second_payment = (
        PaymentFactory(customer=customer, amount=Decimal("100.00")) for _ in range(2)
    )
    first_invoice, second_invoice = (
        InvoiceFactory(customer=customer, total=Decimal("100.00")) for _ in range(2)
    )
    jobs = [
        (first_payment.pk, first_invoice.pk, "50.00"),
        (second_payment.pk, second_invoice.pk, "50.00"),
        (first_payment.pk, second_invoice.pk, "50.00"),
        (second_payment.pk, first_invoice.pk, "50.00"),
    ] * 2
    # when
    outcomes = _race(jobs)
    # then: every byte of room is used exactly once, nothing deadlocked or over-applied
    assert outcomes.count("ok") == 4
    for invoice in (first_invoice, second_invoice):
        invoice.refresh_from_db()
        assert invoice.open_amount == Decimal("0.00")
    for payment in (first_payment, second_payment):
        payment.refresh_from_db()
        assert payment.amount_allocated == Decimal("100.00")


def test_rebuilding_balances_while_allocations_run_loses_no_change():
    # given: invoices and payments of a few customers, balances rebuilt once
    from receivables.services.balances import balance_drift, customer_balances_refresh

    customers = [CustomerFactory() for _ in range(3)]
    pairs = []
    for customer in customers:
        for _ in range(4):
            invoice = InvoiceFactory(customer=customer, total=Decimal("100.00"))
            payment = PaymentFactory(customer=customer, amount=Decimal("100.00"))
            pairs.append((payment.pk, invoice.pk))
    customer_balances_refresh()
    stop = threading.Event()

    def rebuild():
        while not stop.is_set():
            customer_balances_refresh(chunk_size=2)
        connections.close_all()

    rebuilder = threading.Thread(target=rebuild)
    rebuilder.start()
    try:
        # when: allocations race with the rebuilds
        outcomes = _race([(payment_id, invoice_id, "40.00") for payment_id, invoice_id in pairs])
    finally:
        stop.set()
        rebuilder.join(timeout=60)
    # then: every allocation counted exactly once in the balances
    assert outcomes.count("ok") == len(pairs)
    assert balance_drift() == []
