from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from receivables.models import Invoice, InvoiceStatus, Payment
from receivables.services import allocation_create
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def _ledger():
    invoice = InvoiceFactory(total=Decimal("100.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("100.00"))
    allocation_create(payment=payment, invoice=invoice, amount="60.00")
    return invoice, payment


def test_a_consistent_ledger_reports_no_drift():
    _ledger()
    out = StringIO()
    call_command("ledger_reconcile", stdout=out)
    assert "No drift" in out.getvalue()


def test_drift_is_reported_and_the_command_fails_until_repaired():
    # given: maintained amounts corrupted behind the services' back
    invoice, payment = _ledger()
    Invoice.objects.filter(pk=invoice.pk).update(
        amount_paid=Decimal("10.00"), open_amount=Decimal("90.00")
    )
    Payment.objects.filter(pk=payment.pk).update(amount_allocated=Decimal("0.00"))
    # when
    out = StringIO()
    with pytest.raises(CommandError, match="3 maintained amounts drift"):
        call_command("ledger_reconcile", stdout=out)
    # then
    report = out.getvalue()
    assert f"invoice {invoice.pk}: amount_paid stored 10.00, recomputed 60.00" in report
    assert f"payment {payment.pk}: amount_allocated stored 0.00, recomputed 60.00" in report
    # when
    call_command("ledger_reconcile", "--repair", stdout=StringIO())
    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.amount_paid == Decimal("60.00")
    assert invoice.open_amount == Decimal("40.00")
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert payment.amount_allocated == Decimal("60.00")
    out = StringIO()
    call_command("ledger_reconcile", stdout=out)
    assert "No drift" in out.getvalue()


def test_a_negative_limit_is_refused():
    with pytest.raises(CommandError, match="--limit"):
        call_command("ledger_reconcile", "--limit", "-1")
