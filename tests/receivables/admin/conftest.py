"""The admin tests' fixtures live with the customers admin tests."""

from tests.customers.admin.conftest import staff_client, superuser_client  # noqa: F401
