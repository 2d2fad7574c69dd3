import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import Allocation, Invoice, Payment, PaymentStatus
from receivables.services import dispute_open
from tests.crm.api.support import assert_error, grant
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def _url(payment: Payment) -> str:
    return reverse("payment-apply", args=[payment.pk])


def _ledger(amount: str = "2500.00", **customer_fields) -> tuple[Payment, list[Invoice]]:
    """A payment and three open invoices of 1000.00, due on 1 Oct, 1 Sep and 1 Nov."""
    customer = CustomerFactory(**customer_fields)
    invoices = [
        InvoiceFactory(customer=customer, issue_date=datetime.date(2026, 9, 1)),
        InvoiceFactory(customer=customer, issue_date=datetime.date(2026, 8, 2)),
        InvoiceFactory(customer=customer, issue_date=datetime.date(2026, 10, 2)),
    ]
    return PaymentFactory(customer=customer, amount=Decimal(amount)), invoices


def _assert_nothing_applied(payment: Payment, invoices: list[Invoice]) -> None:
    payment.refresh_from_db()
    assert Allocation.objects.count() == 0
    assert payment.amount_allocated == Decimal("0.00")
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.open_amount == Decimal("1000.00")


def test_unauthenticated_is_refused(api_client):
    # given a payment and open invoices
    payment, invoices = _ledger()

    # when nobody logged in applies it
    response = api_client.post(_url(payment))

    # then it is refused and nothing was applied
    assert_error(response, 401, "not_authenticated")
    _assert_nothing_applied(payment, invoices)


def test_a_wrong_role_cannot_apply(client_for):
    # given a collections clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    payment, invoices = _ledger()

    # when they apply a payment
    response = client.post(_url(payment))

    # then it is refused and nothing was applied
    body = assert_error(response, 403, "permission_denied")
    assert "receivables.add_allocation" in body["message"]
    _assert_nothing_applied(payment, invoices)


def test_applies_oldest_due_first_and_leaves_the_rest_as_credit(client_for):
    # given 2500.00 and three invoices of 1000.00; the oldest-due one is disputed
    client, user = client_for(roles.INTEGRATOR)
    payment, (middle, oldest, newest) = _ledger("2500.00")
    dispute_open(invoice=oldest, reason="Wrong price")

    # when the payment is applied on a date
    response = client.post(_url(payment), {"applied_on": "2026-11-02"}, format="json")

    # then the two undisputed invoices are paid, oldest due first, and 500.00 is left
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["payment"] == payment.pk
    assert body["currency"] == payment.currency
    assert body["unapplied_amount"] == "500.00"
    assert [(row["invoice"], row["amount"]) for row in body["allocations"]] == [
        (middle.pk, "1000.00"),
        (newest.pk, "1000.00"),
    ]
    assert {row["allocated_on"] for row in body["allocations"]} == {"2026-11-02"}
    payment.refresh_from_db()
    assert payment.amount_allocated == Decimal("2000.00")
    for invoice, open_amount in ((middle, "0.00"), (newest, "0.00"), (oldest, "1000.00")):
        invoice.refresh_from_db()
        assert invoice.open_amount == Decimal(open_amount)
    assert set(Allocation.objects.values_list("created_by", flat=True)) == {user.pk}


def test_a_partial_payment_pays_the_oldest_invoice_first(client_for):
    # given 1500.00 and three invoices of 1000.00
    client, _ = client_for(roles.FINANCE_ADMIN)
    payment, (middle, oldest, newest) = _ledger("1500.00")

    # when it is applied
    response = client.post(_url(payment))

    # then the oldest is paid, the next half paid, nothing is left
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(row["invoice"], row["amount"]) for row in body["allocations"]] == [
        (oldest.pk, "1000.00"),
        (middle.pk, "500.00"),
    ]
    assert body["unapplied_amount"] == "0.00"
    newest.refresh_from_db()
    assert newest.open_amount == Decimal("1000.00")


def test_applying_a_fully_applied_payment_creates_nothing(client_for):
    # given a payment applied once already
    client, _ = client_for(roles.FINANCE_ADMIN)
    payment, _ = _ledger("1000.00")
    assert client.post(_url(payment)).status_code == 200

    # when it is applied again
    response = client.post(_url(payment))

    # then nothing more is created
    assert response.status_code == 200, response.content
    assert response.json()["allocations"] == []
    assert response.json()["unapplied_amount"] == "0.00"
    assert Allocation.objects.count() == 1


def test_a_bounced_payment_cannot_be_applied(client_for):
    # given a bounced payment
    client, _ = client_for(roles.FINANCE_ADMIN)
    payment, invoices = _ledger()
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.BOUNCED)

    # when it is applied
    response = client.post(_url(payment))

    # then it is refused and nothing was applied
    assert_error(response, 400, "payment_bounced", field="payment")
    _assert_nothing_applied(payment, invoices)


@pytest.mark.parametrize("body", [{"applied_on": "02/11/2026"}, {"applied_on": 5}])
def test_a_malformed_date_is_refused(client_for, body):
    # given a payment
    client, _ = client_for(roles.FINANCE_ADMIN)
    payment, invoices = _ledger()

    # when it is applied with a malformed date
    response = client.post(_url(payment), body, format="json")

    # then it is a field error and nothing was applied
    assert_error(response, 400, "invalid", field="applied_on")
    _assert_nothing_applied(payment, invoices)


def test_a_payment_the_user_cannot_see_is_not_found(client_for):
    # given a rep allowed to apply payments, and another rep's customer's payment
    client, rep = client_for(roles.SALES_REP)
    grant(rep, "add_allocation")
    payment, invoices = _ledger(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep applies it
    response = client.post(_url(payment))

    # then it does not exist for them and nothing was applied
    assert_error(response, 404, "not_found")
    _assert_nothing_applied(payment, invoices)
