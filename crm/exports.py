"""Cells that a spreadsheet must not run: CSV/formula injection in exported files.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read by Excel, LibreOffice and Google Sheets as a formula; customer names and
references come from integrators and imports, so an export could carry
``=HYPERLINK(...)`` to whoever opens it. Such a cell is written with a leading
apostrophe (shown as text, OWASP's advice). Numbers, and text that is just a
number ("-12.50"), are left alone.
"""

from __future__ import annotations

import re
from typing import Any

import tablib
from import_export.formats.base_formats import CSV, XLSX

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """The value, with a leading apostrophe when it is text a spreadsheet would run."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _safe_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        safe.append([spreadsheet_safe(cell) for cell in row])
    return safe


class SafeCSV(CSV):
    """django-import-export's CSV, with formula cells escaped on export."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Any:
        return super().export_data(_safe_dataset(dataset), **kwargs)


class SafeXLSX(XLSX):
    """django-import-export's XLSX, with formula cells escaped on export."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Any:
        return super().export_data(_safe_dataset(dataset), **kwargs)
