"""Token authentication with the token, its user and the user's roles read in one raw statement.

DRF's TokenAuthentication builds an ORM query (token joined with its user) on
every request; on the credit check, which an integrator calls before every
order, building it cost more than running it. Same rules and messages: an
unknown key or an inactive user is a 401.
"""

# ruff: noqa: S608 - only table names from model metadata are interpolated

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from crm.auth import roles_cache, roles_columns
from crm.db import instance_from_row, prepared_cursor, select_columns


@cache
def _token_sql() -> tuple[str, tuple]:
    user_model = get_user_model()
    user_pk = f"u.{connection.ops.quote_name(user_model._meta.pk.column)}"
    roles, roles_params = roles_columns(user_pk)
    sql = f"""
        SELECT {select_columns(Token, "t")}, {select_columns(user_model, "u")}, {roles}
          FROM {Token._meta.db_table} t
          JOIN {user_model._meta.db_table} u ON {user_pk} = t.user_id
         WHERE t.key = %s
    """
    return sql, tuple(roles_params)


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, in one statement without the ORM."""

    def authenticate_credentials(self, key: str) -> tuple:
        sql, roles_params = _token_sql()
        with prepared_cursor() as cursor:
            cursor.execute(sql, [*roles_params, key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        split = len(Token._meta.concrete_fields)
        token = instance_from_row(Token, row[:split])
        user = instance_from_row(get_user_model(), row[split:-2])
        roles_cache(user, *row[-2:])  # permissions and role names: no query of their own
        Token.user.field.set_cached_value(token, user)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
