from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import Allocation, InvoiceStatus, Payment
from receivables.services import allocation_create
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PAYMENTS = reverse("admin:receivables_payment_changelist")
ADD_PAYMENT = reverse("admin:receivables_payment_add")
ALLOCATIONS = reverse("admin:receivables_allocation_changelist")
ADD_ALLOCATION = reverse("admin:receivables_allocation_add")


def _payment_post(customer_id: int, **overrides: str) -> dict[str, str]:
    return {
        "customer": str(customer_id),
        "received_date": "2026-10-01",
        "amount": "1500.00",
        "currency": "",
        "method": "bank_transfer",
        "reference": "BANK-1",
        "external_id": "PAY-1",
        **overrides,
    }


def test_adding_a_payment_records_it_unapplied(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    customer = CustomerFactory(currency="EUR")

    # when
    response = client.post(ADD_PAYMENT, _payment_post(customer.pk))

    # then
    assert response.status_code == 302
    payment = Payment.objects.get(external_id="PAY-1")
    assert payment.amount == Decimal("1500.00")
    assert payment.amount_allocated == Decimal("0.00")
    assert payment.currency == "EUR"


def test_a_duplicate_payment_external_id_is_shown_on_its_field(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    customer = CustomerFactory()
    PaymentFactory(customer=customer, external_id="PAY-1")

    # when
    response = client.post(ADD_PAYMENT, _payment_post(customer.pk))

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["external_id"]
    assert errors[0].startswith("A payment with external id 'PAY-1' already exists")
    assert Payment.objects.count() == 1


def test_payment_page_shows_allocated_and_unapplied_amounts_read_only(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    payment = PaymentFactory(amount=Decimal("1500.00"))
    invoice = InvoiceFactory(customer=payment.customer, total=Decimal("1000.00"))
    allocation_create(payment=payment, invoice=invoice, amount="400.00")

    # when
    page = client.get(reverse("admin:receivables_payment_change", args=[payment.pk]))
    listed = client.get(PAYMENTS, {"applied": "unapplied"})

    # then
    assert page.status_code == 200
    content = page.content.decode()
    assert '<div class="readonly">1100.00</div>' in content  # unapplied
    assert f"400.00 of payment {payment.pk} to invoice {invoice.pk}" in content
    assert 'name="amount"' not in content
    row = listed.context["cl"].result_list[0]
    assert (row.amount_allocated, row.unapplied_amount) == (Decimal("400.00"), Decimal("1100.00"))


def test_payments_cannot_be_changed_or_deleted(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    payment = PaymentFactory()

    # when
    changed = client.post(
        reverse("admin:receivables_payment_change", args=[payment.pk]),
        _payment_post(payment.customer_id, amount="1.00"),
    )
    deleted = client.post(
        reverse("admin:receivables_payment_delete", args=[payment.pk]), {"post": "yes"}
    )

    # then
    assert (changed.status_code, deleted.status_code) == (403, 403)
    payment.refresh_from_db()
    assert payment.amount == Decimal("1000.00")


def test_adding_an_allocation_settles_the_invoice_through_allocation_create(staff_client):
    # given
    client, user = staff_client(roles.FINANCE_ADMIN)
    payment = PaymentFactory(amount=Decimal("1000.00"), received_date=datetime.date(2026, 10, 1))
    invoice = InvoiceFactory(customer=payment.customer, total=Decimal("1000.00"))

    # when
    response = client.post(
        ADD_ALLOCATION,
        {
            "payment": str(payment.pk),
            "invoice": str(invoice.pk),
            "amount": "1000.00",
            "allocated_on": "2026-10-02",
        },
    )

    # then
    assert response.status_code == 302
    allocation = Allocation.objects.get()
    assert allocation.created_by == user
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.open_amount == Decimal("0.00")
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_date == datetime.date(2026, 10, 2)
    assert payment.amount_allocated == Decimal("1000.00")


def test_an_over_allocation_is_shown_on_the_amount_and_nothing_changes(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    payment = PaymentFactory(amount=Decimal("5000.00"))
    invoice = InvoiceFactory(number="INV-OVER", customer=payment.customer, total=Decimal("1000.00"))

    # when
    response = client.post(
        ADD_ALLOCATION,
        {"payment": str(payment.pk), "invoice": str(invoice.pk), "amount": "2000.00"},
    )

    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["amount"] == [
        "Cannot apply 2000.00 USD to invoice INV-OVER: only 1000.00 is open."
    ]
    assert not Allocation.objects.exists()
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("1000.00")


def test_allocations_cannot_be_changed_or_deleted_and_are_listed_by_state(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    payment = PaymentFactory()
    invoice = InvoiceFactory(customer=payment.customer)
    allocation = allocation_create(payment=payment, invoice=invoice, amount="10.00")

    # when
    deleted = client.post(
        reverse("admin:receivables_allocation_delete", args=[allocation.pk]), {"post": "yes"}
    )
    active = client.get(ALLOCATIONS, {"active": "yes"})
    unapplied = client.get(ALLOCATIONS, {"active": "no"})
    by_invoice = client.get(ALLOCATIONS, {"q": invoice.number})

    # then
    assert deleted.status_code == 403
    assert list(active.context["cl"].result_list) == [allocation]
    assert list(unapplied.context["cl"].result_list) == []
    assert list(by_invoice.context["cl"].result_list) == [allocation]


def test_sales_rep_sees_only_payments_and_allocations_of_own_customers(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    mine = PaymentFactory(customer=CustomerFactory(sales_rep=rep))
    theirs = PaymentFactory(customer=CustomerFactory(sales_rep=make_user(roles.SALES_REP)))
    for payment in (mine, theirs):
        invoice = InvoiceFactory(customer=payment.customer)
        allocation_create(payment=payment, invoice=invoice, amount="10.00")

    # when
    payments = client.get(PAYMENTS)
    allocations = client.get(ALLOCATIONS)

    # then
    assert list(payments.context["cl"].result_list) == [mine]
    assert [a.payment_id for a in allocations.context["cl"].result_list] == [mine.pk]
