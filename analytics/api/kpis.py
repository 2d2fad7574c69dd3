"""Portfolio KPI snapshots over the REST API (finance admins and credit managers)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.kpis.selectors import kpi_snapshot_list
from analytics.models import KpiDimension, KpiSnapshot
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from crm.exceptions import ValidationFailed


class KpiSnapshotFilterSet(django_filters.FilterSet):
    dimension = django_filters.ChoiceFilter(
        choices=KpiDimension.choices, help_text="portfolio, tier, region or sales_rep."
    )
    key = django_filters.CharFilter(
        help_text="Tier or region code, sales rep id; empty for the portfolio or no sales rep."
    )
    date_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = KpiSnapshot
        fields = ["dimension", "key"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationFailed.for_field(
                "date_from",
                f"date_from ({data['date_from']}) is after date_to ({data['date_to']}); swap them.",
                code="date_range_reversed",
            )
        return super().filter_queryset(queryset)


class KpiSnapshotOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiSnapshot
        ref_name = "KpiSnapshot"
        fields = [
            "id", "as_of", "dimension", "key", "label", "currency", "period_days",
            "beginning_ar", "ending_ar", "ending_current_ar", "ar_over_90", "credit_sales",
            "write_offs", "customer_count", "dso", "countback_dso", "best_possible_dso",
            "average_days_delinquent",
            "collection_effectiveness_index", "bad_debt_ratio", "over_90_percent",
            "missing_fx_currencies", "aging_buckets", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema(tags=["analytics"])
class KpiSnapshotViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Daily snapshots of DSO, countback DSO, best possible DSO, ADD, CEI, bad-debt ratio and
    % of AR over 90 days, for the portfolio and per tier, region and sales rep."""

    model = KpiSnapshot
    permission_classes = [HasModelPermission]
    serializer_class = KpiSnapshotOutputSerializer
    filterset_class = KpiSnapshotFilterSet
    ordering_fields = ["as_of", "dso", "collection_effectiveness_index"]
    ordering = ["-as_of", "dimension", "key"]

    def scoped_queryset(self) -> QuerySet[KpiSnapshot]:
        return kpi_snapshot_list()

    @extend_schema(
        summary="List KPI snapshots",
        description=(
            "Amounts are decimal strings in `currency` (the base currency). A figure that is "
            "not defined on the day (no credit sales in the period, nothing collectible) is "
            "null. `missing_fx_currencies` names currencies without an FX rate on the day: "
            "their receivables are left out of the figures, never converted at 1.0."
        ),
        responses={200: KpiSnapshotOutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)
