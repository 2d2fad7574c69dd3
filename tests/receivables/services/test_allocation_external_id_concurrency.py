"""An ERP sending the same allocation several times at once, on PostgreSQL: the
external id lets exactly one through; the others are a 409 and apply nothing.

Real concurrent requests, each in its own thread, database connection and
transaction, released together by a barrier so they really overlap.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from crm import roles
from receivables.models import Allocation, Invoice, Payment
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory
from tests.support.concurrency import run_concurrently

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # The flush after each transactional test removes the roles; put them back.
    pytest.mark.usefixtures("roles_recreated"),
]

THREADS = 4


def _post_at_once(bodies: list[dict]) -> list[str]:
    """POST each body to the allocations endpoint at the same moment, as an integrator;
    each outcome is "201" or "<status>:<code>"."""
    integrator = UserFactory(roles=[roles.INTEGRATOR])

    def post(body: dict) -> str:
        client = APIClient()
        client.force_authenticate(user=integrator)
        response = client.post(reverse("allocation-list"), body, format="json")
        if response.status_code == 201:
            return "201"
        return f"{response.status_code}:{response.json()['code']}"

    return run_concurrently([(lambda body=body: post(body)) for body in bodies])


def _assert_applied_once(invoice: Invoice, payment: Payment, amount: str) -> None:
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert Allocation.objects.count() == 1
    assert Allocation.objects.get().external_id == "ERP-ALLOC-RACE"
    assert invoice.amount_paid == Decimal(amount)
    assert payment.amount_allocated == Decimal(amount)


@pytest.mark.parametrize("amount", ["100.00", "600.00"], ids=["room_left", "payment_used_up"])
def test_the_same_allocation_posted_at_once_is_applied_once(amount):
    # given an invoice of 1000.00 and a payment of 600.00
    assert connection.vendor == "postgresql"
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("600.00"))
    body = {
        "payment": payment.pk, "invoice": invoice.pk, "amount": amount,
        "external_id": "ERP-ALLOC-RACE",
    }  # fmt: skip

    # when the ERP sends the same allocation several times at the same moment
    outcomes = _post_at_once([body] * THREADS)

    # then one is applied and every other is a 409 telling it was already done
    # ("conflict" when its insert met the winner's row under the unique constraint)
    assert outcomes.count("201") == 1, outcomes
    assert all(o in ("201", "409:duplicate_external_id", "409:conflict") for o in outcomes)
    _assert_applied_once(invoice, payment, amount)


def test_one_external_id_posted_at_once_for_different_payments_is_applied_once():
    # given two invoices and two payments: the requests lock no row in common before
    # their inserts, so only the unique constraint stands between them
    assert connection.vendor == "postgresql"
    customer = CustomerFactory()
    invoices = [InvoiceFactory(customer=customer, total=Decimal("1000.00")) for _ in range(2)]
    payments = [PaymentFactory(customer=customer, amount=Decimal("600.00")) for _ in range(2)]
    bodies = [
        {
            "payment": payment.pk,
            "invoice": invoice.pk,
            "amount": "100.00",
            "external_id": "ERP-ALLOC-RACE",
        }
        for payment, invoice in zip(payments, invoices, strict=True)
    ]

    # when both are posted at the same moment under the same external id
    outcomes = _post_at_once(bodies)

    # then the unique constraint lets one through; the other is a 409, its
    # transaction rolled back whole
    assert sorted(outcomes) in (["201", "409:conflict"], ["201", "409:duplicate_external_id"])
    allocation = Allocation.objects.get()
    assert allocation.external_id == "ERP-ALLOC-RACE"
    for invoice in invoices:
        invoice.refresh_from_db()
    for payment in payments:
        payment.refresh_from_db()
    assert sorted(invoice.amount_paid for invoice in invoices) == [Decimal("0"), Decimal("100")]
    assert sorted(p.amount_allocated for p in payments) == [Decimal("0"), Decimal("100")]
