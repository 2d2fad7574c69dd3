"""Tables as CSV and XLSX downloads (money stays exact decimal text/numbers)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import tablib
from django.http import HttpResponse

from crm.exports import spreadsheet_safe
from receivables.aging import GROUP_FIELD_NAMES, GROUPINGS, AgingReport

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_response(
    *, headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, file_format: str
) -> HttpResponse:
    dataset = tablib.Dataset(headers=list(headers))
    for row in rows:
        # Decimals stay Decimals: exact text in CSV, numbers in XLSX; text a spreadsheet
        # would run as a formula is escaped.
        dataset.append([spreadsheet_safe(cell) for cell in row])
    content = dataset.export(file_format)
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response


def aging_table(report: AgingReport) -> tuple[list[str], list[list[Any]]]:
    group_fields = list(GROUPINGS[report.group_by][0])
    headers = [
        *(GROUP_FIELD_NAMES[name] for name in group_fields),
        "currency",
        *(bucket.label for bucket in report.buckets),
        "overdue",
        "total",
    ]
    rows = [
        [*(row.group.get(name) for name in group_fields), row.currency,
         *(row.buckets[bucket.key] for bucket in report.buckets), row.overdue, row.total]
        for row in report.rows
    ]  # fmt: skip
    return headers, rows
