"""Grant the roles their permissions on credit profiles."""

from django.db import migrations

from crm import roles
from crm.roles import crud

GRANTS = {
    roles.COLLECTIONS_CLERK: crud("creditprofile", "view"),
    roles.CREDIT_MANAGER: crud("creditprofile", "view", "change"),
    roles.SALES_REP: crud("creditprofile", "view"),
    roles.FINANCE_ADMIN: crud("creditprofile", "view", "change"),
    roles.INTEGRATOR: crud("creditprofile", "view"),
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "credit", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial"), ("receivables", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
