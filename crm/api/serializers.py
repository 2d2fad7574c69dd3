"""Output serializers whose fields are built once per class, for the hot answers.

DRF deep-copies every declared field for each serializer instance, which
re-runs each field's constructor: about 20 µs a field, most of the time it
takes to render a credit check's answer. An output serializer's fields only
turn values into JSON, so one bound copy per class serves every instance.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

# Fields whose output depends on the value alone, never on the context, the
# parent or the request (a relation, a hyperlink or a method field would).
_VALUE_FIELDS = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.JSONField,
)


class SharedFieldsSerializer(serializers.Serializer):
    """A read-only output serializer whose bound fields are shared by its instances.

    Declare fields as usual (the API schema reads them); each must be
    ``read_only`` and turn a value into JSON by itself (see ``_VALUE_FIELDS``),
    or be another ``SharedFieldsSerializer``, possibly ``many=True``. A field
    that could read the context or the request is refused with
    ImproperlyConfigured when the class is first used. Not for input: a shared
    field cannot see the serializer's ``partial`` flag or its validators' state.
    """

    @property
    def fields(self) -> Any:
        cls = type(self)
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
    if isinstance(field, _VALUE_FIELDS) and field.read_only:
        return
    raise ImproperlyConfigured(
        f"{cls.__qualname__}.{name} cannot be shared between instances: a SharedFieldsSerializer "
        "takes read-only value fields (numbers, text, choices, dates, decimals, JSON) or nested "
        "SharedFieldsSerializers only; use serializers.Serializer for this one."
    )
