from decimal import Decimal

import pytest
from django.urls import reverse

from credit.models import OpenOrder, OpenOrderStatus
from crm import roles
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    return CreditProfileFactory(credit_limit=Decimal("10000.00"))


def test_integrator_reports_replaces_and_closes_open_orders(client_for, profile):
    client, _user = client_for(roles.INTEGRATOR)
    body = {"customer": profile.customer_id, "external_reference": "SO-9", "amount": "120.50",
            "currency": "USD"}  # fmt: skip

    created = client.post(reverse("open-order-list"), body, format="json")
    replaced = client.post(reverse("open-order-list"), {**body, "amount": "99.00"}, format="json")

    assert created.status_code == 201, created.content
    assert replaced.status_code == 200
    assert replaced.json()["amount"] == "99.00"
    order_id = created.json()["id"]

    closed = client.post(reverse("open-order-close", args=[order_id]), format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    again = client.post(reverse("open-order-close", args=[order_id]), format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_closed"


def test_replace_endpoint_sets_the_complete_list(client_for, profile):
    client, _user = client_for(roles.INTEGRATOR)
    OpenOrder.objects.create(
        customer=profile.customer, external_reference="OLD", amount=1, currency="USD"
    )
    response = client.post(
        reverse("open-order-replace"),
        {"customer": profile.customer_id,
         "orders": [{"external_reference": "NEW", "amount": "5.00", "currency": "USD"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert [row["external_reference"] for row in response.json()] == ["NEW"]
    assert OpenOrder.objects.get(external_reference="OLD").status == OpenOrderStatus.CLOSED


def test_a_float_amount_or_an_unseen_customer_is_refused(client_for, profile):
    client, _user = client_for(roles.INTEGRATOR)
    body = {"customer": profile.customer_id, "external_reference": "SO-1", "amount": 10.5,
            "currency": "USD"}  # fmt: skip
    assert client.post(reverse("open-order-list"), body, format="json").status_code == 400
    body.update(amount="10.50", customer=999_999)
    response = client.post(reverse("open-order-list"), body, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()["extra"]["fields"]
    assert OpenOrder.objects.count() == 0


def test_list_is_scoped_and_pinned(client_for, profile, django_assert_num_queries):
    client, rep = client_for(roles.SALES_REP)
    own = CustomerFactory(sales_rep=rep)
    for customer in (own, profile.customer):
        OpenOrder.objects.create(
            customer=customer, external_reference="A", amount=1, currency="USD"
        )
    # permissions and roles (one query), count, page
    with django_assert_num_queries(3):
        response = client.get(reverse("open-order-list"))
    assert [row["customer"] for row in response.json()["results"]] == [own.pk]
