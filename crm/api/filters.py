"""Filter backends and filters shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from rest_framework import filters
from rest_framework.request import Request

from crm.db import ID_MAX


class IdFilter(django_filters.Filter):
    """An integer id (``?customer=12``); anything else is a 400, not an empty list."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids are 64-bit; a larger number would overflow the database driver.
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class SearchFilter(filters.SearchFilter):
    """DRF's search, minus NUL characters (PostgreSQL refuses them in text)."""

    def get_search_terms(self, request: Request) -> list[str]:
        terms = super().get_search_terms(request)
        return [cleaned for term in terms if (cleaned := term.replace("\x00", ""))]


class OrderingFilter(filters.OrderingFilter):
    """DRF's ordering with the primary key as the last key, so pages are stable."""

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str] | None:
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        ordering = list(ordering)
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        return ordering

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if isinstance(fields, list | tuple):
            for parameter in parameters:
                parameter["description"] = (
                    f"Sort by {', '.join(fields)}; prefix a field with - for descending "
                    "order, separate several with commas."
                )
        return parameters


FILTER_BACKENDS = [
    django_filters.rest_framework.DjangoFilterBackend,
    SearchFilter,
    OrderingFilter,
]
