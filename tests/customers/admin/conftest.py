"""Fixtures for the admin tests: Django test clients logged in as staff users."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories.accounts import UserFactory


@pytest.fixture
def staff_client(db):
    """``staff_client("sales_rep")`` -> (a client logged in as a new staff user of those roles, user)."""

    def _login(*role_names: str, **kwargs):
        user = UserFactory(is_staff=True, roles=list(role_names), **kwargs)
        client = Client()
        client.force_login(user)
        return client, user

    return _login


@pytest.fixture
def superuser_client(staff_client):
    client, _user = staff_client(is_superuser=True)
    return client


def inline_management_form(prefix: str, *, total: int = 0, initial: int = 0) -> dict[str, str]:
    """The hidden fields of an admin inline formset, for a hand-made POST."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
