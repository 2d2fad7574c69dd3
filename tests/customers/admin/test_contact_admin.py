from __future__ import annotations

import pytest
from django.urls import reverse

from crm import roles
from customers.models import Contact
from tests.factories.customers import ContactFactory, CustomerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LIST = reverse("admin:customers_contact_changelist")
ADD = reverse("admin:customers_contact_add")


def _contact_post(customer_id: int, **overrides: str) -> dict[str, str]:
    return {
        "customer": str(customer_id),
        "name": "Greta Billing",
        "job_title": "AP clerk",
        "email": "greta@example.com",
        "phone": "",
        "is_billing": "on",
        **overrides,
    }


def test_adding_a_contact_goes_through_contact_create(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()

    # when
    response = client.post(ADD, _contact_post(customer.pk, email=" Greta@Example.COM "))

    # then
    assert response.status_code == 302
    contact = Contact.objects.get(customer=customer)
    assert contact.email == "greta@example.com"
    assert contact.is_email_valid is True


def test_a_duplicate_email_is_shown_on_the_email_field_and_nothing_is_written(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory(code="DUP001")
    ContactFactory(customer=customer, email="greta@example.com")

    # when
    response = client.post(ADD, _contact_post(customer.pk))

    # then
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["email"] == [
        "Customer DUP001 already has a contact with email greta@example.com."
    ]
    assert Contact.objects.filter(customer=customer).count() == 1


def test_changing_a_contact_goes_through_contact_update(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    contact = ContactFactory(name="Old", email="old@example.com", is_billing=True)

    # when
    response = client.post(
        reverse("admin:customers_contact_change", args=[contact.pk]),
        {
            "name": "New",
            "job_title": "",
            "email": "",
            "phone": "",
            "is_billing": "on",
            "is_email_valid": "on",
        },
    )

    # then the service refuses a billing contact without email
    assert response.status_code == 200
    assert "A billing contact needs an email address" in response.content.decode()
    contact.refresh_from_db()
    assert (contact.name, contact.email) == ("Old", "old@example.com")


def test_sales_rep_sees_and_picks_only_own_customers(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    mine = CustomerFactory(sales_rep=rep)
    theirs = CustomerFactory(sales_rep=make_user(roles.SALES_REP))
    ContactFactory(customer=mine, name="Mine")
    ContactFactory(customer=theirs, name="Theirs")

    # when
    listed = client.get(LIST)
    added_to_theirs = client.post(ADD, _contact_post(theirs.pk, email="sneaky@example.com"))

    # then
    assert [contact.name for contact in listed.context["cl"].result_list] == ["Mine"]
    assert added_to_theirs.status_code == 200
    assert "customer" in added_to_theirs.context["adminform"].form.errors
    assert not Contact.objects.filter(email="sneaky@example.com").exists()


def test_search_finds_contacts_by_email_and_customer_code(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    ContactFactory(customer=CustomerFactory(code="SRC001"), name="A", email="a@harbour.example")
    ContactFactory(customer=CustomerFactory(code="SRC002"), name="B", email="b@alpine.example")

    # when
    by_email = client.get(LIST, {"q": "harbour"})
    by_code = client.get(LIST, {"q": "SRC002"})

    # then
    assert [c.name for c in by_email.context["cl"].result_list] == ["A"]
    assert [c.name for c in by_code.context["cl"].result_list] == ["B"]


def test_contacts_cannot_be_deleted_in_the_admin(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    contact = ContactFactory()

    # when
    response = client.post(
        reverse("admin:customers_contact_delete", args=[contact.pk]), {"post": "yes"}
    )

    # then
    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()
