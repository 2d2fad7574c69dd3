"""The ledger repair racing an allocation on PostgreSQL: it must not write stale amounts."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from receivables.models import Invoice
from receivables.services import allocation_create
from receivables.services.reconcile import ledger_drift_list, ledger_drift_repair
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_repair_waiting_for_an_allocation_recomputes_after_it():
    # given an invoice whose late-payment figure drifted, and an allocation of 400.00,
    # 10 days late, holding the invoice's lock while the repair starts
    assert connection.vendor == "postgresql"
    invoice = InvoiceFactory(total=Decimal("1000.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("1000.00"))
    Invoice.objects.filter(pk=invoice.pk).update(late_paid_amount_days=Decimal("1.00"))
    drift = ledger_drift_list()
    assert [(d.kind, d.field) for d in drift] == [("invoice", "late_paid_amount_days")]
    holding = threading.Event()
    failures = []

    def allocate():
        try:
            with transaction.atomic():
                allocation_create(
                    payment=payment,
                    invoice=invoice,
                    amount="400.00",
                    allocated_on=invoice.due_date + datetime.timedelta(days=10),
                )
                holding.set()
                time.sleep(1.0)  # the repair starts meanwhile and waits for the lock
        except Exception as error:  # reported below, on the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=allocate)
    thread.start()
    assert holding.wait(10)
    time.sleep(0.2)

    # when the repair runs, waiting for the allocation's transaction
    ledger_drift_repair(drift=drift)
    thread.join(10)

    # then it wrote what the allocations say once it had the lock, and nothing drifts
    assert not failures
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("400.00")
    assert invoice.open_amount == Decimal("600.00")
    assert invoice.late_paid_amount_days == Decimal("4000.00")
    assert ledger_drift_list() == []
