"""The dashboard's short lists are the first rows of the full lists, ties and scope included."""

from decimal import Decimal

import pytest

from analytics.kpis.customers import (
    churn_warning_list,
    churn_warning_top,
    loss_maker_list,
    loss_maker_top,
)
from analytics.models import CustomerMetrics
from crm import roles
from tests.analytics.pages_helpers import loss_maker, metrics_for
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    """Loss makers with tied contributions (ordered by code among equals) and churn
    warnings with tied and missing CLVs, over two reps."""
    rep = UserFactory(roles=[roles.SALES_REP])
    other = UserFactory(roles=[roles.SALES_REP])
    finance = UserFactory(roles=[roles.FINANCE_ADMIN])
    losses = ["-500.00", "-200.00", "-200.00", "-200.00", "-50.00", "-10.00"]
    codes = ["L6", "L5", "L3", "L4", "L2", "L1"]
    for index, (contribution, code) in enumerate(zip(losses, codes, strict=True)):
        customer = CustomerFactory(code=code, sales_rep=rep if index % 2 else other)
        loss_maker(customer, contribution)
    clvs = ["900.00", "300.00", "300.00", None, "50.00"]
    warned = []
    for index, clv in enumerate(clvs):
        customer = CustomerFactory(code=f"W{index}", sales_rep=rep if index % 2 else other)
        warned.append(
            metrics_for(customer, is_churn_warning=True, clv=None if clv is None else Decimal(clv))
        )
    metrics_for(CustomerFactory(code="QUIET"), clv=Decimal("5000.00"))  # no warning
    return {"rep": rep, "finance": finance, "warned": warned}


@pytest.mark.parametrize("who", ["finance", "rep"])
@pytest.mark.parametrize("limit", [1, 2, 3, 4, 6, 10])
def test_the_top_loss_makers_are_the_first_of_the_list(book, who, limit):
    # when the short list is taken, ties at its last place included
    user = book[who]
    top = loss_maker_top(user=user, limit=limit)

    # then it is the full list's beginning, in its order (ties by customer code)
    expected = list(loss_maker_list(user=user)[:limit])
    assert [row.customer.code for row in top] == [row.customer.code for row in expected]


def test_the_top_loss_makers_tie_break_by_code_across_the_cut():
    # given three customers tied for the second-largest loss, coded out of creation order
    finance = UserFactory(roles=[roles.FINANCE_ADMIN])
    for code, contribution in [("Z", "-900.00"), ("C", "-100.00"), ("A", "-100.00")]:
        loss_maker(CustomerFactory(code=code), contribution)
    loss_maker(CustomerFactory(code="B"), "-100.00")

    # when the first two are asked for
    top = loss_maker_top(user=finance, limit=2)

    # then the tie is settled by code, as on the full list
    assert [row.customer.code for row in top] == ["Z", "A"]


@pytest.mark.parametrize("who", ["finance", "rep"])
@pytest.mark.parametrize("limit", [1, 2, 3, 10])
def test_the_top_churn_warnings_are_the_first_of_the_list_with_a_clv(book, who, limit):
    # when the short list is taken
    user = book[who]
    top = churn_warning_top(user=user, limit=limit)

    # then it is the full list's beginning without unknown CLVs, in its order (ties in CLV
    # by the lower P(alive), then customer), only the user's customers, each read with it
    expected = [row for row in churn_warning_list(user=user) if row.clv is not None][:limit]
    assert [row.customer_id for row in top] == [row.customer_id for row in expected]
    assert all(row.customer.code.startswith("W") for row in top)
    if who == "rep":
        assert {row.customer.sales_rep_id for row in top} <= {book["rep"].pk}


def test_churn_warnings_tied_in_clv_put_the_lower_p_alive_first(book):
    # given the two warnings tied at 300.00, the later one less likely alive
    tied = [row for row in book["warned"] if row.clv == Decimal("300.00")]
    CustomerMetrics.objects.filter(pk=tied[0].pk).update(probability_alive=Decimal("0.4000"))
    CustomerMetrics.objects.filter(pk=tied[1].pk).update(probability_alive=Decimal("0.1000"))

    # when the first three are asked for
    top = churn_warning_top(user=book["finance"], limit=3)

    # then the less likely alive comes first among the tied
    assert [row.customer_id for row in top[1:]] == [tied[1].customer_id, tied[0].customer_id]


def test_the_top_churn_warnings_keep_only_the_limit(book):
    top = churn_warning_top(user=book["finance"], limit=2)
    assert [row.clv for row in top] == [Decimal("900.00"), Decimal("300.00")]


def test_a_limit_below_one_lists_nothing(book):
    assert loss_maker_top(user=book["finance"], limit=0) == []
    assert churn_warning_top(user=book["finance"], limit=0) == []


def test_an_empty_portfolio_lists_nothing():
    finance = UserFactory(roles=[roles.FINANCE_ADMIN])
    assert loss_maker_top(user=finance, limit=10) == []
    assert churn_warning_top(user=finance, limit=10) == []
