"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers

from crm.money import DECIMAL_PLACES, MAX_DIGITS


class MoneyField(serializers.DecimalField):
    """An amount as a decimal string ("1250.50"). Integers are accepted too; JSON
    numbers with a fraction are refused, because a binary float may already have
    lost a cent before it reaches us. The value handed on is always a ``Decimal``."""

    default_error_messages = {
        "float": (
            'Send the amount as a decimal string such as "1250.50", not as a JSON number '
            "with a fraction."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, float):
            self.fail("float")
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        return Decimal(str(value))


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a row the requesting user may see.

    ``selector(user=...)`` returns the rows the user may see; an id outside it
    is refused exactly like an id that does not exist, so the answer never
    reveals rows of other users.
    """

    default_error_messages = {
        "does_not_exist": "There is no {model} with id {pk_value} that you can see.",
        "incorrect_type": "Send the id of the {model} as an integer, not {data_type}.",
    }

    def __init__(self, *, model: type[Model], selector: Callable[..., QuerySet], **kwargs: Any):
        self.model = model
        self.selector = selector
        kwargs.setdefault("queryset", model._default_manager.none())
        kwargs.setdefault("pk_field", serializers.IntegerField())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        if request is None:
            return self.model._default_manager.none()
        return self.selector(user=request.user)

    def fail(self, key: str, **kwargs: Any) -> None:
        kwargs.setdefault("model", str(self.model._meta.verbose_name))
        super().fail(key, **kwargs)
