"""Clerk KPIs over the REST API."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from receivables.collections.kpi_views import DEFAULT_WEEKS
from receivables.collections.kpis import clerk_kpis
from receivables.collections.services import WORK_PERMISSION
from receivables.models import CollectionActivity


class _KpiRowSerializer(serializers.Serializer):
    clerk_id = serializers.IntegerField(allow_null=True, help_text="null: the dunning run.")
    clerk = serializers.CharField()
    week = serializers.CharField(help_text="ISO week, such as 2026-W47.")
    week_start = serializers.DateField()
    promises_made = serializers.IntegerField()
    promises_kept = serializers.IntegerField()
    promises_broken = serializers.IntegerField()
    collected_after_contact = serializers.DictField(
        child=serializers.DecimalField(max_digits=18, decimal_places=2),
        help_text="Currency -> amount (decimal string).",
    )
    notices_sent = serializers.DictField(
        child=serializers.IntegerField(), help_text="Level position -> notices sent."
    )


class _KpisSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    window_days = serializers.IntegerField()
    rows = _KpiRowSerializer(many=True)


class WorklistKpiViewSet(ScopedViewSet):
    """Promises kept/broken, amount collected after contact and notices sent per
    level, per clerk and ISO week."""

    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField(required=False, default=None)
        date_to = serializers.DateField(required=False, default=None)
        clerk = serializers.IntegerField(min_value=1, required=False, default=None)

        def validate(self, data: dict) -> dict:
            start, end = data["date_from"], data["date_to"]
            if start and end and start > end:
                raise serializers.ValidationError("date_from is after date_to; swap them.")
            if start and end and (end - start).days > 366:
                raise serializers.ValidationError("Ask for at most a year at a time.")
            return data

    model = CollectionActivity
    permission_classes = [HasModelPermission]
    action_permissions = {"list": WORK_PERMISSION}
    filter_backends: list = []
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[CollectionActivity]:
        return CollectionActivity.objects.none()

    @extend_schema(
        summary="Clerk KPIs per clerk and ISO week",
        parameters=[FilterSerializer],
        responses={200: _KpisSerializer, **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        date_to = data["date_to"] or timezone.localdate()
        date_from = data["date_from"] or (
            date_to - timedelta(days=date_to.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1)
        )
        kpis = clerk_kpis(date_from=date_from, date_to=date_to, clerk_id=data["clerk"])
        return Response(_KpisSerializer(kpis).data)
