from tests.customers.admin.conftest import staff_client, superuser_client  # noqa: F401
