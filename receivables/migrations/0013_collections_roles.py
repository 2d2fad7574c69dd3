"""Grant the roles their permissions on the collections worklist.

Clerks work the queue (see it, claim, log, set follow-ups, preview notices);
sending a notice by hand needs ``send_dunning_notice``, which credit managers
and finance admins have and which is given to individual clerks as a user
permission. Assigning cases to others is for credit managers and finance
admins. Sales reps read the cases and timelines of their own customers.
"""

import importlib

from django.db import migrations

from crm import roles
from crm.roles import crud

_previous = importlib.import_module("receivables.migrations.0011_dunning_roles")

_WORK = crud("collectioncase", "view", "change") + crud("collectionactivity", "view", "add")
_READ = crud("collectioncase", "view") + crud("collectionactivity", "view")
_MANAGE = ["assign_collectioncase", "send_dunning_notice"]

GRANTS = {role: list(codenames) for role, codenames in _previous.GRANTS.items()}
GRANTS[roles.COLLECTIONS_CLERK] += _WORK
GRANTS[roles.CREDIT_MANAGER] += _WORK + _MANAGE
GRANTS[roles.FINANCE_ADMIN] += _WORK + _MANAGE
GRANTS[roles.SALES_REP] += _READ


def forwards(apps, schema_editor):
    # Additive: the dunning reliability roles migration (a sibling) grants its own.
    roles.grant_permissions(apps, "receivables", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("receivables", "0012_collections")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
