from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import Invoice
from receivables.services import allocation_create
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def _void_url(invoice: Invoice) -> str:
    return reverse("invoice-void", args=[invoice.pk])


def _state(invoice: Invoice) -> tuple:
    invoice.refresh_from_db()
    return (invoice.status, invoice.open_amount, invoice.amount_paid, invoice.description)


def test_unauthenticated_is_refused(api_client):
    # given an open invoice
    invoice = InvoiceFactory()
    before = _state(invoice)

    # when nobody logged in voids it
    response = api_client.post(_void_url(invoice), {"reason": "Posted twice"}, format="json")

    # then it is refused and the invoice is unchanged
    assert_error(response, 401, "not_authenticated")
    assert _state(invoice) == before


def test_a_wrong_role_cannot_void(client_for):
    # given a collections clerk (who may read invoices, not change them)
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()
    before = _state(invoice)

    # when they void an invoice
    response = client.post(_void_url(invoice), {"reason": "Posted twice"}, format="json")

    # then it is refused and the invoice is unchanged
    body = assert_error(response, 403, "permission_denied")
    assert "receivables.change_invoice" in body["message"]
    assert _state(invoice) == before


def test_an_integrator_voids_an_unsettled_invoice(client_for):
    # given an invoice of 1000.00 nothing was settled against
    client, _ = client_for(roles.INTEGRATOR)
    invoice = InvoiceFactory(total=Decimal("1000.00"), description="Widgets")

    # when it is voided with a reason
    response = client.post(_void_url(invoice), {"reason": "Posted twice"}, format="json")

    # then it is void, nothing is open and the reason is kept
    assert response.status_code == 200, response.content
    assert _state(invoice) == (
        "void",
        Decimal("0.00"),
        Decimal("0.00"),
        "Widgets | void: Posted twice",
    )
    body = response.json()
    assert (body["id"], body["status"], body["open_amount"]) == (invoice.pk, "void", "0.00")


def test_voiding_a_paid_invoice_is_a_conflict_and_changes_nothing(client_for):
    # given an invoice paid in full
    client, _ = client_for(roles.FINANCE_ADMIN)
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("1000.00"))
    allocation_create(payment=payment, invoice=invoice, amount=Decimal("1000.00"))
    before = _state(invoice)
    assert before[0] == "paid"

    # when it is voided
    response = client.post(_void_url(invoice), {"reason": "Posted twice"}, format="json")

    # then it is a 409 and the invoice is still paid
    body = assert_error(response, 409, "invoice_has_settlements")
    assert "1000.00" in body["message"]
    assert _state(invoice) == before


def test_voiding_twice_is_a_conflict(client_for):
    # given a voided invoice
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()
    assert client.post(_void_url(invoice), {"reason": "First"}, format="json").status_code == 200
    before = _state(invoice)

    # when it is voided again
    response = client.post(_void_url(invoice), {"reason": "Second"}, format="json")

    # then it is a 409 and the first reason stays
    assert_error(response, 409, "invoice_already_void")
    assert _state(invoice) == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 201}])
def test_a_reason_is_required(client_for, body):
    # given an open invoice
    client, _ = client_for(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()
    before = _state(invoice)

    # when it is voided without a usable reason
    response = client.post(_void_url(invoice), body, format="json")

    # then it is a field error and the invoice is still open
    assert_error(response, 400, ("invalid", "reason_required"), field="reason")
    assert _state(invoice) == before


def test_an_invoice_the_user_cannot_see_is_not_found(client_for):
    # given a sales rep allowed to change invoices, and another rep's customer's invoice
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "change_invoice")
    invoice = InvoiceFactory(
        customer=CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))
    )
    before = _state(invoice)

    # when the rep voids it
    response = client.post(_void_url(invoice), {"reason": "Posted twice"}, format="json")

    # then it does not exist for them
    assert_error(response, 404, "not_found")
    assert _state(invoice) == before
