"""Renderers for the API's file answers (PDF statements, CSV aging tables).

Such a view returns a finished ``HttpResponse`` on success; the renderer only lets
content negotiation accept ``Accept: application/pdf`` or ``Accept: text/csv``.
Errors are always JSON (see ``JsonErrorsMixin``).
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response


class _FileRenderer(BaseRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict | None = None,
    ) -> bytes:
        # Views answer files with an HttpResponse and errors as JSON, so this is a fallback.
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class PdfRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class JsonErrorsMixin:
    """Errors are the JSON error body, whatever file type the client accepted."""

    def handle_exception(self, exc: Exception) -> Response:
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)  # type: ignore[misc]
