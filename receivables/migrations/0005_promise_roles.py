"""Grant the roles their permissions on promises to pay."""

from django.db import migrations

from crm import roles
from crm.roles import crud

import importlib

_previous = importlib.import_module("receivables.migrations.0002_roles")

GRANTS = {role: list(codenames) for role, codenames in _previous.GRANTS.items()}
GRANTS[roles.COLLECTIONS_CLERK] += crud("promisetopay", "view", "add", "change")
GRANTS[roles.CREDIT_MANAGER] += crud("promisetopay", "view")
GRANTS[roles.SALES_REP] += crud("promisetopay", "view")
GRANTS[roles.FINANCE_ADMIN] += crud("promisetopay", "view", "add", "change")
GRANTS[roles.INTEGRATOR] += crud("promisetopay", "view")


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "receivables", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("receivables", "0004_promise_to_pay")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
