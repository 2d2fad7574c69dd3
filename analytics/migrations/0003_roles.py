"""Grant the roles their permissions on the analytics models.

``revoke_others=False``: other analytics migrations (KPI snapshots) add their
own grants and must not wipe these, nor these theirs.
"""

from django.db import migrations

from crm import roles
from crm.roles import crud

READ = [
    *crud("customermetrics", "view"),
    *crud("pipelinerun", "view"),
    *crud("pipelinechunk", "view"),
    *crud("tierchange", "view"),
    *crud("tierrule", "view"),
    *crud("fxrate", "view"),
]

GRANTS = {
    roles.COLLECTIONS_CLERK: crud("customermetrics", "view"),
    roles.CREDIT_MANAGER: READ,
    roles.SALES_REP: [*crud("customermetrics", "view"), *crud("tierchange", "view")],
    roles.FINANCE_ADMIN: [
        *READ,
        *crud("tierrule", "add", "change", "delete"),
        *crud("fxrate", "add", "change", "delete"),
    ],
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "analytics", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_default_tier_rules"), ("credit", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
