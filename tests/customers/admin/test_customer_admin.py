from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credit.models import CreditProfile
from crm import roles
from customers.models import Contact, Customer
from tests.customers.admin.conftest import inline_management_form
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LIST = reverse("admin:customers_customer_changelist")
ADD = reverse("admin:customers_customer_add")


def _change_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


def _new_customer_post(**overrides: str) -> dict[str, str]:
    data = {
        "code": "NEW001",
        "name": "Neue Werkzeug GmbH",
        "status": "active",
        "sales_rep": "",
        "industry": "manufacturing",
        "region": "europe",
        "country": "DE",
        "sales_channel": "direct",
        "language": "en",
        "tax_id": "DE123",
        "currency": "EUR",
        "payment_terms_days": "30",
        "customer_since": "2026-01-15",
        "external_id": "",
        **inline_management_form("contacts"),
    }
    data.update(overrides)
    return data


def test_list_shows_open_balance_and_overdue_amount_of_each_customer(superuser_client):
    # given
    today = timezone.localdate()
    customer = CustomerFactory(code="BAL001")
    InvoiceFactory(
        customer=customer,
        total=Decimal("1000.00"),
        issue_date=today - datetime.timedelta(days=60),
        due_date=today - datetime.timedelta(days=30),
    )
    InvoiceFactory(
        customer=customer,
        total=Decimal("500.00"),
        issue_date=today,
        due_date=today + datetime.timedelta(days=30),
    )
    CustomerFactory(code="BAL002")

    # when
    response = superuser_client.get(LIST)

    # then
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["cl"].result_list}
    assert rows["BAL001"].open_balance == Decimal("1500.00")
    assert rows["BAL001"].overdue_amount == Decimal("1000.00")
    assert rows["BAL002"].open_balance == Decimal("0.00")
    content = response.content.decode()
    assert "1,500.00 USD" in content
    assert "1,000.00 USD" in content


def test_list_costs_the_same_queries_for_many_customers_with_invoices(superuser_client):
    # given
    for _ in range(2):
        InvoiceFactory()
    with CaptureQueriesContext(connection) as few:
        superuser_client.get(LIST)
    for _ in range(8):
        InvoiceFactory(customer=CustomerFactory(sales_rep=None))

    # when
    with CaptureQueriesContext(connection) as many:
        response = superuser_client.get(LIST)

    # then
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 10
    assert len(many) == len(few)


def test_search_finds_customers_by_name_or_code(superuser_client):
    # given
    CustomerFactory(code="HAR001", name="Harbour Logistics GmbH")
    CustomerFactory(code="ALP001", name="Alpine Tools AG")

    # when
    by_name = superuser_client.get(LIST, {"q": "harbour"})
    by_code = superuser_client.get(LIST, {"q": "ALP0"})

    # then
    assert [c.code for c in by_name.context["cl"].result_list] == ["HAR001"]
    assert [c.code for c in by_code.context["cl"].result_list] == ["ALP001"]


def test_filters_narrow_the_list(superuser_client, make_user):
    # given
    rep = make_user(roles.SALES_REP)
    CustomerFactory(code="EU001", region="europe", tier="vip", sales_rep=rep)
    CustomerFactory(code="AP001", region="asia_pacific", tier="normal")

    # when
    by_region = superuser_client.get(LIST, {"region__exact": "asia_pacific"})
    by_tier = superuser_client.get(LIST, {"tier__exact": "vip"})
    by_rep = superuser_client.get(LIST, {"sales_rep": str(rep.pk)})
    unowned = superuser_client.get(LIST, {"sales_rep": "none"})

    # then
    assert [c.code for c in by_region.context["cl"].result_list] == ["AP001"]
    assert [c.code for c in by_tier.context["cl"].result_list] == ["EU001"]
    assert [c.code for c in by_rep.context["cl"].result_list] == ["EU001"]
    assert [c.code for c in unowned.context["cl"].result_list] == ["AP001"]


