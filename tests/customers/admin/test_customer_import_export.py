from __future__ import annotations

import pytest
import tablib
from django.urls import reverse

from credit.models import CreditProfile
from crm import roles
from crm.imports import import_error_lines
from customers.models import Customer
from customers.resources import CustomerResource
from tests.factories.customers import CustomerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

HEADER = "code,name,industry,region,sales_channel,currency,payment_terms_days,customer_since"


def _dataset(*lines: str, header: str = HEADER) -> tablib.Dataset:
    return tablib.Dataset().load("\n".join([header, *lines]) + "\n", format="csv")


def test_importing_new_customers_creates_them_through_customer_create(
    django_capture_on_commit_callbacks,
):
    # given
    dataset = _dataset(
        "IMP001,Harbour Logistics GmbH,logistics,europe,direct,EUR,45,2025-03-01",
        "IMP002,Alpine Tools AG,manufacturing,europe,partner,CHF,,",
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = CustomerResource().import_data(dataset, dry_run=False)

    # then
    assert import_error_lines(result) == []
    harbour = Customer.objects.get(code="IMP001")
    alpine = Customer.objects.get(code="IMP002")
    assert (harbour.currency, harbour.payment_terms_days, str(harbour.customer_since)) == (
        "EUR",
        45,
        "2025-03-01",
    )
    assert alpine.payment_terms_days == 30  # blank: the service's default
    assert CreditProfile.objects.filter(customer__code__in=["IMP001", "IMP002"]).count() == 2


def test_a_known_code_updates_only_the_columns_in_the_file():
    # given
    customer = CustomerFactory(code="UPD001", name="Old Name", region="europe", currency="USD")
    dataset = _dataset("UPD001,New Name", header="code,name")

    # when
    result = CustomerResource().import_data(dataset, dry_run=False)

    # then
    assert import_error_lines(result) == []
    customer.refresh_from_db()
    assert (customer.name, customer.region, customer.currency) == ("New Name", "europe", "USD")


def test_one_bad_row_writes_nothing_and_names_the_row_and_column():
    # given
    dataset = _dataset(
        "IMP001,Good One,logistics,europe,direct,EUR,30,2025-03-01",
        "IMP002,Bad Industry,mining,europe,direct,EUR,30,2025-03-01",
        "IMP003,Bad Currency,retail,europe,direct,XYZ,30,2025-03-01",
        "IMP004,Bad Date,retail,europe,direct,EUR,30,03/01/2025",
    )

    # when
    result = CustomerResource().import_data(dataset, dry_run=False)

    # then
    assert not Customer.objects.exists()
    lines = import_error_lines(result)
    assert "Row 2, column industry: 'mining' is not allowed; use one of: " in lines[0]
    assert lines[1:] == [
        "Row 3, column currency: Unknown currency 'XYZ'; use an ISO-4217 code such as USD or EUR.",
        "Row 4, column customer_since: '03/01/2025' is not a date; write YYYY-MM-DD, e.g. 2026-09-01.",
    ]


def test_missing_required_columns_are_reported_per_row():
    # given
    dataset = _dataset("IMP001,,logistics,europe,direct,EUR,30,2025-03-01")

    # when
    result = CustomerResource().import_data(dataset, dry_run=False)

    # then
    assert import_error_lines(result) == ["Row 1, column name: The name column is required."]
    assert not Customer.objects.exists()


def test_an_unknown_sales_rep_is_a_row_error(make_user):
    # given
    make_user(roles.SALES_REP, username="sam")
    dataset = _dataset(
        "IMP001,Good,logistics,europe,direct,EUR,sam",
        "IMP002,Bad,logistics,europe,direct,EUR,nobody",
        header="code,name,industry,region,sales_channel,currency,sales_rep",
    )

    # when
    result = CustomerResource().import_data(dataset, dry_run=False)

    # then
    assert import_error_lines(result) == [
        "Row 2, column sales_rep: There is no user 'nobody'; give the username of a user in "
        "the sales_rep role, or leave it blank."
    ]
    assert not Customer.objects.exists()


def test_a_dry_run_checks_every_row_and_writes_nothing():
    # given
    dataset = _dataset("IMP001,Good One,logistics,europe,direct,EUR,30,2025-03-01")

    # when
    result = CustomerResource().import_data(dataset, dry_run=True)

    # then
    assert import_error_lines(result) == []
    assert result.totals["new"] == 1
    assert not Customer.objects.exists()


def test_export_lists_customers_with_their_codes_and_sales_rep(make_user):
    # given
    rep = make_user(roles.SALES_REP, username="sam")
    CustomerFactory(code="EXP001", name="Harbour", currency="EUR", sales_rep=rep, tier="vip")

    # when
    csv = CustomerResource().export(Customer.objects.all()).csv

    # then
    header, row = csv.strip().splitlines()
    assert header.split(",")[:3] == ["code", "name", "external_id"]
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["code"] == "EXP001"
    assert values["sales_rep"] == "sam"
    assert values["tier"] == "vip"
    assert values["customer_since"] == "2024-01-01"


def test_admin_export_downloads_the_listed_customers(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    CustomerFactory(code="MINE01", sales_rep=rep)
    CustomerFactory(code="THEIRS", sales_rep=make_user(roles.SALES_REP))
    fields = {f"customerresource_{name}": "on" for name in CustomerResource().get_export_order()}

    # when
    response = client.post(
        reverse("admin:customers_customer_export"), {"format": "0", "resource": "0", **fields}
    )

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "MINE01" in body
    assert "THEIRS" not in body


def test_only_users_who_may_add_and_change_customers_may_import(staff_client):
    # given
    rep_client, _rep = staff_client(roles.SALES_REP)
    admin_client, _admin = staff_client(roles.FINANCE_ADMIN)
    url = reverse("admin:customers_customer_import")

    # when / then
    assert rep_client.get(url).status_code == 403
    assert admin_client.get(url).status_code == 200


def test_a_code_twice_in_one_file_is_an_error_and_writes_nothing():
    # given the same code on rows 1 and 2 (the second would silently change the first)
    dataset = _dataset(
        "DUP001,First,logistics,europe,direct,EUR,30,2025-03-01",
        "DUP001,Second,logistics,europe,direct,JPY,30,2025-03-01",
    )
    # when
    result = CustomerResource().import_data(dataset, dry_run=False)
    # then
    assert not Customer.objects.exists()
    assert import_error_lines(result) == [
        "Row 2, column code: Customer code 'DUP001' is also on row 1 of this file; give each "
        "customer one row per file."
    ]


def test_an_export_escapes_text_a_spreadsheet_would_run(staff_client, make_user):
    # given a customer whose name an integrator set to a formula, and a negative number
    client, _ = staff_client(roles.FINANCE_ADMIN)
    CustomerFactory(code="INJ001", name='=HYPERLINK("http://evil.example","x")', tax_id="-12.50")
    fields = {f"customerresource_{name}": "on" for name in CustomerResource().get_export_order()}
    # when
    response = client.post(
        reverse("admin:customers_customer_export"), {"format": "0", "resource": "0", **fields}
    )
    # then the formula is text, and the number stays a number
    body = response.content.decode()
    assert "'=HYPERLINK(" in body
    assert ",=HYPERLINK(" not in body
    assert ",-12.50," in body
