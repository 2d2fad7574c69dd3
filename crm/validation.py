"""Model validation as ApplicationErrors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from crm.exceptions import ValidationFailed


def full_clean_or_fail(instance: models.Model, **kwargs: Any) -> None:
    """Run ``instance.full_clean`` and raise ValidationFailed with per-field messages."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        fields = (
            error.message_dict
            if hasattr(error, "error_dict")
            else {"non_field_errors": error.messages}
        )
        first_field, messages = next(iter(fields.items()))
        raise ValidationFailed(f"{first_field}: {messages[0]}", extra={"fields": fields}) from error
