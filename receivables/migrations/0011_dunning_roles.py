"""Grant the roles their permissions on dunning policies and notices."""

import importlib

from django.db import migrations

from crm import roles
from crm.roles import crud

_previous = importlib.import_module("receivables.migrations.0005_promise_roles")

_POLICY_MODELS = ("dunningpolicy", "dunninglevel", "customerdunningpolicy")


def _view(*models):
    return [permission for model in models for permission in crud(model, "view")]


GRANTS = {role: list(codenames) for role, codenames in _previous.GRANTS.items()}
GRANTS[roles.COLLECTIONS_CLERK] += _view(*_POLICY_MODELS, "dunningnotice")
GRANTS[roles.CREDIT_MANAGER] += _view(*_POLICY_MODELS, "dunningnotice")
GRANTS[roles.SALES_REP] += _view(*_POLICY_MODELS, "dunningnotice")
GRANTS[roles.FINANCE_ADMIN] += _view(*_POLICY_MODELS, "dunningnotice") + [
    p for model in _POLICY_MODELS for p in crud(model, "add", "change")
]


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "receivables", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("receivables", "0010_dunning_default_policies")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
