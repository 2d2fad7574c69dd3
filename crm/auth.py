"""The authentication backend: Django's ModelBackend with the role lookup in one query.

Every API request checks a model permission and, for row visibility, the
user's roles (groups). ModelBackend loads those with two ORM queries for the
permissions and the visibility rule adds a third; on the hot paths (the credit
check an integrator runs before every order) building and running them cost
more than the work itself. Here one SQL statement returns the user's own
permissions, its groups' permissions and its group names, cached on the user
object for the rest of the request exactly as ModelBackend caches them (a new
request loads a fresh user, so a changed role applies at the next request).
The API's token authentication selects the same two values beside the token,
so a token request needs no query of its own for them.
"""

# ruff: noqa: S608 - only table names from model metadata are interpolated

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from crm.db import prepared_cursor

_GROUP_NAMES = "_crm_group_names"


_SEPARATOR = "\x1f"  # ASCII unit separator: in neither codenames nor group names


def _aggregate(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"string_agg({expression}, %s)"
    return f"group_concat({expression}, %s)"


@cache
def _roles_columns(user_column: str) -> str:
    """Two SQL expressions: the user's permissions ("app_label.codename") and its
    group names, each aggregated into one separated string. Params: :func:`roles_params`."""
    user_model = get_user_model()
    user_permissions = user_model.user_permissions.through._meta.db_table
    user_groups = user_model.groups.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    return f"""
        (SELECT {_aggregate("ct.app_label || '.' || p.codename")}
           FROM {Permission._meta.db_table} p
           JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id
          WHERE p.id IN (SELECT up.permission_id FROM {user_permissions} up
                          WHERE up.user_id = {user_column}
                         UNION
                         SELECT gp.permission_id
                           FROM {group_permissions} gp
                           JOIN {user_groups} ug ON ug.group_id = gp.group_id
                          WHERE ug.user_id = {user_column})),
        (SELECT {_aggregate("g.name")}
           FROM {Group._meta.db_table} g
           JOIN {user_groups} ug ON ug.group_id = g.id
          WHERE ug.user_id = {user_column})
    """


def roles_columns(user_column: str) -> tuple[str, list[str]]:
    """SQL selecting the user's roles beside another row (the API token's), and its params;
    hand the two values to :func:`roles_cache` to spare the request a query."""
    return _roles_columns(user_column), [_SEPARATOR, _SEPARATOR]


def roles_cache(user: AbstractBaseUser, permissions: str | None, groups: str | None) -> None:
    """Cache the values of :func:`roles_columns` on the user, as :func:`_load` would.

    A superuser's permissions are all of them, not the ones assigned: they are
    left to ModelBackend (which computes them when ``_perm_cache`` is unset)."""
    if not user.is_superuser:
        user._perm_cache = set(permissions.split(_SEPARATOR)) if permissions else set()
    setattr(user, _GROUP_NAMES, frozenset(groups.split(_SEPARATOR)) if groups else frozenset())


@cache
def _user_roles_sql() -> tuple[str, tuple[str, ...]]:
    user_model = get_user_model()
    user_pk = f"u.{connection.ops.quote_name(user_model._meta.pk.column)}"
    columns, params = roles_columns(user_pk)
    sql = f"SELECT {columns} FROM {user_model._meta.db_table} u WHERE {user_pk} = %s"
    return sql, tuple(params)


def _load(user: AbstractBaseUser) -> None:
    sql, params = _user_roles_sql()
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, user.pk])
        permissions, groups = cursor.fetchone()
    roles_cache(user, permissions, groups)


def user_group_names(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The names of the user's groups (roles), loaded once per user object."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, _GROUP_NAMES):
        _load(user)
    return getattr(user, _GROUP_NAMES)


class RoleBackend(ModelBackend):
    """ModelBackend whose permission set (own + groups') is loaded with the role names, in one query."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            _load(user_obj)
        return user_obj._perm_cache
