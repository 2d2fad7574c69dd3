import pytest

from credit.models import CreditProfile
from crm import roles
from crm.exceptions import Conflict, ValidationFailed
from customers.models import Customer, Tier
from customers.services import (
    contact_create,
    contact_update,
    customer_create,
    customer_tier_set,
    customer_update,
)
from tests.factories.accounts import UserFactory
from tests.factories.customers import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

VALID = {
    "code": "ACME",
    "name": "Acme Corp",
    "industry": "manufacturing",
    "region": "europe",
    "sales_channel": "direct",
    "currency": "EUR",
}


def test_customer_create_saves_and_gets_a_credit_profile(django_capture_on_commit_callbacks):
    # given
    rep = UserFactory(roles=[roles.SALES_REP])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(**VALID, sales_rep=rep)
    # then
    assert Customer.objects.get(code="ACME").sales_rep == rep
    profile = CreditProfile.objects.get(customer=customer)  # via the event, run eagerly in tests
    assert profile.currency == "EUR"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "EURO"}, "currency"),
        ({"payment_terms_days": 400}, "payment_terms_days"),
        ({"industry": "farming"}, "industry"),
        ({"region": "mars"}, "region"),
        ({"name": ""}, "name"),
    ],
)
def test_customer_create_rejects_bad_fields_and_writes_nothing(changes, field):
    with pytest.raises(ValidationFailed) as error:
        customer_create(**{**VALID, **changes})
    assert field in error.value.extra["fields"]
    assert Customer.objects.count() == 0


def test_customer_create_refuses_a_sales_rep_outside_the_role():
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])
    with pytest.raises(ValidationFailed) as error:
        customer_create(**VALID, sales_rep=clerk)
    assert error.value.code == "not_a_sales_rep"
    assert Customer.objects.count() == 0


def test_customer_create_refuses_a_duplicate_code():
    CustomerFactory(code="ACME")
    with pytest.raises(Conflict) as error:
        customer_create(**VALID)
    assert error.value.code == "duplicate_customer_code"
    assert Customer.objects.count() == 1


def test_customer_update_changes_only_editable_fields():
    customer = CustomerFactory(name="Old")
    updated = customer_update(customer=customer, data={"name": "New"})
    assert updated.name == "New"
    with pytest.raises(ValidationFailed):
        customer_update(customer=customer, data={"tier": "vip"})
    customer.refresh_from_db()
    assert customer.tier == Tier.NORMAL


def test_customer_tier_set_reports_whether_it_changed():
    customer = CustomerFactory()
    assert customer_tier_set(customer_id=customer.pk, tier=Tier.VIP) is True
    assert customer_tier_set(customer_id=customer.pk, tier=Tier.VIP) is False
    customer.refresh_from_db()
    assert customer.tier == Tier.VIP
    assert customer.tier_changed_at is not None


def test_contact_create_requires_an_email_for_a_billing_contact():
    customer = CustomerFactory()
    with pytest.raises(ValidationFailed) as error:
        contact_create(customer=customer, name="Ann", is_billing=True)
    assert error.value.code == "billing_contact_without_email"
    assert customer.contacts.count() == 0


def test_contact_emails_are_unique_per_customer_ignoring_case():
    contact = ContactFactory(email="ap@acme.example")
    with pytest.raises(Conflict):
        contact_create(customer=contact.customer, name="Bob", email="AP@acme.example")
    other = contact_create(customer=contact.customer, name="Bob", email="bob@acme.example")
    with pytest.raises(Conflict):
        contact_update(contact=other, data={"email": "ap@acme.example"})
    other.refresh_from_db()
    assert other.email == "bob@acme.example"


def test_a_duplicate_external_id_names_the_existing_customer():
    existing = CustomerFactory(external_id="ERP-7")
    with pytest.raises(Conflict) as error:
        customer_create(**{**VALID, "external_id": "ERP-7"})
    assert error.value.code == "duplicate_external_id"
    assert error.value.extra["existing_id"] == existing.pk
