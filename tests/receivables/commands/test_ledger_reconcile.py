import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

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
    # (3 on the rows, 3 on the customer's balance now built from the wrong open amount)
    with pytest.raises(CommandError, match="6 maintained amounts drift"):
        call_command("ledger_reconcile", stdout=out)
    # then
    report = out.getvalue()
    assert f"invoice {invoice.pk}: amount_paid stored 10.00, recomputed 60.00" in report
    assert f"payment {payment.pk}: amount_allocated stored 0.00, recomputed 60.00" in report
    assert f"balance {invoice.customer_id}: USD open_total stored 40.00, recomputed 90.00" in report
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


def test_a_missing_or_wrong_customer_balance_is_drift_and_repaired():
    from receivables.models import CustomerBalance

    invoice, _payment = _ledger()
    CustomerBalance.objects.filter(customer=invoice.customer).update(open_total=Decimal("1.00"))
    with pytest.raises(CommandError, match="1 maintained amounts drift"):
        call_command("ledger_reconcile", stdout=StringIO())
    CustomerBalance.objects.all().delete()
    with pytest.raises(CommandError, match="1 maintained amounts drift"):
        call_command("ledger_reconcile", stdout=StringIO())
    call_command("ledger_reconcile", "--repair", stdout=StringIO())
    assert CustomerBalance.objects.get(customer=invoice.customer).open_total == Decimal("40.00")


def test_balances_refresh_rebuilds_rows_as_of_today():
    from receivables.models import CustomerBalance

    invoice, _payment = _ledger()
    CustomerBalance.objects.all().delete()
    out = StringIO()
    call_command("balances_refresh", stdout=out)
    assert "Rebuilt 1 balance rows" in out.getvalue()
    assert CustomerBalance.objects.get(customer=invoice.customer).open_total == Decimal("40.00")


def _paid_late() -> Invoice:
    """An invoice of 100.00 paid in full 10 days after its due date (1000.00 amount-days)."""
    invoice = InvoiceFactory(total=Decimal("100.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("100.00"))
    allocation_create(
        payment=payment,
        invoice=invoice,
        amount="100.00",
        allocated_on=invoice.due_date + datetime.timedelta(days=10),
    )
    invoice.refresh_from_db()
    assert invoice.late_paid_amount_days == Decimal("1000.00")
    return invoice


def test_a_wrong_late_payment_figure_is_drift_and_repaired():
    # given the figure corrupted behind the services' back
    invoice = _paid_late()
    Invoice.objects.filter(pk=invoice.pk).update(late_paid_amount_days=Decimal("1.00"))
    # when
    out = StringIO()
    with pytest.raises(CommandError, match="1 maintained amounts drift"):
        call_command("ledger_reconcile", stdout=out)
    # then
    assert (
        f"invoice {invoice.pk}: late_paid_amount_days stored 1.00, recomputed 1000.00"
        in out.getvalue()
    )
    # when
    call_command("ledger_reconcile", "--repair", stdout=StringIO())
    # then
    invoice.refresh_from_db()
    assert invoice.late_paid_amount_days == Decimal("1000.00")
    assert invoice.amount_paid == Decimal("100.00")
    assert invoice.status == InvoiceStatus.PAID
    out = StringIO()
    call_command("ledger_reconcile", stdout=out)
    assert "No drift" in out.getvalue()


def test_an_unapplied_allocation_still_counted_is_drift():
    # given an allocation marked unapplied directly, without its service
    invoice = _paid_late()
    invoice.allocations.update(unapplied_at=timezone.now())
    # when
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger_reconcile", stdout=out)
    # then the figure is reported with the paid amount
    assert (
        f"invoice {invoice.pk}: late_paid_amount_days stored 1000.00, recomputed 0.00"
        in out.getvalue()
    )


def test_a_due_date_moved_behind_the_services_back_is_drift_and_repaired():
    # given a paid invoice whose due date was moved 4 days earlier in the database
    # (no service changes a due date once allocations exist: it is read-only everywhere)
    invoice = _paid_late()
    Invoice.objects.filter(pk=invoice.pk).update(
        due_date=invoice.due_date - datetime.timedelta(days=4)
    )
    # when
    out = StringIO()
    with pytest.raises(CommandError, match="1 maintained amounts drift"):
        call_command("ledger_reconcile", stdout=out)
    # then 100.00 × 14 days
    assert (
        f"invoice {invoice.pk}: late_paid_amount_days stored 1000.00, recomputed 1400.00"
        in out.getvalue()
    )
    # when
    call_command("ledger_reconcile", "--repair", stdout=StringIO())
    # then
    invoice.refresh_from_db()
    assert invoice.late_paid_amount_days == Decimal("1400.00")
