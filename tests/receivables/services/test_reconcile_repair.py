"""The ledger repair leaves nothing drifting: the balances of the customers whose invoices
it repaired are rebuilt, and a repaired fully settled invoice gets its paid date."""

import datetime
from decimal import Decimal

import pytest

from receivables.models import CustomerBalance, Dispute, Invoice, InvoiceStatus
from receivables.services import allocation_create
from receivables.services.balances import balance_drift
from receivables.services.reconcile import ledger_drift_list, ledger_drift_repair
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import (
    AllocationFactory,
    CreditNoteFactory,
    DisputeFactory,
    InvoiceFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db


def test_repairing_an_invoice_rebuilds_its_customers_balance():
    # given an allocation row the maintained amounts do not know about; the balance
    # agrees with the (wrong) open amount, so only the invoice and payment drift
    invoice = InvoiceFactory(total=Decimal("1000.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("1000.00"))
    AllocationFactory(payment=payment, invoice=invoice, amount=Decimal("300.00"))
    drift = ledger_drift_list()
    assert {d.kind for d in drift} == {"invoice", "payment"}
    assert balance_drift() == []
    # when
    ledger_drift_repair(drift=drift)
    # then the invoice is repaired, and its customer's balance follows
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("700.00")
    balance = CustomerBalance.objects.get(customer=invoice.customer, currency="USD")
    assert balance.open_total == Decimal("700.00")
    assert ledger_drift_list() == []


def test_repairing_a_fully_settled_invoice_sets_its_paid_date():
    # given an invoice settled by rows the maintained amounts do not know about:
    # a payment applied on 1 November and a credit note dated 5 November
    invoice = InvoiceFactory(total=Decimal("1000.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("900.00"))
    AllocationFactory(
        payment=payment,
        invoice=invoice,
        amount=Decimal("900.00"),
        allocated_on=datetime.date(2026, 11, 1),
    )
    CreditNoteFactory(
        customer=invoice.customer,
        invoice=invoice,
        amount=Decimal("100.00"),
        issue_date=datetime.date(2026, 11, 5),
    )
    # when
    ledger_drift_repair(drift=ledger_drift_list())
    # then it is paid, on the latest of those dates, and nothing drifts
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.open_amount == Decimal("0.00")
    assert invoice.paid_date == datetime.date(2026, 11, 5)
    assert ledger_drift_list() == []


def test_repairing_an_invoice_no_longer_settled_clears_its_paid_date():
    # given an invoice marked paid whose only allocation was unapplied behind its back
    invoice = InvoiceFactory(total=Decimal("100.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("100.00"))
    allocation = AllocationFactory(payment=payment, invoice=invoice, amount=Decimal("100.00"))
    ledger_drift_repair(drift=ledger_drift_list())
    invoice.refresh_from_db()
    assert invoice.paid_date == datetime.date(2026, 10, 1)
    allocation.unapplied_at = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    allocation.save(update_fields=["unapplied_at"])
    # when
    ledger_drift_repair(drift=ledger_drift_list())
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.open_amount == Decimal("100.00")
    assert invoice.paid_date is None
    assert ledger_drift_list() == []


def test_a_paid_date_left_by_a_back_dated_settlement_is_reported_and_repaired():
    # given an invoice paid on 1 December and 15 September, whose paid date reads the
    # earlier one (as the rule before 404e342 wrote it when the back-dated part closed it)
    invoice = InvoiceFactory(
        total=Decimal("1000.00"),
        issue_date=datetime.date(2026, 8, 1),
        due_date=datetime.date(2026, 8, 31),
    )
    payment = PaymentFactory(
        customer=invoice.customer,
        amount=Decimal("1000.00"),
        received_date=datetime.date(2026, 9, 1),
    )
    allocation_create(payment=payment, invoice=invoice, amount="500.00",
                      allocated_on=datetime.date(2026, 12, 1))  # fmt: skip
    allocation_create(payment=payment, invoice=invoice, amount="500.00",
                      allocated_on=datetime.date(2026, 9, 15))  # fmt: skip
    Invoice.objects.filter(pk=invoice.pk).update(paid_date=datetime.date(2026, 9, 15))
    # when
    drift = ledger_drift_list()
    # then the paid date is reported, and the repair sets the latest settlement's date
    assert [(d.object_id, d.field, d.stored, d.recomputed) for d in drift] == [
        (invoice.pk, "paid_date", "2026-09-15", "2026-12-01")
    ]
    ledger_drift_repair(drift=drift)
    invoice.refresh_from_db()
    assert invoice.paid_date == datetime.date(2026, 12, 1)
    assert ledger_drift_list() == []


def test_a_dispute_naming_another_customer_is_reported_and_repaired():
    # given a dispute whose customer was changed behind the ledger's back
    dispute = DisputeFactory()
    stranger = CustomerFactory()
    Dispute.objects.filter(pk=dispute.pk).update(customer=stranger)

    # when the ledger is reconciled
    drift = ledger_drift_list()

    # then the dispute is reported with both customers, and the repair puts its invoice's back
    assert [(d.kind, d.object_id, d.field) for d in drift] == [("dispute", dispute.pk, "customer")]
    assert (drift[0].stored, drift[0].recomputed) == (
        str(stranger.pk),
        str(dispute.invoice.customer_id),
    )
    assert ledger_drift_repair(drift=drift) == 1
    dispute.refresh_from_db()
    assert dispute.customer_id == dispute.invoice.customer_id
    assert ledger_drift_list() == []
