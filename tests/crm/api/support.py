"""Helpers shared by the API tests."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission


def assert_error(
    response: Any, status: int, code: str | tuple[str, ...], *, field: str | None = None
) -> dict[str, Any]:
    """The response is an error body ``{"message", "code", "extra"}`` with that status
    and code (and a message for ``field`` under ``extra.fields`` when given)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "code", "extra"}, body
    codes = (code,) if isinstance(code, str) else code
    assert body["code"] in codes, body
    assert body["message"], body
    if field is not None:
        assert body["extra"]["fields"][field], body
    return body


def grant(user: Any, *codenames: str) -> None:
    """Give ``user`` extra model permissions directly (beside their roles)."""
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
