"""The product's roles (auth groups) and the helper each app's data migration
uses to grant its own permissions to them.

Each app grants the permissions on its own models in its own migration, so the
direction of dependency between apps holds for roles too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

COLLECTIONS_CLERK = "collections_clerk"
CREDIT_MANAGER = "credit_manager"
SALES_REP = "sales_rep"
FINANCE_ADMIN = "finance_admin"
INTEGRATOR = "integrator"

ROLES = (COLLECTIONS_CLERK, CREDIT_MANAGER, SALES_REP, FINANCE_ADMIN, INTEGRATOR)


def grant_permissions(
    apps: Any, app_label: str, grants: Mapping[str, Iterable[str]], *, revoke_others: bool = True
) -> None:
    """Give each role in ``grants`` exactly the listed permission codenames of
    ``app_label`` (creating the groups and permissions when needed)."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    # create_permissions skips an app config without a models module, which a
    # migration's historical one has: mark it for the call, then put back what it
    # was (a live registry's app config keeps its module; leaving None there made
    # post_migrate skip the app for the rest of the process).
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = previous

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = set(grants.get(role, ()))
        permissions = list(
            permission_model.objects.filter(content_type__app_label=app_label, codename__in=wanted)
        )
        missing = wanted - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"unknown permissions for {app_label}: {sorted(missing)}")
        if revoke_others:
            group.permissions.remove(
                *group.permissions.filter(content_type__app_label=app_label).exclude(
                    codename__in=wanted
                )
            )
        group.permissions.add(*permissions)


def crud(model: str, *actions: str) -> list[str]:
    """``crud("invoice", "view", "add")`` -> ``["view_invoice", "add_invoice"]``."""
    return [f"{action}_{model}" for action in actions]
