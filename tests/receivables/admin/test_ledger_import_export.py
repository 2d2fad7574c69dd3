from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import tablib
from import_export.formats.base_formats import XLSX

from crm.imports import import_error_lines
from receivables.models import Invoice, InvoiceStatus, Payment
from receivables.resources import InvoiceResource, PaymentResource
from receivables.services import allocation_create
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

INVOICE_HEADER = "number,customer,issue_date,due_date,currency,total,cost_of_goods"
PAYMENT_HEADER = "external_id,customer,received_date,amount,method,reference"


def _csv(header: str, *lines: str) -> tablib.Dataset:
    return tablib.Dataset().load("\n".join([header, *lines]) + "\n", format="csv")


@pytest.fixture
def acme(db):
    return CustomerFactory(code="ACME", currency="EUR", payment_terms_days=30)


def test_importing_invoices_posts_them_with_open_amount_and_status(acme):
    # given
    dataset = _csv(
        INVOICE_HEADER,
        "INV-1,ACME,2026-09-01,2026-10-15,EUR,1000.00,600.00",
        "INV-2,ACME,2026-09-02,,,250.5,",
    )

    # when
    result = InvoiceResource().import_data(dataset, dry_run=False, raise_errors=False)

    # then
    assert import_error_lines(result) == []
    first, second = Invoice.objects.order_by("number")
    assert (first.total, first.open_amount, first.status) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        InvoiceStatus.OPEN,
    )
    assert first.cost_of_goods == Decimal("600.00")
    assert second.open_amount == Decimal("250.50")
    assert second.currency == "EUR"  # blank: the customer's
    assert second.due_date == datetime.date(2026, 10, 2)  # blank: the customer's terms
    assert second.cost_of_goods == Decimal("0.00")


def test_one_bad_row_writes_nothing_and_every_error_names_its_row_and_column(acme):
    # given
    InvoiceFactory(number="INV-OLD", customer=acme)
    dataset = _csv(
        INVOICE_HEADER,
        "INV-1,ACME,2026-09-01,,EUR,1000.00,",
        "INV-2,ACME,2026-09-01,,XYZ,100.00,",
        "INV-3,ACME,2026-09-01,2026-08-01,EUR,100.00,",
        "INV-OLD,ACME,2026-09-01,,EUR,100.00,",
        "INV-5,ACME,2026-09-01,,EUR,-5,",
        "INV-6,NOPE,2026-09-01,,EUR,100.00,",
        "INV-1,ACME,2026-09-01,,EUR,100.00,",
        "INV-8,ACME,2026-09-01,,EUR,12abc,",
    )

    # when
    result = InvoiceResource().import_data(dataset, dry_run=False, raise_errors=False)

    # then
    assert list(Invoice.objects.values_list("number", flat=True)) == ["INV-OLD"]
    assert import_error_lines(result) == [
        "Row 2, column currency: Unknown currency 'XYZ'; use an ISO-4217 code such as USD, EUR or CNY.",
        "Row 3, column due_date: The due date 2026-08-01 is before the issue date 2026-09-01.",
        f"Row 4, column number: Invoice number 'INV-OLD' is already used (invoice id {Invoice.objects.get().pk}).",
        "Row 5, column total: The amount must be greater than zero; got -5.00.",
        "Row 6, column customer: There is no customer with code 'NOPE'; check the code or import the customer first.",
        "Row 7, column number: Invoice number 'INV-1' is already used (invoice id "
        f"{result.rows[0].object_id}).",
        "Row 8, column total: '12abc' is not an amount; write digits and a point, e.g. 1000.00.",
    ]


def test_a_missing_number_column_is_a_file_error():
    # given
    dataset = _csv("customer,issue_date,total", "ACME,2026-09-01,100.00")

    # when
    result = InvoiceResource().import_data(dataset, dry_run=False)

    # then
    assert result.has_errors()
    assert "number" in import_error_lines(result)[0]
    assert not Invoice.objects.exists()


