import pytest
from django.urls import reverse

from crm import roles
from customers.models import Contact
from tests.crm.api.support import assert_error
from tests.factories.accounts import UserFactory
from tests.factories.customers import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("contact-list")


def _detail(contact: Contact) -> str:
    return reverse("contact-detail", args=[contact.pk])


def test_unauthenticated_is_refused(api_client):
    # given a contact
    contact = ContactFactory()

    # when nobody logged in uses the endpoints
    responses = [
        api_client.get(LIST),
        api_client.get(_detail(contact)),
        api_client.post(LIST, {"customer": contact.customer_id, "name": "X"}, format="json"),
        api_client.patch(_detail(contact), {"name": "X"}, format="json"),
        api_client.delete(_detail(contact)),
    ]

    # then all are refused and nothing changed
    for response in responses:
        assert_error(response, 401, "not_authenticated")
    assert Contact.objects.count() == 1


def test_a_wrong_role_cannot_write(client_for):
    # given a credit manager (reads contacts only) and a contact
    client, _ = client_for(roles.CREDIT_MANAGER)
    contact = ContactFactory(name="Old")

    # when they create, change and delete
    responses = [
        client.post(LIST, {"customer": contact.customer_id, "name": "X"}, format="json"),
        client.patch(_detail(contact), {"name": "New"}, format="json"),
        client.delete(_detail(contact)),
    ]

    # then every write is refused and nothing changed
    for response in responses:
        assert_error(response, 403, "permission_denied")
    contact.refresh_from_db()
    assert contact.name == "Old"
    assert Contact.objects.count() == 1


def test_only_finance_admin_deletes(client_for):
    # given a clerk, a finance admin and a contact
    clerk, _ = client_for(roles.COLLECTIONS_CLERK)
    admin, _ = client_for(roles.FINANCE_ADMIN)
    contact = ContactFactory()

    # when the clerk, then the admin delete it
    refused = clerk.delete(_detail(contact))
    deleted = admin.delete(_detail(contact))

    # then only the admin's delete happened
    assert_error(refused, 403, "permission_denied")
    assert deleted.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_create_adds_a_billing_contact(client_for):
    # given a rep's own customer
    client, rep = client_for(roles.SALES_REP)
    customer = CustomerFactory(sales_rep=rep)

    # when the rep adds a billing contact
    response = client.post(
        LIST,
        {"customer": customer.pk, "name": "Ann", "email": "Ann@Example.com", "is_billing": True},
        format="json",
    )

    # then it is stored, email normalised
    assert response.status_code == 201, response.content
    contact = Contact.objects.get()
    assert (contact.customer, contact.email, contact.is_billing) == (
        customer,
        "ann@example.com",
        True,
    )
    assert response.json()["id"] == contact.pk


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"name": "A", "is_billing": True}, 400, "billing_contact_without_email", "email"),
        ({"name": "A", "email": "not-an-email"}, 400, "invalid", "email"),
        ({"name": "A" * 201}, 400, "invalid", "name"),
        ({"name": "A", "phone": "1" * 41}, 400, "invalid", "phone"),
        ({"name": "A", "email": "taken@example.com"}, 409, "duplicate_contact_email", "email"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(client_for, body, status, code, field):
    # given a customer with one contact
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="taken@example.com")

    # when an invalid contact is sent
    response = client.post(LIST, {"customer": customer.pk, **body}, format="json")

    # then it is refused with a field message and nothing is written
    assert_error(response, status, code, field=field)
    assert Contact.objects.count() == 1


@pytest.mark.parametrize("customer_id", ["abc", 10**30, None, 1.5])
def test_create_refuses_a_malformed_customer_id(client_for, customer_id):
    # given a clerk
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    CustomerFactory()

    # when the customer id is malformed or unknown
    response = client.post(LIST, {"customer": customer_id, "name": "A"}, format="json")

    # then it is a field error and nothing is written
    assert_error(response, 400, "invalid", field="customer")
    assert Contact.objects.count() == 0


def test_sales_rep_sees_only_contacts_of_own_customers(client_for):
    # given a rep's contact and another rep's contact
    client, rep = client_for(roles.SALES_REP)
    own = ContactFactory(customer=CustomerFactory(sales_rep=rep))
    other = ContactFactory(customer=CustomerFactory(sales_rep=UserFactory(roles=[roles.SALES_REP])))

    # when the rep lists, reads, changes and uses the other's customer
    listed = client.get(LIST)
    read_other = client.get(_detail(other))
    change_other = client.patch(_detail(other), {"name": "Mine now"}, format="json")
    create_on_other = client.post(
        LIST, {"customer": other.customer_id, "name": "Sneaky"}, format="json"
    )

    # then only the own contact is visible; the rest is 404 or a field error, and nothing changed
    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert_error(read_other, 404, "not_found")
    assert_error(change_other, 404, "not_found")
    body = assert_error(create_on_other, 400, "invalid", field="customer")
    assert f"no customer with id {other.customer_id} that you can see" in body["message"]
    other.refresh_from_db()
    assert other.name != "Mine now"
    assert Contact.objects.count() == 2


def test_partial_update_changes_the_fields_sent(client_for):
    # given a contact
    client, _ = client_for(roles.INTEGRATOR)
    contact = ContactFactory(phone="1", is_email_valid=False)

    # when phone and email validity change
    response = client.patch(
        _detail(contact), {"phone": "+49 30 999", "is_email_valid": True}, format="json"
    )

    # then they changed
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.phone, contact.is_email_valid) == ("+49 30 999", True)


def test_partial_update_refuses_removing_the_email_of_a_billing_contact(client_for):
    # given a billing contact
    client, _ = client_for(roles.INTEGRATOR)
    contact = ContactFactory(email="pay@example.com", is_billing=True)

    # when its email is cleared
    response = client.patch(_detail(contact), {"email": ""}, format="json")

    # then it is refused and unchanged
    assert_error(response, 400, "billing_contact_without_email", field="email")
    contact.refresh_from_db()
    assert contact.email == "pay@example.com"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("is_billing=true", ["Billing"]),
        ("is_billing=false", ["Other"]),
        ("ordering=-name", ["Other", "Billing", "Elsewhere"]),
    ],
)
def test_list_filters_and_orders(client_for, query, expected):
    # given two contacts of one customer and one of another
    client, _ = client_for(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()
    ContactFactory(customer=customer, name="Billing", is_billing=True)
    ContactFactory(customer=customer, name="Other", is_billing=False)
    ContactFactory(name="Elsewhere", is_billing=True)

    # when the customer's contacts are filtered
    response = client.get(f"{LIST}?customer={customer.pk}&{query}")

    # then the matching ones come back in order
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == [name for name in expected if name != "Elsewhere"]


@pytest.mark.parametrize("rows", [5, 20])
def test_list_query_count_does_not_grow_with_rows(client_for, django_assert_num_queries, rows):
    # given contacts
    ContactFactory.create_batch(rows)
    client, _ = client_for(roles.COLLECTIONS_CLERK)

    # when the list is read: permissions and roles (1), count (1), page (1)
    with django_assert_num_queries(3):
        response = client.get(LIST)

    # then every row came back
    assert response.json()["count"] == rows
