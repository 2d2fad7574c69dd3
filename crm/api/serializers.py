"""Serializers whose fields are built once per class, for the hot requests.

DRF deep-copies every declared field for each serializer instance, which
re-runs each field's constructor: about 20 µs a field, most of the time it
takes to read a credit check's request and render its answer. A field that
converts and validates a value by itself (a number, a text, a date, a decimal)
keeps no state between uses, so one bound copy per class serves every instance.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.fields import empty

# Fields that convert and validate a value by itself, never reading the
# context, the parent or the request (a relation, a hyperlink or a method field would).
# No FloatField: amounts are decimals here, and nothing else hot needs a float.
_VALUE_FIELDS = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.IntegerField,
    serializers.JSONField,
)


class SharedFieldsSerializer(serializers.Serializer):
    """A serializer whose bound fields are built once per class and shared by its instances.

    Declare fields as usual (the API schema reads them). Each must be a value
    field (see ``_VALUE_FIELDS``) whose validators and default need no context,
    or another ``SharedFieldsSerializer``, possibly ``many=True``; anything else
    is refused with ImproperlyConfigured when the class is first used.
    ``validate_<field>()`` and ``validate()`` run on the instance as usual.
    Partial updates are refused: a shared field cannot see the instance's
    ``partial`` flag.
    """

    @property
    def fields(self) -> Any:
        cls = type(self)
        if self.partial:
            raise ImproperlyConfigured(
                f"{cls.__qualname__} shares its fields between instances and cannot validate "
                "a partial update; use serializers.Serializer for that."
            )
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            prototype = cls()
            shared = serializers.Serializer.fields.__get__(prototype, cls)
            for name, field in shared.items():
                _require_value_field(cls, name, field)
            cls._shared_fields = shared
        return shared


def _require_value_field(cls: type, name: str, field: serializers.Field) -> None:
    nested = field.child if isinstance(field, serializers.ListSerializer) else field
    if isinstance(nested, SharedFieldsSerializer):
        return
    needs_context = [
        check
        for check in [*field.validators, field.default]
        if check is not empty and getattr(check, "requires_context", False)
    ]
    if isinstance(field, _VALUE_FIELDS) and not needs_context:
        return
    raise ImproperlyConfigured(
        f"{cls.__qualname__}.{name} cannot be shared between instances: a SharedFieldsSerializer "
        "takes value fields (integers, decimals, text, choices, dates, booleans, JSON) whose validators and "
        "default need no context, or nested SharedFieldsSerializers; use serializers.Serializer "
        "for this one."
    )
