"""Grant the roles their permissions on scores and backtests (additively: other
credit migrations grant their own models' permissions)."""

from django.db import migrations

from crm import roles
from crm.roles import crud

GRANTS = {
    roles.COLLECTIONS_CLERK: crud("creditscore", "view"),
    roles.CREDIT_MANAGER: crud("creditscore", "view") + crud("creditbacktest", "view"),
    roles.SALES_REP: crud("creditscore", "view"),
    roles.FINANCE_ADMIN: crud("creditscore", "view") + crud("creditbacktest", "view"),
    roles.INTEGRATOR: crud("creditscore", "view"),
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "credit", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_scores")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