def test_import_reads_spreadsheet_cells_numbers_and_dates(acme):
    # given an .xlsx whose cells hold numbers and dates, not text
    sheet = tablib.Dataset(headers=["number", "customer", "issue_date", "total"])
    sheet.append(["INV-X1", "ACME", datetime.datetime(2026, 9, 1), 1234.5])  # noqa: DTZ001
    sheet.append(["INV-X2", "ACME", datetime.date(2026, 9, 2), 99])
    data = XLSX().export_data(sheet)

    # when
    result = InvoiceResource().import_data(XLSX().create_dataset(data), dry_run=False)

    # then
    assert import_error_lines(result) == []
    totals = dict(Invoice.objects.values_list("number", "total"))
    assert totals == {"INV-X1": Decimal("1234.50"), "INV-X2": Decimal("99.00")}
    assert Invoice.objects.get(number="INV-X1").issue_date == datetime.date(2026, 9, 1)


def test_invoice_export_has_decimal_strings_and_the_maintained_amounts(acme):
    # given
    invoice = InvoiceFactory(number="INV-E1", customer=acme, total=Decimal("1000.00"))
    payment = PaymentFactory(customer=acme, amount=Decimal("1000.00"))
    allocation_create(payment=payment, invoice=invoice, amount="250.00")

    # when
    csv = InvoiceResource().export(Invoice.objects.all()).csv

    # then
    header, row = csv.strip().splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["number"] == "INV-E1"
    assert values["customer"] == "ACME"
    assert (values["total"], values["amount_paid"], values["open_amount"]) == (
        "1000.00",
        "250.00",
        "750.00",
    )
    assert values["status"] == "partially_paid"
    assert values["issue_date"] == "2026-09-01"


def test_invoice_export_as_xlsx_keeps_the_amounts_numeric(acme):
    # given
    InvoiceFactory(number="INV-E2", customer=acme, total=Decimal("1000.10"))

    # when
    data = XLSX().export_data(InvoiceResource().export(Invoice.objects.all()))
    sheet = XLSX().create_dataset(data)

    # then
    row = dict(zip(sheet.headers, sheet[0], strict=True))
    assert Decimal(str(row["total"])) == Decimal("1000.10")


def test_importing_payments_records_them_unapplied(acme):
    # given
    dataset = _csv(
        PAYMENT_HEADER,
        "BANK-1,ACME,2026-10-01,1500.00,bank_transfer,Wire 1",
        "BANK-2,ACME,2026-10-02,20,,",
    )

    # when
    result = PaymentResource().import_data(dataset, dry_run=False, raise_errors=False)

    # then
    assert import_error_lines(result) == []
    first, second = Payment.objects.order_by("external_id")
    assert (first.amount, first.amount_allocated, first.currency) == (
        Decimal("1500.00"),
        Decimal("0.00"),
        "EUR",
    )
    assert second.method == "bank_transfer"  # blank: the service's default


def test_payment_rows_need_an_external_id_and_a_known_method_and_are_create_only(acme):
    # given
    PaymentFactory(customer=acme, external_id="BANK-OLD")
    dataset = _csv(
        PAYMENT_HEADER,
        "BANK-1,ACME,2026-10-01,100.00,bank_transfer,",
        ",ACME,2026-10-01,100.00,bank_transfer,",
        "BANK-3,ACME,2026-10-01,100.00,bitcoin,",
        "BANK-OLD,ACME,2026-10-01,100.00,card,",
    )

    # when
    result = PaymentResource().import_data(dataset, dry_run=False, raise_errors=False)

    # then
    assert list(Payment.objects.values_list("external_id", flat=True)) == ["BANK-OLD"]
    lines = import_error_lines(result)
    assert lines[0] == "Row 2, column external_id: The external_id column is required."
    assert lines[1].startswith("Row 3, column method: 'bitcoin' is not allowed; use one of: ")
    assert lines[2].startswith(
        "Row 4, column external_id: A payment with external id 'BANK-OLD' already exists"
    )
    assert len(lines) == 3


def test_payment_export_shows_allocated_and_unapplied_amounts(acme):
    # given
    payment = PaymentFactory(customer=acme, amount=Decimal("1000.00"), external_id="BANK-9")
    invoice = InvoiceFactory(customer=acme)
    allocation_create(payment=payment, invoice=invoice, amount="300.00")

    # when
    csv = PaymentResource().export(Payment.objects.all()).csv

    # then
    header, row = csv.strip().splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert (values["external_id"], values["customer"]) == ("BANK-9", "ACME")
    assert (values["amount"], values["amount_allocated"], values["unapplied_amount"]) == (
        "1000.00",
        "300.00",
        "700.00",
    )
