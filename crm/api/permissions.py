"""Permission classes: small, named, each with a message. Deny by default."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class DenyAll(BasePermission):
    """The default for every view that does not say otherwise."""

    message = "This endpoint is not open to anyone."

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class HasModelPermission(BasePermission):
    """The user's role must grant the Django model permission of the action.

    Reads need ``view_<model>``, creating ``add_<model>``, updating
    ``change_<model>``, deleting ``delete_<model>``. A view may name the
    permission of a custom action in ``action_permissions``.
    """

    message = "Your role does not allow this action."

    _method_actions = {
        "GET": "view",
        "HEAD": "view",
        "OPTIONS": "view",
        "POST": "add",
        "PUT": "change",
        "PATCH": "change",
        "DELETE": "delete",
    }

    def _required_permission(self, request: Request, view: Any) -> str | None:
        custom = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if custom:
            return custom
        model = view.get_queryset().model
        action = self._method_actions.get(request.method or "")
        if action is None:
            return None
        return f"{model._meta.app_label}.{action}_{model._meta.model_name}"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        permission = self._required_permission(request, view)
        if permission is None:
            return False
        if user.has_perm(permission):
            return True
        self.message = f"Your role does not allow this action (needs permission {permission})."
        return False
