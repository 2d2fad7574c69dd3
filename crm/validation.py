"""Model validation as ApplicationErrors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from crm.exceptions import Conflict, ValidationFailed


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


def external_id_unused(
    rows: models.QuerySet | models.Manager,
    external_id: str | None,
    *,
    noun: str,
    advice: str = "",
) -> None:
    """Refuse an ``external_id`` already used by one of ``rows``: a 409 naming that row's
    id (``extra.existing_id``), so an ERP's retry can read what it made the first time."""
    if not external_id:
        return
    existing = rows.filter(external_id=external_id).values_list("pk", flat=True).first()
    if existing:
        article = "An" if noun[0] in "aeiou" else "A"
        raise Conflict(
            f"{article} {noun} with external id {external_id!r} already exists "
            f"({noun} id {existing}){advice}.",
            code="duplicate_external_id",
            extra={
                "fields": {
                    "external_id": [f"{article} {noun} with this external id already exists."]
                },
                "existing_id": existing,
            },
        )
