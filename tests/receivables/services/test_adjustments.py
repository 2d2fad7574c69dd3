import datetime
from decimal import Decimal

import pytest

from crm import roles
from crm.exceptions import Conflict, PermissionDenied, ValidationFailed
from receivables.models import CreditNote, DisputeStatus, InvoiceStatus, WriteOff
from receivables.services import (
    allocation_create,
    allocation_unapply,
    credit_note_create,
    dispute_open,
    dispute_resolve,
    invoice_void,
    payment_apply_oldest_first,
    write_off_create,
)
from tests.factories.accounts import UserFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_unapplying_reopens_the_invoice_and_twice_is_a_conflict():
    # given
    invoice = InvoiceFactory(total=Decimal("100.00"))
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("100.00"))
    allocation = allocation_create(payment=payment, invoice=invoice, amount="100.00")
    # when
    allocation_unapply(allocation=allocation)
    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.open_amount == Decimal("100.00")
    assert invoice.paid_date is None
    assert payment.amount_allocated == Decimal("0.00")
    with pytest.raises(Conflict) as error:
        allocation_unapply(allocation=allocation)
    assert error.value.code == "allocation_already_unapplied"
    payment.refresh_from_db()
    assert payment.amount_allocated == Decimal("0.00")


def test_auto_apply_pays_oldest_due_first_skips_disputes_and_keeps_the_rest_as_credit():
    # given
    oldest = InvoiceFactory(total=Decimal("100.00"), due_date=datetime.date(2026, 9, 5))
    customer = oldest.customer
    disputed = InvoiceFactory(
        customer=customer, total=Decimal("50.00"), due_date=datetime.date(2026, 9, 1)
    )
    newer = InvoiceFactory(
        customer=customer, total=Decimal("300.00"), due_date=datetime.date(2026, 10, 5)
    )
    dispute_open(invoice=disputed, reason="wrong price")
    payment = PaymentFactory(customer=customer, amount=Decimal("500.00"))
    # when
    created = payment_apply_oldest_first(payment=payment)
    # then
    assert [a.invoice_id for a in created] == [oldest.pk, newer.pk]
    payment.refresh_from_db()
    assert payment.amount_allocated == Decimal("400.00")
    assert payment.unapplied_amount == Decimal("100.00")
    disputed.refresh_from_db()
    assert disputed.open_amount == Decimal("50.00")


def test_void_is_refused_once_something_was_settled():
    invoice = InvoiceFactory(total=Decimal("100.00"))
    payment = PaymentFactory(customer=invoice.customer)
    allocation_create(payment=payment, invoice=invoice, amount="1.00")
    with pytest.raises(Conflict) as error:
        invoice_void(invoice=invoice, reason="typo")
    assert error.value.code == "invoice_has_settlements"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID


def test_void_zeroes_the_open_amount_and_refuses_a_second_time():
    invoice = InvoiceFactory(total=Decimal("100.00"))
    invoice_void(invoice=invoice, reason="posted twice")
    assert invoice.status == InvoiceStatus.VOID
    assert invoice.open_amount == Decimal("0.00")
    with pytest.raises(Conflict):
        invoice_void(invoice=invoice, reason="again")


def test_credit_note_on_an_invoice_reduces_its_open_amount():
    invoice = InvoiceFactory(total=Decimal("100.00"))
    credit_note_create(
        customer=invoice.customer, invoice=invoice, number="CN-1", amount="30", reason="damaged"
    )
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("30.00")
    assert invoice.open_amount == Decimal("70.00")
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID


def test_credit_note_larger_than_the_invoice_is_refused():
    invoice = InvoiceFactory(total=Decimal("100.00"))
    with pytest.raises(ValidationFailed) as error:
        credit_note_create(
            customer=invoice.customer, invoice=invoice, number="CN-1", amount="100.01", reason="x"
        )
    assert error.value.code == "credit_note_exceeds_invoice"
    assert CreditNote.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("100.00")


def test_credit_note_without_invoice_is_customer_credit():
    invoice = InvoiceFactory()
    note = credit_note_create(
        customer=invoice.customer, number="CN-2", amount="10", reason="goodwill"
    )
    assert note.invoice is None
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("0.00")


def test_write_off_needs_a_finance_admin_and_a_reason_and_room():
    # given
    invoice = InvoiceFactory(total=Decimal("100.00"))
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    admin = UserFactory(roles=[roles.FINANCE_ADMIN])
    # then
    with pytest.raises(PermissionDenied):
        write_off_create(invoice=invoice, amount="10", reason="bankrupt", user=clerk)
    with pytest.raises(ValidationFailed):
        write_off_create(invoice=invoice, amount="10", reason="  ", user=admin)
    with pytest.raises(ValidationFailed) as error:
        write_off_create(invoice=invoice, amount="100.01", reason="bankrupt", user=admin)
    assert error.value.code == "write_off_exceeds_open_amount"
    assert WriteOff.objects.count() == 0
    # when
    write_off_create(invoice=invoice, amount="100.00", reason="bankrupt", user=admin)
    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.WRITTEN_OFF
    assert invoice.open_amount == Decimal("0.00")


def test_dispute_flags_the_invoice_until_resolved_and_only_one_is_open():
    invoice = InvoiceFactory()
    dispute = dispute_open(invoice=invoice, reason="short delivery")
    invoice.refresh_from_db()
    assert dispute.customer_id == invoice.customer_id  # kept for the nightly analytics
    assert invoice.is_disputed is True
    assert invoice.open_amount == invoice.total  # stays in the balance
    with pytest.raises(Conflict):
        dispute_open(invoice=invoice, reason="again")
    dispute_resolve(dispute=dispute, resolution="credit note issued")
    invoice.refresh_from_db()
    assert invoice.is_disputed is False
    assert dispute.status == DisputeStatus.RESOLVED
    with pytest.raises(Conflict):
        dispute_resolve(dispute=dispute, resolution="again")


def test_credit_note_currency_must_be_known_and_match_the_invoice():
    invoice = InvoiceFactory(currency="USD")
    with pytest.raises(ValidationFailed) as error:
        credit_note_create(
            customer=invoice.customer, number="CN-9", amount="1", reason="x", currency="ZZZ"
        )
    assert error.value.code == "unknown_currency"
    with pytest.raises(ValidationFailed) as error:
        credit_note_create(
            customer=invoice.customer,
            invoice=invoice,
            number="CN-9",
            amount="1",
            reason="x",
            currency="EUR",
        )
    assert error.value.code == "credit_note_currency_mismatch"
    assert CreditNote.objects.count() == 0
