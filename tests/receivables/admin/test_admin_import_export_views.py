"""The admin's import (upload, check, confirm) and export pages, end to end."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm import roles
from receivables.models import Invoice
from receivables.resources import InvoiceResource
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

IMPORT = reverse("admin:receivables_invoice_import")
PROCESS_IMPORT = reverse("admin:receivables_invoice_process_import")
EXPORT = reverse("admin:receivables_invoice_export")
CSV_FORMAT = "0"  # the first of the admin's formats: CSV, XLSX


def _upload(*lines: str) -> SimpleUploadedFile:
    text = "\n".join(["number,customer,issue_date,total", *lines]) + "\n"
    return SimpleUploadedFile("invoices.csv", text.encode(), content_type="text/csv")


def test_finance_admin_uploads_checks_and_confirms_an_invoice_file(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    CustomerFactory(code="ACME")

    # when the file is uploaded it is checked in a dry run
    checked = client.post(
        IMPORT, {"format": CSV_FORMAT, "import_file": _upload("INV-1,ACME,2026-09-01,1000.00")}
    )

    # then nothing is written yet and the confirm form is offered
    assert checked.status_code == 200
    assert not Invoice.objects.exists()
    confirm = checked.context["confirm_form"]

    # when confirmed
    done = client.post(PROCESS_IMPORT, {**confirm.initial})

    # then
    assert done.status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.open_amount) == ("INV-1", Decimal("1000.00"))


def test_a_file_with_a_bad_row_shows_the_error_and_cannot_be_confirmed(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    CustomerFactory(code="ACME")

    # when
    response = client.post(
        IMPORT,
        {
            "format": CSV_FORMAT,
            "import_file": _upload("INV-1,ACME,2026-09-01,1000.00", "INV-2,ACME,2026-09-01,-1"),
        },
    )

    # then
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "The amount must be greater than zero; got -1.00." in response.content.decode()
    assert not Invoice.objects.exists()


def test_sales_rep_may_not_import(staff_client):
    # given
    client, _rep = staff_client(roles.SALES_REP)

    # when
    response = client.get(IMPORT)

    # then
    assert response.status_code == 403


def test_export_page_downloads_a_csv_of_the_users_invoices_only(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    InvoiceFactory(number="INV-MINE", customer=CustomerFactory(sales_rep=rep))
    InvoiceFactory(number="INV-THEIRS", customer=CustomerFactory(sales_rep=make_user()))
    fields = {f"invoiceresource_{name}": "on" for name in InvoiceResource().get_export_order()}

    # when
    response = client.post(EXPORT, {"format": CSV_FORMAT, "resource": "0", **fields})

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "INV-MINE" in body
    assert "INV-THEIRS" not in body
    assert ",1000.00," in body
