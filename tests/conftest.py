"""Fixtures shared by every test."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from crm import roles
from tests.factories.accounts import UserFactory

# Fixtures kept in their own modules, available to every test.
pytest_plugins = ["tests.broker_down"]


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


ROLE_MIGRATION_SUFFIX = "_roles"


@pytest.fixture(scope="session")
def role_migrations(django_db_setup, django_db_blocker) -> list[tuple[Callable, object]]:
    """The RunPython steps of every app's ``*_roles`` data migration, with the
    historical app registry they expect."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    with django_db_blocker.unblock():
        loader = MigrationLoader(connection)
        state_apps = loader.project_state().apps
    steps = []
    for key in sorted(loader.disk_migrations):
        migration = loader.disk_migrations[key]
        if migration.name.endswith(ROLE_MIGRATION_SUFFIX):
            steps.extend(
                (operation.code, state_apps)
                for operation in migration.operations
                if isinstance(operation, RunPython)
            )
    return steps


@pytest.fixture
def roles_recreated(transactional_db, role_migrations) -> None:
    """Recreate the roles (groups and their permissions) for a transactional test.

    Transactional tests (browser tests, real concurrent transactions) flush the
    database after each one, roles included. Django's serialized
    rollback cannot put them back here: while Playwright runs, the test body sees
    another connection object than the one that holds the serialized data. So
    the roles data migrations run again instead.
    """
    from django.contrib.auth.models import Group
    from django.db import connection

    from crm.roles import ROLES

    if Group.objects.filter(name__in=ROLES).count() == len(ROLES):
        return
    with connection.schema_editor() as schema_editor:
        for code, state_apps in role_migrations:
            code(state_apps, schema_editor)
