"""Per-customer analytics over the REST API, scoped like the customers: a sales rep reads
their own customers, every other role the whole portfolio."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.kpis.customers import churn_warning_list, customer_metrics_list, loss_maker_list
from analytics.models import ClvMethod, CustomerMetrics, RfmSegment
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from customers.models import Tier


class CustomerMetricsFilterSet(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(field_name="customer__tier", choices=Tier.choices)
    rfm_segment = django_filters.ChoiceFilter(choices=RfmSegment.choices)
    clv_method = django_filters.ChoiceFilter(choices=ClvMethod.choices)
    is_churn_warning = django_filters.BooleanFilter()
    is_loss_making = django_filters.BooleanFilter()

    class Meta:
        model = CustomerMetrics
        fields = ["rfm_segment", "clv_method", "is_churn_warning", "is_loss_making"]


class CustomerMetricsOutputSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    sales_rep = serializers.IntegerField(source="customer.sales_rep_id", read_only=True)
    tier = serializers.CharField(source="customer.tier", read_only=True)

    class Meta:
        model = CustomerMetrics
        ref_name = "CustomerMetrics"
        fields = [
            "customer", "customer_code", "customer_name", "sales_rep", "tier", "as_of",
            "base_currency", "recency_days", "frequency_12m", "monetary_12m", "r_score",
            "f_score", "m_score", "rfm_segment", "clv", "clv_method", "expected_invoices",
            "probability_alive", "expected_margin_per_invoice", "revenue_net", "cost_of_goods",
            "cost_to_serve", "financing_cost", "write_offs", "contribution", "margin_12m",
            "is_loss_making", "weighted_days_late", "max_days_past_due", "usual_gap_days",
            "is_churn_warning", "churn_reason", "value_percentile", "tier_rule_name", "notes",
        ]  # fmt: skip
        read_only_fields = fields


class _MetricsViewSet(ScopedViewSet):
    model = CustomerMetrics
    permission_classes = [HasModelPermission]
    serializer_class = CustomerMetricsOutputSerializer


@extend_schema(tags=["analytics"])
class CustomerMetricsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _MetricsViewSet):
    """The nightly pipeline's figures per customer (RFM, CLV, profitability, churn, tier)."""

    filterset_class = CustomerMetricsFilterSet
    ordering_fields = ["clv", "contribution", "probability_alive", "recency_days"]
    ordering = ["customer__code"]

    def scoped_queryset(self) -> QuerySet[CustomerMetrics]:
        return customer_metrics_list(user=self.request.user)

    @extend_schema(
        summary="List customer metrics",
        description=(
            "Money in `base_currency`. `clv_method` says which method produced `clv`: "
            "`bgnbd_gg` (model fit), `historic` (fallback) or `none`. `notes` lists what could "
            "not be computed for the customer."
        ),
        responses={200: CustomerMetricsOutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get one customer's metrics (by customer id)",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Customer id."
            )
        ],
        responses={200: CustomerMetricsOutputSerializer, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)


@extend_schema(tags=["analytics"])
class LossMakerViewSet(mixins.ListModelMixin, _MetricsViewSet):
    """Loss-making customers, largest loss first, with the components of the contribution."""

    def scoped_queryset(self) -> QuerySet[CustomerMetrics]:
        return loss_maker_list(user=self.request.user)

    @extend_schema(
        summary="List loss-making customers",
        description=(
            "contribution = revenue_net − cost_of_goods − cost_to_serve − financing_cost − "
            "write_offs (trailing 12 months), below zero."
        ),
        responses={200: CustomerMetricsOutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)


@extend_schema(tags=["analytics"])
class ChurnWarningViewSet(mixins.ListModelMixin, _MetricsViewSet):
    """Customers with a churn warning, the most valuable first."""

    def scoped_queryset(self) -> QuerySet[CustomerMetrics]:
        return churn_warning_list(user=self.request.user)

    @extend_schema(
        summary="List churn warnings",
        description="`churn_reason` says why: low P(alive), or recency far beyond the usual gap.",
        responses={200: CustomerMetricsOutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)
