"""Property test: any sequence of ledger operations keeps the invariants of
DESIGN §3, and the maintained amounts always equal a recomputation."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.exceptions import ApplicationError
from receivables.models import Allocation, Invoice, InvoiceStatus, Payment
from receivables.services import (
    allocation_create,
    allocation_unapply,
    credit_note_create,
    dispute_open,
    invoice_create,
    invoice_void,
    payment_apply_oldest_first,
    payment_create,
    write_off_create,
)
from receivables.services.reconcile import ledger_drift_list
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=200_000).map(lambda c: Decimal(c).scaleb(-2))
index = st.integers(min_value=0, max_value=7)

operations = st.one_of(
    st.tuples(st.just("invoice"), cents, st.integers(min_value=0, max_value=90)),
    st.tuples(st.just("payment"), cents),
    st.tuples(st.just("allocate"), index, index, cents),
    st.tuples(st.just("auto_apply"), index),
    st.tuples(st.just("unapply"), index),
    st.tuples(st.just("credit_note"), index, cents, st.booleans()),
    st.tuples(st.just("write_off"), index, cents),
    st.tuples(st.just("void"), index),
    st.tuples(st.just("dispute"), index),
)


def _pick(rows, position):
    return rows[position % len(rows)] if rows else None


def _apply(operation, customer, admin, counter):
    kind, *args = operation
    invoices = list(Invoice.objects.filter(customer=customer).order_by("pk"))
    payments = list(Payment.objects.filter(customer=customer).order_by("pk"))
    allocations = list(Allocation.objects.filter(invoice__customer=customer).order_by("pk"))
    today = datetime.date(2026, 6, 1)
    if kind == "invoice":
        total, age = args
        invoice_create(customer=customer, number=f"P-{customer.pk}-{counter}", total=total,
                       issue_date=today - datetime.timedelta(days=age))  # fmt: skip
    elif kind == "payment":
        payment_create(customer=customer, amount=args[0], received_date=today)
    elif kind == "allocate" and payments and invoices:
        allocation_create(
            payment=_pick(payments, args[0]), invoice=_pick(invoices, args[1]), amount=args[2]
        )
    elif kind == "auto_apply" and payments:
        payment_apply_oldest_first(payment=_pick(payments, args[0]))
    elif kind == "unapply" and allocations:
        allocation_unapply(allocation=_pick(allocations, args[0]))
    elif kind == "credit_note":
        position, amount, on_invoice = args
        credit_note_create(customer=customer, number=f"CN-{customer.pk}-{counter}", amount=amount,
                           reason="test", invoice=_pick(invoices, position) if on_invoice else None)  # fmt: skip
    elif kind == "write_off" and invoices:
        write_off_create(
            invoice=_pick(invoices, args[0]), amount=args[1], reason="test", user=admin
        )
    elif kind == "void" and invoices:
        invoice_void(invoice=_pick(invoices, args[0]), reason="posted in error")
    elif kind == "dispute" and invoices:
        dispute_open(invoice=_pick(invoices, args[0]), reason="wrong price")


def _snapshot(customer):
    return (
        list(Invoice.objects.filter(customer=customer).order_by("pk").values_list(
            "amount_paid", "amount_credited", "amount_written_off", "open_amount", "status")),
        list(Payment.objects.filter(customer=customer).order_by("pk").values_list("amount_allocated")),
        Allocation.objects.filter(invoice__customer=customer, unapplied_at__isnull=True).count(),
    )  # fmt: skip


def _assert_invariants(customer):
    for invoice in Invoice.objects.filter(customer=customer):
        room = invoice.total - invoice.amount_credited - invoice.amount_written_off
        assert Decimal("0") <= invoice.amount_paid <= room
        if invoice.status == InvoiceStatus.VOID:
            assert invoice.open_amount == Decimal("0")
        else:
            assert invoice.open_amount == room - invoice.amount_paid
    for payment in Payment.objects.filter(customer=customer):
        assert Decimal("0") <= payment.amount_allocated <= payment.amount
    assert ledger_drift_list() == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=st.lists(operations, min_size=1, max_size=25))
def test_any_sequence_of_ledger_operations_keeps_the_invariants(sequence):
    # given: a fresh customer for each example
    customer = CustomerFactory()
    admin = UserFactory(is_superuser=True)
    for counter, operation in enumerate(sequence):
        before = _snapshot(customer)
        # when
        try:
            _apply(operation, customer, admin, counter)
        except ApplicationError:
            # then: a refused operation changes nothing
            assert _snapshot(customer) == before
        # then: the invariants hold after every step
        _assert_invariants(customer)
