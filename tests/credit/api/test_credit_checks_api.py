from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from credit.models import CreditCheck
from crm import roles
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

URL = reverse("credit-check-list")


@pytest.fixture
def profile():
    profile = CreditProfileFactory(credit_limit=Decimal("5000.00"))
    InvoiceFactory(
        customer=profile.customer, total=Decimal("1000.00"), issue_date=timezone.localdate()
    )
    return profile


def _body(profile, **overrides):
    body = {"customer": profile.customer_id, "order_amount": "500.00", "currency": "USD",
            "order_reference": "SO-1"}  # fmt: skip
    body.update(overrides)
    return body


def test_credit_check_answers_with_the_figures_then_the_stored_answer(client_for, profile):
    # given an integrator
    client, _user = client_for(roles.INTEGRATOR)

    # when it checks an order, twice
    first = client.post(URL, _body(profile), format="json")
    second = client.post(URL, _body(profile), format="json")

    # then 201 with the answer, then 200 with the same answer, logged once
    assert first.status_code == 201, first.content
    assert second.status_code == 200
    assert first.json() == second.json()
    data = first.json()
    assert {key: data[key] for key in ("result", "available_credit", "exposure", "limit", "reasons")} == {
        "result": "pass", "available_credit": "4000.00", "exposure": "1000.00",
        "limit": "5000.00", "reasons": [],
    }  # fmt: skip
    assert CreditCheck.objects.count() == 1


def test_a_failing_check_lists_machine_readable_reasons(client_for, profile):
    client, _user = client_for(roles.SALES_REP)
    profile.customer.sales_rep = _user
    profile.customer.save()
    response = client.post(URL, _body(profile, order_amount="4500.00"), format="json")
    assert response.status_code == 201
    assert response.json()["result"] == "fail"
    assert [reason["code"] for reason in response.json()["reasons"]] == ["over_limit"]


def test_the_check_runs_in_a_pinned_number_of_queries(
    client_for, profile, django_assert_num_queries
):
    # given an authenticated integrator (force-authenticated: no token lookup)
    client, _user = client_for(roles.INTEGRATOR)
    client.post(URL, _body(profile, order_reference="WARM-UP"), format="json")

    # then a new check costs the one position query and one INSERT … ON CONFLICT DO
    # NOTHING (the test client reuses the force-authenticated user object, whose
    # permissions and roles were loaded by the warm-up; a token request adds the one
    # query that reads token, user and roles together: tests/crm/api/test_token.py)
    with django_assert_num_queries(2):
        response = client.post(URL, _body(profile, order_reference="SO-2"), format="json")
    assert response.status_code == 201
    # and a repeated one also reads the stored answer, which the insert left alone
    with django_assert_num_queries(3):
        response = client.post(URL, _body(profile, order_reference="SO-2"), format="json")
    assert response.status_code == 200


def test_unknown_customer_is_404_with_a_message(client_for):
    client, _user = client_for(roles.INTEGRATOR)
    response = client.post(
        URL, {"customer": 987654, "order_amount": "1.00", "currency": "USD", "order_reference": "X"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 404
    assert response.json()["code"] == "customer_not_found"
    assert "987654" in response.json()["message"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"order_amount": "-1.00"}, "order_amount"),
        ({"order_amount": "ten"}, "order_amount"),
        ({"order_amount": 10.5}, "order_amount"),
        ({"currency": "EUR"}, "currency"),
        ({"order_reference": ""}, "order_reference"),
        ({"customer": "abc"}, "customer"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_nothing_is_logged(
    client_for, profile, overrides, field
):
    client, _user = client_for(roles.INTEGRATOR)
    response = client.post(URL, _body(profile, **overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    assert CreditCheck.objects.count() == 0


def test_a_sales_rep_lists_only_checks_of_their_customers(
    client_for, profile, django_assert_num_queries
):
    # given checks for the rep's customer and for another customer
    client, rep = client_for(roles.SALES_REP)
    own = CreditProfileFactory(
        customer=CustomerFactory(sales_rep=rep), credit_limit=Decimal("10.00")
    )
    admin, _admin_user = client_for(roles.FINANCE_ADMIN)
    for target in (own, profile):
        assert admin.post(URL, _body(target, order_amount="1.00"), format="json").status_code == 201

    # when the rep lists checks (permissions and roles in one query, count, page)
    with django_assert_num_queries(3):
        response = client.get(URL)

    # then only the own customer's check is there
    assert response.status_code == 200
    assert [row["customer"] for row in response.json()["results"]] == [own.customer_id]


def test_an_amount_with_more_decimals_than_the_currency_is_a_400_not_rounded(client_for):
    # given a JPY customer (no decimals) and an order checked for 100.49 JPY
    profile = CreditProfileFactory(
        customer=CustomerFactory(currency="JPY"), currency="JPY", credit_limit=Decimal("100000")
    )
    client, _user = client_for(roles.INTEGRATOR)
    body = {"customer": profile.customer_id, "currency": "JPY", "order_reference": "SO-J"}
    # when
    fraction = client.post(URL, {**body, "order_amount": "100.49"}, format="json")
    # then 400 naming the field and the currency's decimals; nothing is logged
    assert fraction.status_code == 400, fraction.content
    error = fraction.json()
    assert error["code"] == "too_many_decimals"
    assert "order_amount" in error["extra"]["fields"]
    assert "JPY amounts have no decimals" in error["message"]
    assert CreditCheck.objects.count() == 0
    # and two different amounts under one order reference are never taken for one order
    assert client.post(URL, {**body, "order_amount": "100"}, format="json").status_code == 201
    other = client.post(URL, {**body, "order_amount": "99.50"}, format="json")
    assert other.status_code == 400
    assert other.json()["code"] == "too_many_decimals"
    same = client.post(URL, {**body, "order_amount": "100.00"}, format="json")
    assert same.status_code == 200  # trailing zeros are the same amount
    assert list(CreditCheck.objects.values_list("order_amount", flat=True)) == [Decimal("100")]
