"""Grant the roles their permissions on holds, open orders, credit checks and reviews.

Only these models' permissions are touched (revoke_others=False), so the roles
migrations of the other credit features stay independent of this one.
"""

from django.db import migrations

from crm import roles
from crm.roles import crud

HOLDS = ["place_credit_hold", "release_credit_hold"]

GRANTS = {
    roles.COLLECTIONS_CLERK: [
        *crud("creditholdevent", "view"),
        *crud("openorder", "view"),
        *crud("creditcheck", "view"),
    ],
    roles.CREDIT_MANAGER: [
        *crud("creditholdevent", "view"),
        *HOLDS,
        *crud("openorder", "view"),
        *crud("creditcheck", "view", "add"),
        *crud("creditreview", "view", "add"),
        *crud("creditreviewschedule", "view"),
    ],
    roles.SALES_REP: [
        *crud("creditholdevent", "view"),
        *crud("openorder", "view"),
        *crud("creditcheck", "view", "add"),
    ],
    roles.FINANCE_ADMIN: [
        *crud("creditholdevent", "view"),
        *HOLDS,
        *crud("openorder", "view", "add", "change"),
        *crud("creditcheck", "view", "add"),
        *crud("creditreview", "view", "add"),
        *crud("creditreviewschedule", "view"),
    ],
    roles.INTEGRATOR: [
        *crud("openorder", "view", "add", "change"),
        *crud("creditcheck", "view", "add"),
    ],
}


def forwards(apps, schema_editor):
    roles.grant_permissions(apps, "credit", GRANTS, revoke_others=False)


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_creditops")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
