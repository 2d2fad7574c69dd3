"""OpenAPI helpers: the one error body every endpoint returns."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """``{"message", "code", "extra"}``; field errors under ``extra.fields``."""

    message = serializers.CharField(help_text="What is wrong and how to fix it.")
    code = serializers.CharField(help_text="A stable snake_case error code.")
    extra = serializers.DictField(
        help_text='Details; field errors as {"fields": {"<field>": ["<message>", ...]}}.'
    )

    class Meta:
        ref_name = "Error"


_DESCRIPTIONS = {
    400: "The input is invalid (code `invalid`, `malformed_request` or a business-rule code).",
    401: "Not authenticated.",
    403: "Not authenticated, or your role does not allow this action.",
    404: "No such row, or not one you may see.",
    409: "The request conflicts with existing data (duplicates, concurrent writes).",
}


def error_responses(
    *statuses: int, media_type: str | None = None
) -> dict[int | tuple[int, str], OpenApiResponse]:
    """``error_responses(400, 409)`` -> responses for ``@extend_schema``; 403 is always added.

    A view that also answers in another media type (a PDF, a CSV file) passes
    ``media_type="application/json"``, so its errors are documented as JSON only.
    """
    wanted = sorted({*statuses, 403})
    return {
        (status if media_type is None else (status, media_type)): OpenApiResponse(
            response=ErrorSerializer, description=_DESCRIPTIONS[status]
        )
        for status in wanted
    }
