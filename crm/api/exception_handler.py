"""Render every error as ``{"message", "code", "extra"}`` — never a bare 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.exceptions import ApplicationError

logger = logging.getLogger(__name__)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            if message:
                return message if key in ("non_field_errors", "detail") else f"{key}: {message}"
        return ""
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def _as_plain(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _as_plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_as_plain(item) for item in detail]
    return str(detail)


def _body(message: str, code: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"message": message, "code": code, "extra": extra or {}}


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.message, exc.code, exc.extra), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            _body(_first_message(fields) or "Invalid input.", "invalid", {"fields": fields}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, IntegrityError):
        # Services check first; this catches the race where two requests insert the
        # same unique key at once.
        logger.warning("integrity error turned into 409: %s", exc)
        return Response(
            _body(
                "The request conflicts with data written at the same time; retry it.", "conflict"
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _as_plain(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        response.data = _body(
            _first_message(fields) or "Invalid input.", "invalid", {"fields": fields}
        )
    elif isinstance(exc, exceptions.ParseError):
        response.data = _body(
            f"The request body could not be parsed: {exc.detail}. Send valid JSON.",
            "malformed_request",
        )
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = detail.code if hasattr(detail, "code") else exc.default_code
        response.data = _body(_first_message(_as_plain(detail)), str(code))
    return response
