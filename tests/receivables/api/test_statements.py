import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from tests.crm.api.support import assert_error
from tests.factories.accounts import UserFactory
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


def _url(customer_id: object) -> str:
    return f"/api/v1/customers/{customer_id}/statement/"


def _customer(**fields):
    customer = CustomerFactory(code="ACME", name="Acme GmbH", **fields)
    ContactFactory(customer=customer, email="ap@example.com", is_billing=True)
    InvoiceFactory(customer=customer, number="INV-LATE", total=Decimal("1500.00"))
    return customer


def test_the_route_is_named():
    assert reverse("customer-statement-list", kwargs={"customer_id": 7}) == _url(7)


def test_unauthenticated_is_refused(api_client):
    # given a customer
    customer = _customer()

    # when nobody logged in asks for the statement
    response = api_client.get(_url(customer.pk))

    # then it is refused
    assert_error(response, 401, "not_authenticated")


def test_a_user_without_a_role_is_refused(client_for):
    # given a user without a role
    client, _ = client_for()
    customer = _customer()

    # when they ask for the statement
    response = client.get(_url(customer.pk))

    # then it is refused, naming the permission
    body = assert_error(response, 403, "permission_denied")
    assert "receivables.view_invoice" in body["message"]


@pytest.mark.parametrize("accept", ["application/pdf", "*/*", None])
def test_a_clerk_gets_the_pdf(client_for, accept):
    # given a clerk and a customer with an open invoice
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = _customer()
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    # when the statement is asked for
    response = client.get(_url(customer.pk), **headers)

    # then it is a PDF file named after the customer and the date
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        f'attachment; filename="statement-ACME-{timezone.localdate()}.pdf"'
    )


def test_a_sales_rep_gets_only_their_own_customers_statements(client_for):
    # given a rep, their customer and another rep's customer
    client, rep = client_for(roles.SALES_REP)
    own = _customer(sales_rep=rep)
    other = CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP]))

    # when the rep asks for both, accepting only PDF
    mine = client.get(_url(own.pk), HTTP_ACCEPT="application/pdf")
    theirs = client.get(_url(other.pk), HTTP_ACCEPT="application/pdf")

    # then the other customer does not exist for them, and the error is JSON
    assert mine.status_code == 200
    assert theirs["Content-Type"] == "application/json"
    assert_error(theirs, 404, "not_found")


@pytest.mark.parametrize("customer_id", ["0", "-1", "abc", "99999999999999999999999", "1e3"])
def test_unknown_customers_are_not_found(client_for, customer_id):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the statement of a customer that cannot exist is asked for
    response = client.get(_url(customer_id))

    # then it is a 404 with the error body
    assert_error(response, 404, "not_found")


def test_an_unacceptable_media_type_is_refused_as_json(client_for):
    # given a clerk and a customer
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = _customer()

    # when only XML is accepted
    response = client.get(_url(customer.pk), HTTP_ACCEPT="application/xml")

    # then it is a 406 in JSON
    assert response["Content-Type"] == "application/json"
    assert_error(response, 406, "not_acceptable")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_pdf_lists_the_open_invoice(client_for):
    # given a clerk and a customer with an invoice past due
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = _customer()
    customer.invoices.update(due_date=timezone.localdate() - datetime.timedelta(days=3))

    # when the statement is fetched
    response = client.get(_url(customer.pk))

    # then the invoice and its amount are printed
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "INV-LATE" in text
    assert "1,500.00" in text
