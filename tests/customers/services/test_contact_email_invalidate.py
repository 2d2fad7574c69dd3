"""A bounced address is marked invalid on the customer's contacts, and announced."""

import pytest

from crm.exceptions import ValidationFailed
from customers import events
from customers.models import Contact
from customers.services import contact_email_invalidate, contact_update
from tests.factories.customers import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    calls = []

    def _heard(sender, **kwargs):
        calls.append(kwargs)

    events.contact_changed.connect(_heard, dispatch_uid="test_contact_changed")
    yield calls
    events.contact_changed.disconnect(dispatch_uid="test_contact_changed")


def test_only_the_customers_contacts_with_that_address_are_invalidated(announced):
    # given: the same address at another customer stays valid
    customer = CustomerFactory()
    bad = ContactFactory(customer=customer, email="ap@acme.example.com")
    good = ContactFactory(customer=customer, email="cfo@acme.example.com")
    elsewhere = ContactFactory(email="ap@acme.example.com")

    # when
    changed = contact_email_invalidate(customer_id=customer.pk, email=" AP@acme.example.com ")

    # then
    assert [contact.pk for contact in changed] == [bad.pk]
    assert Contact.objects.get(pk=bad.pk).is_email_valid is False
    assert Contact.objects.get(pk=good.pk).is_email_valid is True
    assert Contact.objects.get(pk=elsewhere.pk).is_email_valid is True
    assert announced == [
        {
            "signal": events.contact_changed,
            "contact_id": bad.pk,
            "customer_id": customer.pk,
            "changed_fields": ["is_email_valid"],
        }
    ]


def test_invalidating_twice_changes_and_announces_nothing_the_second_time(announced):
    # given
    contact = ContactFactory(email="ap@acme.example.com")
    contact_email_invalidate(customer_id=contact.customer_id, email=contact.email)
    announced.clear()

    # when
    changed = contact_email_invalidate(customer_id=contact.customer_id, email=contact.email)

    # then
    assert changed == []
    assert announced == []


def test_an_empty_address_is_refused_and_nothing_changes(announced):
    # given
    contact = ContactFactory()

    # when
    with pytest.raises(ValidationFailed) as refused:
        contact_email_invalidate(customer_id=contact.customer_id, email="  ")

    # then
    assert refused.value.code == "bounce_without_email"
    assert Contact.objects.get(pk=contact.pk).is_email_valid is True
    assert announced == []


def test_a_new_address_on_an_invalid_contact_is_presumed_valid_again(announced):
    # given
    contact = ContactFactory(email="old@acme.example.com", is_email_valid=False)

    # when
    updated = contact_update(contact=contact, data={"email": "new@acme.example.com"})

    # then
    assert updated.is_email_valid is True
    assert sorted(announced[0]["changed_fields"]) == ["email", "is_email_valid"]
