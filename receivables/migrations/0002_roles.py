"""Grant the roles their permissions on the ledger.

Invoices, payments and allocations are never deleted: they are voided or
unapplied, so no role gets a delete permission on them.
"""

from django.db import migrations

from crm import roles
from crm.roles import crud

_LEDGER = ("invoice", "payment", "allocation", "creditnote", "writeoff", "dispute")


def _view_all():
    return [permission for model in _LEDGER for permission in crud(model, "view")]


GRANTS = {
    roles.COLLECTIONS_CLERK: _view_all() + crud("dispute", "add", "change"),
    roles.CREDIT_MANAGER: _view_all(),
    roles.SALES_REP: _view_all(),
    roles.FINANCE_ADMIN: _view_all()
    + crud("invoice", "add", "change")
    + crud("payment", "add", "change")
    + crud("allocation", "add", "change")
    + crud("creditnote", "add")
    + crud("writeoff", "add")
    + crud("dispute", "add", "change"),
    roles.INTEGRATOR: _view_all()
    + crud("invoice", "add", "change")
    + crud("payment", "add", "change")
    + crud("allocation", "add")
    + crud("creditnote", "add"),
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "receivables", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("receivables", "0001_initial"), ("customers", "0002_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
