"""Grant the roles their permissions on credit-limit requests.

Requesting: sales reps (their own customers, checked by the service), clerks and
credit managers. The audit history: credit managers and finance admins. First decision: credit managers. Second decision above the
threshold: finance admins. Integrators read nothing here.
"""

from django.db import migrations

from crm import roles
from crm.roles import crud

REQUEST = "creditlimitrequest"
HISTORY = ["view_creditprofileevent", "view_creditlimitrequestevent"]
GRANTS = {
    roles.COLLECTIONS_CLERK: [
        *crud("creditprofile", "view"),
        *crud(REQUEST, "view", "add"),
    ],
    roles.CREDIT_MANAGER: [
        *crud("creditprofile", "view", "change"),
        *crud(REQUEST, "view", "add"),
        "decide_creditlimitrequest",
        *HISTORY,
    ],
    roles.SALES_REP: [
        *crud("creditprofile", "view"),
        *crud(REQUEST, "view", "add"),
    ],
    roles.FINANCE_ADMIN: [
        *crud("creditprofile", "view", "change"),
        *crud(REQUEST, "view"),
        "approve_second_creditlimitrequest",
        *HISTORY,
    ],
    roles.INTEGRATOR: crud("creditprofile", "view"),
}


def forwards(apps, schema_editor):
    # Only adds: the other credit modules grant their own permissions in their migrations.
    roles.grant_permissions(apps, "credit", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_limit_requests_and_history")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
