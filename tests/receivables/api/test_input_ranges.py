"""Dates and amounts the ledger cannot work with are a 400 naming the field and the
allowed range, never a 500: dates from 1900-01-01 to 2199-12-31, and single amounts
below 10^13 (customer balances add them up in the same 18 digits)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import Allocation, CreditNote, CustomerBalance, Invoice, Payment, WriteOff
from tests.crm.api.support import assert_error
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

INVOICES = reverse("invoice-list")
PAYMENTS = reverse("payment-list")
ALLOCATIONS = reverse("allocation-list")
AGING = reverse("aging-list")


def _new_invoice(customer, **overrides):
    return {
        "customer": customer.pk, "number": "INV-RANGE-1", "issue_date": "2026-09-01",
        "total": "100.00", **overrides,
    }  # fmt: skip


def _new_payment(customer, **overrides):
    return {"customer": customer.pk, "received_date": "2026-09-01", "amount": "100.00", **overrides}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"issue_date": "9999-12-31"}, "issue_date"),  # its due date overflowed: a 500
        ({"issue_date": "2200-01-01"}, "issue_date"),
        ({"issue_date": "1899-12-31", "due_date": "1900-01-30"}, "issue_date"),
        ({"issue_date": "0001-01-01"}, "issue_date"),
        ({"due_date": "9999-12-31"}, "due_date"),
    ],
)
def test_an_invoice_dated_out_of_range_is_refused(client_for, overrides, field):
    # given an integrator and a customer
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()

    # when an invoice dated out of range is posted (no due date: from the payment terms)
    response = client.post(INVOICES, _new_invoice(customer, **overrides), format="json")

    # then it is a 400 on that field naming the range, and nothing is written
    body = assert_error(response, 400, "date_out_of_range", field=field)
    assert "from 1900-01-01 to 2199-12-31" in body["message"]
    assert Invoice.objects.count() == 0
    assert CustomerBalance.objects.count() == 0


def test_an_invoice_dated_on_the_edges_of_the_range_is_accepted(client_for):
    # given
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory(payment_terms_days=30)

    # when invoices are posted on the first and the last day of the range
    first = client.post(
        INVOICES, _new_invoice(customer, number="EDGE-1", issue_date="1900-01-01"), format="json"
    )
    last = client.post(
        INVOICES, _new_invoice(customer, number="EDGE-2", issue_date="2199-12-31"), format="json"
    )

    # then both are posted, the last one due after it (from the payment terms)
    assert first.status_code == 201, first.content
    assert last.status_code == 201, last.content
    assert last.json()["due_date"] == "2200-01-30"


@pytest.mark.parametrize("as_of", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
@pytest.mark.parametrize("group_by", ["portfolio", "customer"])
def test_aging_as_of_out_of_range_is_refused(client_for, as_of, group_by):
    # given an open invoice
    client, _ = client_for(roles.FINANCE_ADMIN)
    InvoiceFactory()

    # when the aging is asked for on a date out of range
    response = client.get(AGING, {"as_of": as_of, "group_by": group_by})

    # then it is a 400 on as_of naming the range
    body = assert_error(response, 400, "date_out_of_range", field="as_of")
    assert as_of in body["message"]
    assert "from 1900-01-01 to 2199-12-31" in body["message"]


def test_aging_as_of_the_first_day_of_the_range_is_answered(client_for):
    # given an invoice issued in 2026
    client, _ = client_for(roles.FINANCE_ADMIN)
    InvoiceFactory()

    # when the aging is asked for as of 1900-01-01
    response = client.get(AGING, {"as_of": "1900-01-01"})

    # then nothing was open then
    assert response.status_code == 200, response.content
    assert response.json()["totals"] == []


@pytest.mark.parametrize("total", ["9999999999999999.99", "10000000000000.00"])
def test_an_invoice_too_large_for_the_balance_is_refused(client_for, total):
    # given a customer who already owes 1000.00
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory()
    InvoiceFactory(customer=customer, total=Decimal("1000.00"))

    # when an invoice of 10^13 or more is posted
    response = client.post(INVOICES, _new_invoice(customer, total=total), format="json")

    # then it is a 400 on total naming the largest amount, and the balance is unchanged
    body = assert_error(response, 400, "amount_too_large", field="total")
    assert "at most 9,999,999,999,999.99" in body["message"]
    assert Invoice.objects.count() == 1
    assert CustomerBalance.objects.get(customer=customer).open_total == Decimal("1000.00")


def test_the_largest_invoice_is_accepted(client_for):
    # given a customer who owes nothing yet
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory()

    # when an invoice of the largest amount is posted
    response = client.post(
        INVOICES, _new_invoice(customer, total="9999999999999.99"), format="json"
    )

    # then it is posted and the balance holds it
    assert response.status_code == 201, response.content
    assert Invoice.objects.get().total == Decimal("9999999999999.99")
    balance = CustomerBalance.objects.get(customer=customer)
    assert balance.open_total == Decimal("9999999999999.99")


@pytest.mark.parametrize("amount", ["9999999999999999.99", "10000000000000.00"])
def test_a_payment_too_large_is_refused(client_for, amount):
    # given
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()

    # when a payment of 10^13 or more is recorded
    response = client.post(PAYMENTS, _new_payment(customer, amount=amount), format="json")

    # then it is a 400 on amount naming the largest amount, and nothing is written
    body = assert_error(response, 400, "amount_too_large", field="amount")
    assert "at most 9,999,999,999,999.99" in body["message"]
    assert Payment.objects.count() == 0


def test_the_largest_payment_is_accepted(client_for):
    # given
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()

    # when
    response = client.post(
        PAYMENTS, _new_payment(customer, amount="9999999999999.99"), format="json"
    )

    # then
    assert response.status_code == 201, response.content
    assert Payment.objects.get().amount == Decimal("9999999999999.99")


@pytest.mark.parametrize(
    ("allocated_on", "code"),
    [("2026-09-30", "allocation_before_payment"), ("2026-08-31", "allocation_before_invoice")],
)
def test_an_allocation_dated_too_early_is_refused(client_for, allocated_on, code):
    # given an invoice issued on 1 September and a payment received on 1 October
    client, _ = client_for(roles.INTEGRATOR)
    invoice = InvoiceFactory(issue_date=datetime.date(2026, 9, 1))
    payment = PaymentFactory(customer=invoice.customer, received_date=datetime.date(2026, 10, 1))
    if code == "allocation_before_invoice":
        Payment.objects.filter(pk=payment.pk).update(received_date=datetime.date(2026, 8, 1))

    # when the payment is applied dated before one of them
    response = client.post(
        ALLOCATIONS,
        {
            "payment": payment.pk,
            "invoice": invoice.pk,
            "amount": "10.00",
            "allocated_on": allocated_on,
        },
        format="json",
    )

    # then it is a 400 on allocated_on naming the earliest allowed date, nothing applied
    body = assert_error(response, 400, code, field="allocated_on")
    earliest = "2026-10-01" if code == "allocation_before_payment" else "2026-09-01"
    assert f"use {earliest} or later" in body["message"]
    assert Allocation.objects.count() == 0
    invoice.refresh_from_db()
    assert invoice.open_amount == invoice.total


def test_applying_a_payment_dated_before_it_was_received_is_refused(client_for):
    # given a payment received on 1 October and an open invoice
    client, _ = client_for(roles.INTEGRATOR)
    invoice = InvoiceFactory(issue_date=datetime.date(2026, 9, 1))
    payment = PaymentFactory(customer=invoice.customer, received_date=datetime.date(2026, 10, 1))

    # when it is applied oldest first, dated 30 September
    response = client.post(
        reverse("payment-apply", args=[payment.pk]), {"applied_on": "2026-09-30"}, format="json"
    )

    # then
    body = assert_error(response, 400, "allocation_before_payment", field="applied_on")
    assert "use 2026-10-01 or later" in body["message"]
    assert Allocation.objects.count() == 0


OUT_OF_RANGE = ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"]


@pytest.mark.parametrize("received_date", OUT_OF_RANGE)
def test_a_payment_received_out_of_range_is_refused(client_for, received_date):
    # given
    client, _ = client_for(roles.INTEGRATOR)
    customer = CustomerFactory()

    # when a payment received on a date out of range is recorded
    response = client.post(
        PAYMENTS, _new_payment(customer, received_date=received_date), format="json"
    )

    # then it is a 400 on received_date naming the range, and nothing is written
    body = assert_error(response, 400, "date_out_of_range", field="received_date")
    assert received_date in body["message"]
    assert "from 1900-01-01 to 2199-12-31" in body["message"]
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("issue_date", OUT_OF_RANGE)
@pytest.mark.parametrize("on_invoice", [True, False], ids=["on_invoice", "customer_credit"])
def test_a_credit_note_issued_out_of_range_is_refused(client_for, issue_date, on_invoice):
    # given an open invoice of 1000.00
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(total=Decimal("1000.00"))
    body = {
        "customer": invoice.customer_id, "number": "CN-RANGE-1", "amount": "100.00",
        "reason": "Damaged goods", "issue_date": issue_date,
    }  # fmt: skip
    if on_invoice:
        body["invoice"] = invoice.pk

    # when a credit note dated out of range is issued
    response = client.post(reverse("credit-note-list"), body, format="json")

    # then it is a 400 on issue_date naming the range; nothing credited, balance unchanged
    error = assert_error(response, 400, "date_out_of_range", field="issue_date")
    assert issue_date in error["message"]
    assert "from 1900-01-01 to 2199-12-31" in error["message"]
    assert CreditNote.objects.count() == 0
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.amount_credited) == (Decimal("1000.00"), Decimal("0.00"))
    balance = CustomerBalance.objects.get(customer=invoice.customer)
    assert balance.open_total == Decimal("1000.00")


@pytest.mark.parametrize("written_off_on", OUT_OF_RANGE)
def test_a_write_off_dated_out_of_range_is_refused(client_for, written_off_on):
    # given an open invoice of 1000.00
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(total=Decimal("1000.00"))

    # when part of it is written off on a date out of range
    response = client.post(
        reverse("write-off-list"),
        {
            "invoice": invoice.pk,
            "amount": "40.00",
            "reason": "Uncollectable",
            "written_off_on": written_off_on,
        },
        format="json",
    )

    # then it is a 400 on written_off_on naming the range, and nothing is written off
    error = assert_error(response, 400, "date_out_of_range", field="written_off_on")
    assert written_off_on in error["message"]
    assert WriteOff.objects.count() == 0
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.amount_written_off) == (
        Decimal("1000.00"),
        Decimal("0.00"),
    )


def test_payments_credit_notes_and_write_offs_on_the_edges_of_the_range_are_accepted(
    client_for,
):
    # given an open invoice of 1000.00 issued on the first day of the range
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(
        total=Decimal("1000.00"),
        issue_date=datetime.date(1900, 1, 1),
        due_date=datetime.date(1900, 1, 31),
    )
    customer = invoice.customer

    # when a payment, a credit note and a write-off are dated on the edges of the range
    payments = [
        client.post(PAYMENTS, _new_payment(customer, received_date=day), format="json")
        for day in ("1900-01-01", "2199-12-31")
    ]
    note = client.post(
        reverse("credit-note-list"),
        {
            "customer": customer.pk,
            "invoice": invoice.pk,
            "number": "CN-EDGE",
            "amount": "10.00",
            "reason": "Damaged goods",
            "issue_date": "1900-01-01",
        },
        format="json",
    )
    write_off = client.post(
        reverse("write-off-list"),
        {
            "invoice": invoice.pk,
            "amount": "10.00",
            "reason": "Uncollectable",
            "written_off_on": "2199-12-31",
        },
        format="json",
    )

    # then all of them are written
    for response in (*payments, note, write_off):
        assert response.status_code == 201, response.content
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("980.00")
