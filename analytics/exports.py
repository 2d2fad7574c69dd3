"""CSV and XLSX downloads of every table on the analytics pages.

A table is a list of ``Column(header, value)``; rows are read lazily, so a CSV
of the whole portfolio streams row by row instead of being built in memory.
XLSX is written in openpyxl's write-only mode (rows are not kept as cell
objects). Money stays exact: Decimal text in CSV, numbers in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

from crm.exports import spreadsheet_safe

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


def _attr(path: str) -> Callable[[Any], Any]:
    def read(row: Any) -> Any:
        value = row
        for part in path.split("."):
            value = None if value is None else getattr(value, part, None)
        return value

    return read


def columns(*specs: tuple[str, str | Callable[[Any], Any]]) -> list[Column]:
    """``columns(("code", "customer.code"), ("clv", lambda m: ...))``."""
    return [
        Column(header, _attr(spec) if isinstance(spec, str) else spec) for header, spec in specs
    ]


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return spreadsheet_safe("; ".join(str(item) for item in value))
    if isinstance(value, bool) or value is None:
        return value
    if hasattr(value, "label") and hasattr(value, "value"):  # a choices member
        return value.value
    return spreadsheet_safe(value)  # names and notes come from integrators and imports


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(table: list[Column], rows: Iterable[Any]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([column.header for column in table])  # BOM: Excel reads UTF-8
    for row in rows:
        yield writer.writerow(
            ["" if (value := _cell(column.value(row))) is None else value for column in table]
        )


def _xlsx_bytes(table: list[Column], rows: Iterable[Any], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    sheet.append([column.header for column in table])
    for row in rows:
        sheet.append([_cell(column.value(row)) for column in table])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    *, table: list[Column], rows: Iterable[Any], filename: str, file_format: str
) -> HttpResponse | StreamingHttpResponse:
    """The rows as a download; ``file_format`` is ``csv`` (streamed) or ``xlsx``."""
    disposition = f'attachment; filename="{filename}.{file_format}"'
    if file_format == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            _csv_lines(table, rows), content_type=CONTENT_TYPES["csv"]
        )
    else:
        response = HttpResponse(
            _xlsx_bytes(table, rows, filename), content_type=CONTENT_TYPES["xlsx"]
        )
    response["Content-Disposition"] = disposition
    return response


# --- The tables -------------------------------------------------------------------

KPI_TABLE = columns(
    ("as_of", "as_of"),
    ("dimension", "dimension"),
    ("key", "key"),
    ("label", "label"),
    ("currency", "currency"),
    ("period_days", "period_days"),
    ("beginning_ar", "beginning_ar"),
    ("ending_ar", "ending_ar"),
    ("ending_current_ar", "ending_current_ar"),
    ("ar_over_90", "ar_over_90"),
    ("credit_sales", "credit_sales"),
    ("write_offs", "write_offs"),
    ("customer_count", "customer_count"),
    ("dso", "dso"),
    ("countback_dso", "countback_dso"),
    ("best_possible_dso", "best_possible_dso"),
    ("average_days_delinquent", "average_days_delinquent"),
    ("cei_percent", "collection_effectiveness_index"),
    ("bad_debt_ratio_percent", "bad_debt_ratio"),
    ("over_90_percent", "over_90_percent"),
    ("missing_fx_currencies", "missing_fx_currencies"),
    (
        "aging_buckets",
        lambda row: "; ".join(f"{b['label']}={b['amount']}" for b in row.aging_buckets or []),
    ),
)

_CUSTOMER = (
    ("customer_id", "customer.pk"),
    ("customer_code", "customer.code"),
    ("customer_name", "customer.name"),
    ("sales_rep", "customer.sales_rep.username"),
)

LOSS_MAKER_TABLE = columns(
    *_CUSTOMER,
    ("currency", "base_currency"),
    ("revenue_net", "revenue_net"),
    ("cost_of_goods", "cost_of_goods"),
    ("cost_to_serve", "cost_to_serve"),
    ("financing_cost", "financing_cost"),
    ("write_offs", "write_offs"),
    ("contribution", "contribution"),
    ("as_of", "as_of"),
)

CHURN_WARNING_TABLE = columns(
    *_CUSTOMER,
    ("tier", "customer.tier"),
    ("probability_alive", "probability_alive"),
    ("recency_days", "recency_days"),
    ("usual_gap_days", "usual_gap_days"),
    ("reason", "churn_reason"),
    ("currency", "base_currency"),
    ("clv", "clv"),
    ("clv_method", "clv_method"),
    ("as_of", "as_of"),
)

MY_CUSTOMERS_TABLE = columns(
    ("customer_id", "pk"),
    ("customer_code", "code"),
    ("customer_name", "name"),
    ("sales_rep", "sales_rep.username"),
    ("tier", "tier"),
    ("currency", "currency"),
    ("open_balance", "open_balance"),
    ("overdue", "overdue_amount"),
    ("credit_limit", "credit_profile.credit_limit"),
    ("exposure", "exposure"),
    ("available_credit", "available_credit"),
    ("on_hold", "credit_profile.is_on_hold"),
    ("clv_currency", "metrics.base_currency"),
    ("clv", "metrics.clv"),
    ("clv_method", "metrics.clv_method"),
    ("rfm_segment", "metrics.rfm_segment"),
    ("rfm_score", lambda c: _rfm_score(getattr(c, "metrics", None))),
    ("churn_warning", "metrics.is_churn_warning"),
)

TIER_TABLE = columns(("tier", lambda row: row[0]), ("customers", lambda row: row[1]))


def _rfm_score(metrics: Any) -> str:
    if metrics is None or metrics.r_score is None:
        return ""
    return f"{metrics.r_score}{metrics.f_score}{metrics.m_score}"
