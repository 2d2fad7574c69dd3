"""Each invoice's late-payment figure (Σ amount × days applied after the due date, over
its active allocations) follows every service that applies or unapplies a payment."""

import datetime
from decimal import Decimal

import pytest

from crm import roles
from crm.exceptions import Conflict, ValidationFailed
from receivables.models import Invoice
from receivables.services import (
    allocation_create,
    allocation_unapply,
    credit_note_create,
    payment_apply_oldest_first,
    write_off_create,
)
from receivables.services._amounts import late_paid_amount_days
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 10, 1)


def _invoice(total: str = "1000.00", due: datetime.date = DUE, **fields) -> Invoice:
    fields.setdefault("issue_date", due - datetime.timedelta(days=30))
    return InvoiceFactory(total=Decimal(total), due_date=due, **fields)


def _figure(invoice: Invoice) -> Decimal:
    invoice.refresh_from_db()
    return invoice.late_paid_amount_days


def _days(count: int) -> datetime.date:
    return DUE + datetime.timedelta(days=count)


def test_a_new_invoice_has_nothing_paid_late():
    # given / when
    invoice = _invoice()
    # then
    assert _figure(invoice) == Decimal("0.00")


@pytest.mark.parametrize("applied_on", [_days(-5), _days(0)], ids=["before due", "on the due date"])
def test_a_payment_applied_by_the_due_date_adds_nothing(applied_on):
    # given
    invoice = _invoice()
    payment = PaymentFactory(customer=invoice.customer, received_date=applied_on)
    # when
    allocation_create(payment=payment, invoice=invoice, amount="1000.00", allocated_on=applied_on)
    # then
    assert _figure(invoice) == Decimal("0.00")


def test_a_payment_applied_late_adds_its_amount_times_the_days_late():
    # given
    invoice = _invoice()
    payment = PaymentFactory(customer=invoice.customer)
    # when 400.10 is applied 12 days after the due date
    allocation_create(payment=payment, invoice=invoice, amount="400.10", allocated_on=_days(12))
    # then
    assert _figure(invoice) == Decimal("4801.20")
    assert invoice.open_amount == Decimal("599.90")  # the other maintained amounts as before


def test_a_partly_late_invoice_counts_only_its_late_payments():
    # given an invoice paid in three parts: early, on the due date, then late twice
    invoice = _invoice()
    payment = PaymentFactory(
        customer=invoice.customer, amount=Decimal("1000.00"), received_date=_days(-3)
    )
    parts = [
        ("100.00", _days(-3)),
        ("200.00", _days(0)),
        ("300.00", _days(1)),
        ("400.00", _days(45)),
    ]
    # when
    for amount, applied_on in parts:
        allocation_create(payment=payment, invoice=invoice, amount=amount, allocated_on=applied_on)
    # then 300 × 1 day + 400 × 45 days
    assert _figure(invoice) == Decimal("18300.00")
    assert invoice.status == "paid"


def test_applying_oldest_first_sets_the_figure_of_each_invoice_paid():
    # given three open invoices due on 1 Sep, 1 Oct and 1 Dec, and a payment that covers
    # the first two and part of the third
    customer = CustomerFactory()
    september = _invoice(customer=customer, due=datetime.date(2026, 9, 1))
    october = _invoice(customer=customer, total="500.00")
    december = _invoice(
        customer=customer, due=datetime.date(2026, 12, 1), issue_date=datetime.date(2026, 10, 1)
    )
    payment = PaymentFactory(customer=customer, amount=Decimal("1750.00"))
    # when it is applied on 11 October
    created = payment_apply_oldest_first(payment=payment, applied_on=datetime.date(2026, 10, 11))
    # then
    assert [a.invoice_id for a in created] == [september.pk, october.pk, december.pk]
    assert _figure(september) == Decimal("40000.00")  # 1000.00 × 40 days
    assert _figure(october) == Decimal("5000.00")  # 500.00 × 10 days
    assert _figure(december) == Decimal("0.00")  # 250.00 before it is due
    assert december.open_amount == Decimal("750.00")


