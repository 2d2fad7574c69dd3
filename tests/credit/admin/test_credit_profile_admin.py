from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LIST = reverse("admin:credit_creditprofile_changelist")


def test_profile_page_shows_limit_exposure_and_available_credit_read_only(staff_client):
    # given
    client, _user = staff_client(roles.CREDIT_MANAGER)
    customer = CustomerFactory(currency="EUR")
    profile = CreditProfileFactory(customer=customer, credit_limit=Decimal("5000.00"))
    InvoiceFactory(customer=customer, total=Decimal("1200.00"))
    change_url = reverse("admin:credit_creditprofile_change", args=[profile.pk])

    # when
    page = client.get(change_url)
    edited = client.post(change_url, {"credit_limit": "999999.00"})

    # then
    content = page.content.decode()
    assert page.status_code == 200
    assert "1,200.00 EUR" in content  # exposure
    assert "3,800.00 EUR" in content  # available credit
    assert 'name="credit_limit"' not in content
    assert edited.status_code == 403
    profile.refresh_from_db()
    assert profile.credit_limit == Decimal("5000.00")


def test_list_filters_holds_and_finds_a_customer_by_code(staff_client):
    # given
    client, _user = staff_client(roles.CREDIT_MANAGER)
    CreditProfileFactory(
        customer=CustomerFactory(code="HOLD01"), is_on_hold=True, hold_reason="Late"
    )
    CreditProfileFactory(customer=CustomerFactory(code="FREE01"))

    # when
    on_hold = client.get(LIST, {"is_on_hold__exact": "1"})
    by_code = client.get(LIST, {"q": "FREE01"})

    # then
    assert [p.customer.code for p in on_hold.context["cl"].result_list] == ["HOLD01"]
    assert [p.customer.code for p in by_code.context["cl"].result_list] == ["FREE01"]


def test_sales_rep_sees_only_profiles_of_own_customers(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    CreditProfileFactory(customer=CustomerFactory(code="MINE01", sales_rep=rep))
    CreditProfileFactory(customer=CustomerFactory(code="THEIRS", sales_rep=make_user()))

    # when
    response = client.get(LIST)

    # then
    assert [p.customer.code for p in response.context["cl"].result_list] == ["MINE01"]