def test_sales_rep_sees_only_own_customers(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    other_rep = make_user(roles.SALES_REP)
    mine = CustomerFactory(code="MINE01", sales_rep=rep)
    theirs = CustomerFactory(code="THEIRS", sales_rep=other_rep)
    CustomerFactory(code="NOBODY", sales_rep=None)

    # when
    listed = client.get(LIST)
    own_page = client.get(_change_url(mine))
    other_page = client.get(_change_url(theirs))

    # then
    assert [c.code for c in listed.context["cl"].result_list] == ["MINE01"]
    assert own_page.status_code == 200
    assert other_page.status_code == 302  # "does not exist": the admin redirects to its index
    assert "THEIRS" not in client.get(other_page.url).content.decode()


def test_change_page_shows_balances_contacts_and_ledger_links(superuser_client):
    # given
    customer = CustomerFactory(currency="EUR")
    InvoiceFactory(customer=customer, total=Decimal("250.50"))
    ContactFactory(customer=customer, name="Greta Billing", email="greta@example.com")

    # when
    response = superuser_client.get(_change_url(customer))

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "250.50 EUR" in content
    assert "Greta Billing" in content
    assert f"/admin/receivables/invoice/?customer__id__exact={customer.pk}" in content


def test_adding_a_customer_goes_through_customer_create(
    staff_client, django_capture_on_commit_callbacks
):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, _new_customer_post())

    # then
    assert response.status_code == 302
    customer = Customer.objects.get(code="NEW001")
    assert customer.currency == "EUR"
    assert customer.external_id is None
    # customer_create announced the new customer: credit made its profile
    assert CreditProfile.objects.filter(customer=customer).exists()


def test_adding_a_customer_with_contacts_creates_them_through_contact_create(superuser_client):
    # given
    data = _new_customer_post(**inline_management_form("contacts", total=1))
    data.update(
        {
            "contacts-0-name": "Greta Billing",
            "contacts-0-email": "  Greta@Example.com ",
            "contacts-0-is_billing": "on",
        }
    )

    # when
    response = superuser_client.post(ADD, data)

    # then
    assert response.status_code == 302
    contact = Contact.objects.get(customer__code="NEW001")
    assert contact.email == "greta@example.com"  # contact_create normalises the address
    assert contact.is_billing is True


def test_a_duplicate_code_is_shown_on_the_form_and_nothing_is_written(superuser_client):
    # given
    CustomerFactory(code="NEW001", name="Already here")

    # when
    response = superuser_client.post(ADD, _new_customer_post())

    # then
    assert response.status_code == 200
    assert "A customer with code &#x27;NEW001&#x27; already exists." in response.content.decode()
    assert response.context["adminform"].form.errors["code"]
    assert list(Customer.objects.values_list("name", flat=True)) == ["Already here"]


def test_a_refused_contact_rolls_back_the_new_customer_too(superuser_client):
    # given a billing contact without an email address
    data = _new_customer_post(**inline_management_form("contacts", total=1))
    data.update({"contacts-0-name": "No Mail", "contacts-0-is_billing": "on"})

    # when
    response = superuser_client.post(ADD, data)

    # then
    assert response.status_code == 200
    assert "A billing contact needs an email address" in response.content.decode()
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()


def test_changing_a_customer_goes_through_customer_update(superuser_client):
    # given
    customer = CustomerFactory(code="CHG001", name="Old Name", currency="EUR")
    data = _new_customer_post(name="New Name", **inline_management_form("contacts"))
    data.pop("code")

    # when
    response = superuser_client.post(_change_url(customer), data)

    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "New Name"
    assert customer.code == "CHG001"


def test_a_service_error_on_change_is_shown_on_its_field(superuser_client):
    # given
    customer = CustomerFactory(code="CHG002", payment_terms_days=30)
    data = _new_customer_post(payment_terms_days="400")
    data.pop("code")

    # when
    response = superuser_client.post(_change_url(customer), data)

    # then
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["payment_terms_days"] == ["Payment terms must be 0 to 365 days."]
    customer.refresh_from_db()
    assert customer.payment_terms_days == 30


def test_customers_cannot_be_deleted_in_the_admin(superuser_client):
    # given
    customer = CustomerFactory()

    # when
    response = superuser_client.post(
        reverse("admin:customers_customer_delete", args=[customer.pk]), {"post": "yes"}
    )

    # then
    assert response.status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_sales_rep_cannot_add_customers(staff_client):
    # given
    client, _rep = staff_client(roles.SALES_REP)

    # when
    response = client.post(ADD, _new_customer_post())

    # then
    assert response.status_code == 403
    assert not Customer.objects.exists()
