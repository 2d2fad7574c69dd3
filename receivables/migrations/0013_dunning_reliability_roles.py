"""Who may report bounces and pin customers to a dunning policy.

Adds grants only (revoke_others=False), so roles migrations of other features
of receivables written in parallel do not undo each other.
"""

from django.db import migrations

from crm import roles
from crm.roles import crud

GRANTS = {
    roles.FINANCE_ADMIN: ["report_bounce_dunningnotice", *crud("customerdunningpolicy", "delete")],
    roles.COLLECTIONS_CLERK: ["report_bounce_dunningnotice"],
    roles.INTEGRATOR: ["report_bounce_dunningnotice"],
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "receivables", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("receivables", "0012_dunning_reliability")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