def test_applying_oldest_first_adds_to_what_was_paid_late_before():
    # given an invoice already paid 100.00 late by 5 days
    invoice = _invoice()
    first = PaymentFactory(customer=invoice.customer, amount=Decimal("100.00"))
    allocation_create(payment=first, invoice=invoice, amount="100.00", allocated_on=_days(5))
    second = PaymentFactory(customer=invoice.customer, amount=Decimal("900.00"))
    # when the rest is applied automatically 20 days late
    payment_apply_oldest_first(payment=second, applied_on=_days(20))
    # then 100 × 5 + 900 × 20
    assert _figure(invoice) == Decimal("18500.00")


def test_unapplying_a_late_payment_takes_its_amount_days_back():
    # given an invoice paid 300.00 on time and 700.00 30 days late
    invoice = _invoice()
    payment = PaymentFactory(customer=invoice.customer)
    on_time = allocation_create(
        payment=payment, invoice=invoice, amount="300.00", allocated_on=_days(0)
    )
    late = allocation_create(
        payment=payment, invoice=invoice, amount="700.00", allocated_on=_days(30)
    )
    assert _figure(invoice) == Decimal("21000.00")
    # when the on-time one is unapplied
    allocation_unapply(allocation=on_time)
    # then nothing late changed
    assert _figure(invoice) == Decimal("21000.00")
    # when the late one is unapplied too
    allocation_unapply(allocation=late)
    # then nothing is left, and the unapplied rows stay for the audit trail
    assert _figure(invoice) == Decimal("0.00")
    assert invoice.allocations.count() == 2


def test_unapplying_twice_leaves_the_figure_alone():
    # given
    invoice = _invoice()
    payment = PaymentFactory(customer=invoice.customer)
    kept = allocation_create(
        payment=payment, invoice=invoice, amount="100.00", allocated_on=_days(2)
    )
    gone = allocation_create(
        payment=payment, invoice=invoice, amount="50.00", allocated_on=_days(4)
    )
    allocation_unapply(allocation=gone)
    # when
    with pytest.raises(Conflict):
        allocation_unapply(allocation=gone)
    # then only the active allocation counts
    assert _figure(invoice) == Decimal("200.00")
    assert kept.is_active


def test_a_refused_allocation_changes_nothing():
    # given an invoice paid 100.00 ten days late, with 900.00 open
    invoice = _invoice()
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal("2000.00"))
    allocation_create(payment=payment, invoice=invoice, amount="100.00", allocated_on=_days(10))
    # when more than is open is applied
    with pytest.raises(ValidationFailed):
        allocation_create(payment=payment, invoice=invoice, amount="900.01", allocated_on=_days(20))
    # then
    assert _figure(invoice) == Decimal("1000.00")
    assert invoice.allocations.count() == 1


def test_credit_notes_and_write_offs_leave_the_figure_alone(make_user):
    # given an invoice paid 500.00 two days late
    invoice = _invoice()
    payment = PaymentFactory(customer=invoice.customer)
    allocation_create(payment=payment, invoice=invoice, amount="500.00", allocated_on=_days(2))
    # when the rest is credited and written off
    credit_note_create(
        customer=invoice.customer,
        number="CN-1",
        amount="300.00",
        reason="Returned",
        invoice=invoice,
    )
    write_off_create(
        invoice=invoice,
        amount="200.00",
        reason="Small balance",
        user=make_user(roles.FINANCE_ADMIN),
    )
    # then
    assert _figure(invoice) == Decimal("1000.00")
    assert invoice.open_amount == Decimal("0.00")


def test_the_figure_is_exact_for_large_amounts_over_many_days():
    # given amounts whose products a float would round
    due = datetime.date(2000, 1, 1)
    applied = [
        (Decimal("9999999999999999.99"), datetime.date(2026, 12, 31)),
        (Decimal("0.01"), datetime.date(2000, 1, 2)),
        (Decimal("12345.67"), datetime.date(1999, 12, 31)),
    ]
    # when
    figure = late_paid_amount_days(due_date=due, allocations=applied)
    # then
    assert figure == Decimal("9999999999999999.99") * 9861 + Decimal("0.01")
    assert figure == Decimal("98609999999999999901.40")
