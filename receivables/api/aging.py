"""The aging report over the REST API: open receivables in buckets by days past due."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from crm.api.fields import MoneyField
from crm.api.pagination import StandardPagination
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.exceptions import NotFound
from crm.money import CURRENCY_CHOICES
from receivables.aging import GROUP_FIELD_NAMES, GROUPINGS, AgingReport, AgingRow, aging_report
from receivables.api.renderers import CsvRenderer, JsonErrorsMixin
from receivables.exports import aging_table, table_response

_JSON = "application/json"

_GROUP_HELP = (
    "What the row is for: portfolio and currency rows have no fields; customer rows have "
    "customer_id, customer_code and customer_name; sales_rep rows sales_rep_id and "
    "sales_rep_username (null for customers without a rep); region rows region; tier rows tier."
)


class AgingQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="Date the days past due are counted on (YYYY-MM-DD); today."
    )
    group_by = serializers.ChoiceField(
        choices=list(GROUPINGS), default="portfolio", help_text="One row per group and currency."
    )
    currency = serializers.ChoiceField(
        choices=CURRENCY_CHOICES, required=False, help_text="Only invoices in this currency."
    )
    page = serializers.IntegerField(min_value=1, default=1)
    page_size = serializers.IntegerField(
        min_value=1,
        max_value=StandardPagination.max_page_size,
        default=StandardPagination.page_size,
    )

    class Meta:
        ref_name = "AgingQuery"


class AgingBucketSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Key of the bucket in every row's buckets.")
    label = serializers.CharField(help_text="Days past due, such as 1–30; Current is not due.")

    class Meta:
        ref_name = "AgingBucket"


class AgingTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    buckets = serializers.DictField(
        child=MoneyField(), help_text="Open amount per bucket key, as decimal strings."
    )
    overdue = MoneyField(help_text="Open amount past its due date on as_of.")
    total = MoneyField(help_text="All open amount.")

    class Meta:
        ref_name = "AgingTotal"


class AgingRowSerializer(AgingTotalSerializer):
    group = serializers.DictField(help_text=_GROUP_HELP)

    class Meta:
        ref_name = "AgingRow"


@extend_schema_serializer(many=False)
class AgingReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    group_by = serializers.ChoiceField(choices=list(GROUPINGS))
    buckets = AgingBucketSerializer(many=True, help_text="The buckets, in order.")
    totals = AgingTotalSerializer(
        many=True, help_text="Per currency over all rows, whatever the page; never mixed."
    )
    count = serializers.IntegerField(help_text="Number of rows over all pages.")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")
    rows = AgingRowSerializer(
        many=True, help_text="One per group and currency, largest overdue amount first."
    )

    class Meta:
        ref_name = "AgingReport"


def _group(group: dict[str, Any]) -> dict[str, Any]:
    return {GROUP_FIELD_NAMES.get(name, name): value for name, value in group.items()}


def _amounts(row: AgingRow) -> dict[str, Any]:
    return {
        "currency": row.currency,
        "buckets": row.buckets,
        "overdue": row.overdue,
        "total": row.total,
    }


@extend_schema(tags=["reports"])
class AgingViewSet(JsonErrorsMixin, viewsets.ViewSet):
    """Open receivables of the customers the user may see, in aging buckets."""

    permission_classes = [HasModelPermission]
    action_permissions = {
        "list": "receivables.view_invoice",
        "metadata": "receivables.view_invoice",
    }
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        summary="Aging report",
        description=(
            "Open amounts per group and currency in buckets by days past due on `as_of` "
            "(bucket edges are a setting). Amounts in different currencies are never added "
            "up. With `Accept: text/csv` the answer is every row (no paging) as a CSV file."
        ),
        parameters=[AgingQuerySerializer],
        responses={
            (200, _JSON): AgingReportSerializer,
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="Every row as CSV, for a spreadsheet."
            ),
            **error_responses(400, 404, media_type=_JSON),
        },
    )
    def list(self, request: Request) -> Response | HttpResponse:
        query = AgingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        as_of = params.get("as_of") or timezone.localdate()
        exporting = request.accepted_renderer.format == CsvRenderer.format
        page, page_size = params["page"], params["page_size"]
        report = aging_report(
            user=request.user,
            as_of=as_of,
            group_by=params["group_by"],
            currency=params.get("currency"),
            limit=None if exporting else page_size,
            offset=0 if exporting else (page - 1) * page_size,
        )
        if exporting:
            headers, rows = aging_table(report)
            return table_response(
                headers=headers,
                rows=rows,
                filename=f"aging-{report.group_by}-{report.as_of}",
                file_format="csv",
            )
        rows = report.rows
        if page > 1 and not rows:
            raise NotFound(
                f"Page {page} is past the last page of {report.row_count} rows; "
                "ask for a lower page.",
                code="not_found",
            )
        return Response(AgingReportSerializer(_page(request, report, rows, page, page_size)).data)


def _page(
    request: Request, report: AgingReport, rows: list[AgingRow], page: int, page_size: int
) -> dict[str, Any]:
    url = request.build_absolute_uri()
    has_next = (page - 1) * page_size + len(rows) < report.row_count
    previous = None
    if page > 1:
        previous = (
            remove_query_param(url, "page")
            if page == 2
            else replace_query_param(url, "page", page - 1)
        )
    return {
        "as_of": report.as_of,
        "group_by": report.group_by,
        "buckets": [{"key": b.key, "label": b.label} for b in report.buckets],
        "totals": [_amounts(row) for _, row in sorted(report.totals.items())],
        "count": report.row_count,
        "next": replace_query_param(url, "page", page + 1) if has_next else None,
        "previous": previous,
        "rows": [{"group": _group(row.group), **_amounts(row)} for row in rows],
    }
