"""The base every API viewset builds on: permission by role, rows scoped by a selector."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import ClassVar

from django.db.models import Model, QuerySet
from rest_framework import viewsets

from crm.api.filters import FILTER_BACKENDS


class ScopedViewSet(viewsets.GenericViewSet, metaclass=ABCMeta):
    """A ``GenericViewSet`` whose rows come from one selector for the request's user.

    Subclasses set ``model`` and ``permission_classes`` and implement
    ``scoped_queryset()`` by calling a selector. The selector runs once per
    request (its visibility check may cost a query); ``get_queryset()`` hands
    out fresh clones of that result. Rows the user may not see are therefore a
    404 on detail routes, never a 403.
    """

    model: ClassVar[type[Model]]
    # No permission_classes here: each viewset names its own, DenyAll stays the default.
    filter_backends = FILTER_BACKENDS

    @abstractmethod
    def scoped_queryset(self) -> QuerySet:
        """The rows this user may see (a selector call); get_queryset builds on it."""

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation: no user, no rows; the model is enough.
            return self.model._default_manager.none()
        scoped = getattr(self, "_scoped", None)
        if scoped is None:
            scoped = self._scoped = self.scoped_queryset()
        return scoped.all()
