"""Fixtures shared by every test."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

from crm import roles
from tests.factories.accounts import UserFactory


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL- and Redis-only tests when the run does not point at them,
    with a reason that says how to run them."""
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    skip_pg = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://... (see .ci/run)"
    )
    skip_redis = pytest.mark.skip(
        reason="needs Redis: set CELERY_BROKER_URL=redis://... (see .ci/run)"
    )
    for item in items:
        if "postgres" in item.keywords and not database_url.startswith(("postgres", "postgresql")):
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not broker_url.startswith("redis"):
            item.add_marker(skip_redis)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db):
    def _make(*role_names: str, **kwargs):
        return UserFactory(roles=list(role_names), **kwargs)

    return _make


@pytest.fixture
def client_for(db):
    """``client_for("sales_rep")`` -> (APIClient logged in as a new user of that role, user)."""

    def _client(*role_names: str, **kwargs):
        user = UserFactory(roles=list(role_names), **kwargs)
        client = APIClient()
        client.force_authenticate(user=user)
        return client, user

    return _client


@pytest.fixture
def finance_admin(make_user):
    return make_user(roles.FINANCE_ADMIN)
