"""One error hierarchy for the whole product.

Services raise these; the API exception handler renders them as
``{"message", "code", "extra"}`` with the matching HTTP status.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the request. ``code`` is a stable snake_case string."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    """The input is wrong; ``extra["fields"]`` maps field names to messages."""

    status_code = 400
    default_code = "invalid"

    @classmethod
    def for_field(cls, field: str, message: str, code: str | None = None) -> ValidationFailed:
        return cls(message, code=code, extra={"fields": {field: [message]}})


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"


class Conflict(ApplicationError):
    """The request is valid but clashes with the current state (duplicates, races)."""

    status_code = 409
    default_code = "conflict"
