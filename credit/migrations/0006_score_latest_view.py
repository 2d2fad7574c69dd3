"""Let the roles that read scores read the latest-score rows too (admin pages)."""

from django.db import migrations

from crm import roles
from crm.roles import crud

GRANTS = {role: crud("creditscorelatest", "view") for role in roles.ROLES}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "credit", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("credit", "0005_score_customer_index")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
