"""Fixtures of the limit-request tests: the people of a four-eyes decision."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory


@pytest.fixture
def sales_rep(db):
    return UserFactory(roles=[roles.SALES_REP])


@pytest.fixture
def credit_manager(db):
    return UserFactory(roles=[roles.CREDIT_MANAGER])


@pytest.fixture
def other_credit_manager(db):
    return UserFactory(roles=[roles.CREDIT_MANAGER])


@pytest.fixture
def finance_admin(db):
    return UserFactory(roles=[roles.FINANCE_ADMIN])


@pytest.fixture
def customer(sales_rep):
    customer = CustomerFactory(sales_rep=sales_rep, currency="USD")
    CreditProfileFactory(customer=customer, credit_limit=Decimal("10000.00"))
    return customer


@pytest.fixture
def thresholds(settings):
    settings.CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE = {"USD": "100000", "EUR": "90000"}
    settings.CRM_DEFAULT_CREDIT_LIMIT = "1000"
    return settings.CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE


from tests.customers.admin.conftest import staff_client  # noqa: E402, F401
