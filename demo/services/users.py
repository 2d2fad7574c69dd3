"""Demo logins: one user per role with a known password."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from crm import roles
from crm.exceptions import ApplicationError, PermissionDenied

SUPERUSER = "superuser"
# (username, role); ``sales`` is also the first sales rep of the demo portfolio.
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("clerk", roles.COLLECTIONS_CLERK),
    ("credit", roles.CREDIT_MANAGER),
    ("sales", roles.SALES_REP),
    ("finance", roles.FINANCE_ADMIN),
    ("integrator", roles.INTEGRATOR),
    ("admin", SUPERUSER),
)
_DISPLAY_NAMES = {
    "clerk": ("Clara", "Clerk"),
    "credit": ("Chris", "Credit"),
    "sales": ("Sam", "Sales"),
    "finance": ("Fiona", "Finance"),
    "integrator": ("Ivan", "Integrator"),
    "admin": ("Ada", "Admin"),
}


def demo_password(username: str) -> str:
    return f"demo-{username}"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    created: bool


@dataclass(frozen=True)
class DemoLogins:
    logins: list[DemoLogin]
    integrator_token: str


def _group(role: str) -> Group:
    group = Group.objects.filter(name=role).first()
    if group is None:
        raise ApplicationError(
            f"The {role!r} role does not exist; run `python manage.py migrate` first.",
            code="role_missing",
        )
    return group


@transaction.atomic
def demo_users_reset(*, force: bool = False) -> DemoLogins:
    """Create or reset the demo logins (staff users, password ``demo-<username>``).

    Refuses when DEBUG is off unless ``force``: the passwords are public.
    """
    if not settings.DEBUG and not force:
        raise PermissionDenied(
            "DEBUG is off, so this looks like a production site: demo logins have publicly "
            "known passwords (demo-<username>) and would let anyone in. Refusing; pass "
            "--force only if this really is a throwaway demo database.",
            code="demo_users_need_debug",
        )
    user_model = get_user_model()
    logins = []
    users = {}
    for username, role in DEMO_LOGINS:
        user, created = user_model.objects.get_or_create(username=username)
        first_name, last_name = _DISPLAY_NAMES[username]
        user.first_name, user.last_name = first_name, last_name
        user.email = user.email or f"{username}@example.com"
        user.is_active = True
        user.is_staff = True
        user.is_superuser = role == SUPERUSER
        user.set_password(demo_password(username))
        user.save()
        user.groups.set([] if role == SUPERUSER else [_group(role)])
        users[username] = user
        logins.append(DemoLogin(role, username, demo_password(username), created))
    token, _created = Token.objects.get_or_create(user=users["integrator"])
    return DemoLogins(logins=logins, integrator_token=token.key)
