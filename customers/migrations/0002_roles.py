"""Create the product's roles and grant them the permissions on customers and contacts."""

from django.db import migrations

from crm import roles
from crm.roles import crud

GRANTS = {
    roles.COLLECTIONS_CLERK: crud("customer", "view") + crud("contact", "view", "add", "change"),
    roles.CREDIT_MANAGER: crud("customer", "view") + crud("contact", "view"),
    roles.SALES_REP: crud("customer", "view") + crud("contact", "view", "add", "change"),
    roles.FINANCE_ADMIN: crud("customer", "view", "add", "change") + crud("contact", "view", "add", "change", "delete"),
    roles.INTEGRATOR: crud("customer", "view", "add", "change") + crud("contact", "view", "add", "change"),
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "customers", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
