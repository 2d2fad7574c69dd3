"""Runs of the nightly pipeline over the REST API: status, progress and problems."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.kpis.customers import pipeline_run_list
from analytics.models import PipelineRun, RunStatus
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet


class PipelineRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = PipelineRun
        fields = ["status"]


class PipelineRunOutputSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = PipelineRun
        ref_name = "PipelineRun"
        fields = [
            "id", "as_of", "status", "base_currency", "started_at", "finished_at", "chunk_size",
            "chunks_total", "chunks_done", "chunks_failed", "customers_total", "customers_done",
            "tier_changes", "progress_percent", "problems", "error", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


@extend_schema(tags=["analytics"])
class PipelineRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Nightly pipeline runs, newest first."""

    model = PipelineRun
    permission_classes = [HasModelPermission]
    serializer_class = PipelineRunOutputSerializer
    filterset_class = PipelineRunFilterSet
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self) -> QuerySet[PipelineRun]:
        return pipeline_run_list()

    @extend_schema(
        summary="List pipeline runs",
        description="`problems` lists what the run could not compute, in plain language.",
        responses={200: PipelineRunOutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a pipeline run",
        responses={200: PipelineRunOutputSerializer, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)
