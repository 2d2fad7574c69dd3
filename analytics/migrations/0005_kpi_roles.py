"""Who reads the portfolio KPI snapshots (the finance dashboard): finance admins and
credit managers. Additive (``revoke_others=False``) beside the grants of 0003_roles."""

from django.db import migrations

from crm import roles
from crm.roles import crud

GRANTS = {
    roles.CREDIT_MANAGER: crud("kpisnapshot", "view"),
    roles.FINANCE_ADMIN: crud("kpisnapshot", "view"),
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "analytics", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_kpi_snapshot"), ("analytics", "0003_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
