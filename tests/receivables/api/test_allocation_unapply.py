from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import Allocation
from receivables.services import allocation_create
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def _applied(amount: str = "400.00", **customer_fields) -> Allocation:
    """An allocation of ``amount`` from a payment of 600.00 to an invoice of 1000.00."""
    customer = CustomerFactory(**customer_fields)
    invoice = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    payment = PaymentFactory(customer=customer, amount=Decimal("600.00"))
    return allocation_create(payment=payment, invoice=invoice, amount=Decimal(amount))


def _url(allocation: Allocation) -> str:
    return reverse("allocation-unapply", args=[allocation.pk])


def _state(allocation: Allocation) -> tuple:
    allocation.refresh_from_db()
    allocation.invoice.refresh_from_db()
    allocation.payment.refresh_from_db()
    return (
        allocation.unapplied_at,
        allocation.invoice.open_amount,
        allocation.invoice.status,
        allocation.payment.amount_allocated,
    )


def test_unauthenticated_is_refused(api_client):
    # given an allocation
    allocation = _applied()
    before = _state(allocation)

    # when nobody logged in unapplies it
    response = api_client.post(_url(allocation))

    # then it is refused and nothing changed
    assert_error(response, 401, "not_authenticated")
    assert _state(allocation) == before


def test_a_wrong_role_cannot_unapply(client_for):
    # given an integrator (who may apply payments, not take them back)
    client, _ = client_for(roles.INTEGRATOR)
    allocation = _applied()
    before = _state(allocation)

    # when they unapply an allocation
    response = client.post(_url(allocation))

    # then it is refused and nothing changed
    body = assert_error(response, 403, "permission_denied")
    assert "receivables.change_allocation" in body["message"]
    assert _state(allocation) == before


def test_a_finance_admin_unapplies(client_for):
    # given 400.00 of a payment applied to an invoice of 1000.00
    client, admin = client_for(roles.FINANCE_ADMIN)
    allocation = _applied("400.00")

    # when it is unapplied
    response = client.post(_url(allocation))

    # then the invoice reopens, the payment regains the room, the row stays for the audit
    assert response.status_code == 200, response.content
    unapplied_at, open_amount, status, allocated = _state(allocation)
    assert unapplied_at is not None
    assert (open_amount, status, allocated) == (Decimal("1000.00"), "open", Decimal("0.00"))
    assert allocation.unapplied_by == admin
    body = response.json()
    assert (body["id"], body["is_active"], body["amount"]) == (allocation.pk, False, "400.00")


def test_unapplying_twice_is_a_conflict_and_changes_nothing(client_for):
    # given an allocation already unapplied
    client, _ = client_for(roles.FINANCE_ADMIN)
    allocation = _applied("400.00")
    assert client.post(_url(allocation)).status_code == 200
    before = _state(allocation)

    # when it is unapplied again
    response = client.post(_url(allocation))

    # then it is a 409 and the amounts are not given back twice
    assert_error(response, 409, "allocation_already_unapplied")
    assert _state(allocation) == before
    assert before[1:] == (Decimal("1000.00"), "open", Decimal("0.00"))


def test_an_allocation_the_user_cannot_see_is_not_found(client_for):
    # given a rep allowed to unapply, and another rep's customer's allocation
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "change_allocation")
    allocation = _applied(sales_rep=UserFactory(roles=[roles.SALES_REP]))
    before = _state(allocation)

    # when the rep unapplies it
    response = client.post(_url(allocation))

    # then it does not exist for them and nothing changed
    assert_error(response, 404, "not_found")
    assert _state(allocation) == before


@pytest.mark.parametrize("pk", ["0", "abc", "99999999999999999999999"])
def test_unknown_ids_are_not_found(client_for, pk):
    # given a finance admin
    client, _ = client_for(roles.FINANCE_ADMIN)

    # when an allocation that cannot exist is unapplied
    response = client.post(f"/api/v1/allocations/{pk}/unapply/")

    # then it is a 404
    assert_error(response, 404, "not_found")
