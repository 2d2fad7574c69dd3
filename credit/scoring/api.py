"""Credit scores and backtests over the REST API (read only)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from credit.models import CreditBacktest, CreditScore
from credit.scoring.selectors import credit_backtest_list, credit_score_latest_list
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from crm.exceptions import NotFound


@extend_schema(tags=["credit"])
class CreditScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The latest credit score of each customer the user may see (a sales rep: their own)."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        grade = django_filters.CharFilter(field_name="grade", help_text="Risk grade, A to E.")

        class Meta:
            model = CreditScore
            fields = ["customer", "grade"]

    class OutputSerializer(serializers.ModelSerializer):
        customer_code = serializers.CharField(source="customer.code", read_only=True)
        probability_of_default = serializers.DecimalField(
            max_digits=5, decimal_places=4, read_only=True, allow_null=True,
            help_text="Probability of default of the grade, from the latest backtest.",
        )  # fmt: skip
        components = serializers.JSONField(
            read_only=True,
            help_text='{component: {"value", "points", "max_points"}}; value null = no data.',
        )
        reasons = serializers.JSONField(
            read_only=True,
            help_text='Up to three {"component", "points_lost", "value", "text"}, most first.',
        )

        class Meta:
            model = CreditScore
            ref_name = "CreditScore"
            fields = [
                "id", "customer", "customer_code", "computed_at", "as_of", "score", "grade",
                "probability_of_default", "version", "components", "reasons",
            ]  # fmt: skip
            read_only_fields = fields

    model = CreditScore
    permission_classes = [HasModelPermission]
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    search_fields = ["customer__code", "customer__name"]
    ordering_fields = ["score", "computed_at", "customer__code"]
    ordering = ["customer__code"]

    def scoped_queryset(self) -> QuerySet[CreditScore]:
        return credit_score_latest_list(user=self.request.user)

    @extend_schema(
        summary="List the latest credit score of each customer",
        responses={200: OutputSerializer, **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get one latest credit score",
        responses={200: OutputSerializer, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)


@extend_schema(tags=["credit"])
class CreditBacktestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Backtest runs of the scorecard, newest first (credit managers and finance admins)."""

    class OutputSerializer(serializers.ModelSerializer):
        grades = serializers.JSONField(
            read_only=True,
            help_text='Best grade first: {"grade", "customers", "defaults", "default_rate", '
            '"probability_of_default"}.',
        )
        migration = serializers.JSONField(
            read_only=True, help_text="{grade at the observation date: {grade now: customers}}."
        )
        roc = serializers.JSONField(
            read_only=True, help_text="[false positive rate, true positive rate] points."
        )
        ks_curve = serializers.JSONField(
            read_only=True,
            help_text="[score, share of defaulters at or below, share of non-defaulters at or below].",
        )

        class Meta:
            model = CreditBacktest
            ref_name = "CreditBacktest"
            fields = [
                "id", "computed_at", "as_of", "observation_date", "version", "customers",
                "defaults", "auc", "gini", "ks", "grades", "migration", "roc", "ks_curve",
            ]  # fmt: skip
            read_only_fields = fields

    model = CreditBacktest
    permission_classes = [HasModelPermission]
    serializer_class = OutputSerializer
    ordering_fields = ["computed_at"]
    ordering = ["-computed_at"]
    action_permissions = {"latest": "credit.view_creditbacktest"}

    def scoped_queryset(self) -> QuerySet[CreditBacktest]:
        return credit_backtest_list()

    @extend_schema(
        summary="List backtest runs, newest first",
        responses={200: OutputSerializer, **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get one backtest run",
        responses={200: OutputSerializer, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Get the newest backtest run",
        responses={200: OutputSerializer, **error_responses(404)},
    )
    @action(detail=False, methods=["get"])
    def latest(self, request: Request) -> Response:
        backtest = self.get_queryset().first()
        if backtest is None:
            raise NotFound(
                "No backtest has run yet; it runs nightly, or run "
                "`manage.py credit_score --backtest`.",
                code="no_backtest",
            )
        return Response(self.OutputSerializer(backtest).data)
