from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import roles
from crm.admin import EstimatedCountPaginator
from receivables.models import Invoice, InvoiceStatus
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import AllocationFactory, InvoiceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LIST = reverse("admin:receivables_invoice_changelist")
ADD = reverse("admin:receivables_invoice_add")


def _invoice_post(customer_id: int, **overrides: str) -> dict[str, str]:
    return {
        "customer": str(customer_id),
        "number": "INV-ADM-1",
        "external_id": "",
        "issue_date": "2026-09-01",
        "due_date": "",
        "currency": "",
        "total": "1000.00",
        "cost_of_goods": "600.00",
        "description": "",
        **overrides,
    }


def _codes(response) -> list[str]:
    return [invoice.number for invoice in response.context["cl"].result_list]


def test_adding_an_invoice_posts_it_with_its_open_amount(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    customer = CustomerFactory(currency="EUR", payment_terms_days=14)

    # when
    response = client.post(ADD, _invoice_post(customer.pk))

    # then
    assert response.status_code == 302
    invoice = Invoice.objects.get(number="INV-ADM-1")
    assert invoice.total == Decimal("1000.00")
    assert invoice.open_amount == Decimal("1000.00")
    assert invoice.amount_paid == Decimal("0.00")
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.currency == "EUR"  # blank: the customer's currency
    assert invoice.due_date == datetime.date(2026, 9, 15)  # blank: the customer's terms


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"total": "-5"}, "total", "The amount must be greater than zero; got -5.00."),
        (
            {"due_date": "2026-08-01"},
            "due_date",
            "The due date 2026-08-01 is before the issue date 2026-09-01.",
        ),
        ({"number": "INV-TAKEN"}, "number", "Invoice number 'INV-TAKEN' is already used"),
    ],
)
def test_a_refused_invoice_shows_the_service_error_on_its_field(
    staff_client, overrides, field, message
):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    customer = CustomerFactory()
    InvoiceFactory(number="INV-TAKEN")

    # when
    response = client.post(ADD, _invoice_post(customer.pk, **overrides))

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors[field]
    assert errors[0].startswith(message)
    assert list(Invoice.objects.values_list("number", flat=True)) == ["INV-TAKEN"]


def test_an_invoice_for_an_inactive_customer_is_refused(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    customer = CustomerFactory(code="OLD001", status="inactive")

    # when
    response = client.post(ADD, _invoice_post(customer.pk))

    # then
    assert response.status_code == 200
    assert "Customer OLD001 is inactive" in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_posted_invoice_is_read_only_and_cannot_be_deleted(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(total=Decimal("1000.00"))
    change_url = reverse("admin:receivables_invoice_change", args=[invoice.pk])

    # when
    page = client.get(change_url)
    edited = client.post(change_url, _invoice_post(invoice.customer_id, total="1.00"))
    deleted = client.post(
        reverse("admin:receivables_invoice_delete", args=[invoice.pk]), {"post": "yes"}
    )
    listed = client.get(LIST)

    # then
    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="total"' not in content
    assert '<div class="readonly">1000.00</div>' in content
    assert edited.status_code == 403
    assert deleted.status_code == 403
    assert "delete_selected" not in listed.content.decode()
    invoice.refresh_from_db()
    assert invoice.total == Decimal("1000.00")


def test_invoice_page_lists_active_and_unapplied_allocations(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()
    AllocationFactory(invoice=invoice, payment__customer=invoice.customer, amount=Decimal("100.00"))
    AllocationFactory(
        invoice=invoice,
        payment__customer=invoice.customer,
        amount=Decimal("40.00"),
        unapplied_at=timezone.now(),
    )

    # when
    response = client.get(reverse("admin:receivables_invoice_change", args=[invoice.pk]))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "100.00 of payment" in content
    assert "40.00 of payment" in content
    assert 'alt="True"' in content  # the "active" column
    assert 'alt="False"' in content


def test_search_matches_exact_number_external_id_or_customer_code(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    InvoiceFactory(number="INV-A-1", external_id="ERP-77")
    InvoiceFactory(number="INV-B-1", customer=CustomerFactory(code="SRCH01"))

    # when / then
    assert _codes(client.get(LIST, {"q": "INV-A-1"})) == ["INV-A-1"]
    assert _codes(client.get(LIST, {"q": "ERP-77"})) == ["INV-A-1"]
    assert _codes(client.get(LIST, {"q": "srch01"})) == ["INV-B-1"]
    assert _codes(client.get(LIST, {"q": "INV-"})) == []  # exact keys only (indexed)


def test_filters_by_status_and_overdue(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    today = timezone.localdate()
    InvoiceFactory(
        number="LATE",
        issue_date=today - datetime.timedelta(days=40),
        due_date=today - datetime.timedelta(days=10),
    )
    InvoiceFactory(number="NOT-DUE", issue_date=today, due_date=today + datetime.timedelta(days=30))
    InvoiceFactory(number="VOID", status=InvoiceStatus.VOID, open_amount=Decimal("0"))

    # when / then
    assert _codes(client.get(LIST, {"due": "overdue"})) == ["LATE"]
    assert _codes(client.get(LIST, {"due": "not_due"})) == ["NOT-DUE"]
    assert _codes(client.get(LIST, {"status__exact": "void"})) == ["VOID"]


def test_customer_link_filters_the_list(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory(number="MINE")
    InvoiceFactory(number="OTHER")

    # when
    response = client.get(LIST, {"customer__id__exact": str(invoice.customer_id)})

    # then
    assert _codes(response) == ["MINE"]


def test_sales_rep_sees_only_invoices_of_own_customers(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    mine = InvoiceFactory(number="MINE", customer=CustomerFactory(sales_rep=rep))
    theirs = InvoiceFactory(
        number="THEIRS", customer=CustomerFactory(sales_rep=make_user(roles.SALES_REP))
    )

    # when
    listed = client.get(LIST)
    own = client.get(reverse("admin:receivables_invoice_change", args=[mine.pk]))
    other = client.get(reverse("admin:receivables_invoice_change", args=[theirs.pk]))
    add = client.get(ADD)

    # then
    assert _codes(listed) == ["MINE"]
    assert own.status_code == 200
    assert other.status_code == 302
    assert add.status_code == 403


def test_list_costs_the_same_queries_for_more_invoices(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    InvoiceFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    InvoiceFactory.create_batch(8)

    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)

    # then
    assert len(response.context["cl"].result_list) == 10
    assert len(many) == len(few)


@pytest.mark.postgres
def test_unfiltered_list_is_counted_from_statistics_not_count_star(staff_client, monkeypatch):
    # given a table the paginator treats as big, with fresh statistics
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
    client, _user = staff_client(roles.FINANCE_ADMIN)
    InvoiceFactory.create_batch(3, status=InvoiceStatus.OPEN)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE receivables_invoice")

    # when
    with CaptureQueriesContext(connection) as queries:
        unfiltered = client.get(LIST)
    filtered = client.get(LIST, {"status__exact": "open"})

    # then
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "receivables_invoice" in q["sql"]
    ]
    assert counts == []
    assert unfiltered.context["cl"].result_count == 3  # the planner's estimate
    assert filtered.context["cl"].result_count == 3  # a filtered list is counted exactly
