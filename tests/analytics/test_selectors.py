"""Selectors scope metrics to the customers the user may see."""

import datetime

import pytest

from analytics.selectors import (
    churn_warning_list,
    customer_metrics_list,
    loss_making_customer_list,
    pipeline_run_latest,
)
from analytics.services.pipeline_execute import pipeline_run_execute
from crm import roles
from tests.analytics.conftest import AS_OF, paid_invoice
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_sales_rep_sees_only_their_customers_and_finance_sees_all():
    # given two reps with one loss-making customer each
    rep = UserFactory(roles=[roles.SALES_REP])
    other = UserFactory(roles=[roles.SALES_REP])
    finance = UserFactory(roles=[roles.FINANCE_ADMIN])
    mine = CustomerFactory(sales_rep=rep)
    theirs = CustomerFactory(sales_rep=other)
    for customer in (mine, theirs):
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=20), cost="999.00")
    assert pipeline_run_latest() is None
    pipeline_run_execute(as_of=AS_OF)

    # then
    assert [m.customer_id for m in customer_metrics_list(user=rep)] == [mine.pk]
    assert [m.customer_id for m in loss_making_customer_list(user=rep)] == [mine.pk]
    assert {m.customer_id for m in loss_making_customer_list(user=finance)} == {mine.pk, theirs.pk}
    assert list(churn_warning_list(user=rep)) == []
    assert pipeline_run_latest().status == "succeeded"
