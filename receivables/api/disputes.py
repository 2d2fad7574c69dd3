"""Disputes over the REST API: open and resolve through the services."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.fields import VisibleRelatedField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from receivables.models import Dispute, DisputeStatus, Invoice
from receivables.selectors import dispute_list, invoice_list
from receivables.services import dispute_open, dispute_resolve


@extend_schema(tags=["disputes"])
class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Disputes on invoices of the customers the user may see. A disputed invoice stays
    in the balance; dunning pauses on it until the dispute is resolved."""

    class FilterSet(django_filters.FilterSet):
        invoice = IdFilter(field_name="invoice", help_text="Invoice id.")
        customer = IdFilter(field_name="invoice__customer", help_text="Customer id.")
        status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
        opened_on_from = django_filters.DateFilter(field_name="opened_on", lookup_expr="gte")
        opened_on_to = django_filters.DateFilter(field_name="opened_on", lookup_expr="lte")

        class Meta:
            model = Dispute
            fields = ["invoice", "status"]

    class OutputSerializer(serializers.ModelSerializer):
        customer = serializers.IntegerField(source="invoice.customer_id", read_only=True)

        class Meta:
            model = Dispute
            ref_name = "Dispute"
            fields = [
                "id", "invoice", "customer", "status", "reason", "opened_on", "opened_by",
                "resolved_on", "resolution", "created_at", "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        invoice = VisibleRelatedField(model=Invoice, selector=invoice_list)
        reason = serializers.CharField(max_length=255)
        opened_on = serializers.DateField(
            required=False, allow_null=True, help_text="Defaults to today."
        )

        class Meta:
            ref_name = "Dispute"

    class ResolveInputSerializer(serializers.Serializer):
        resolution = serializers.CharField(max_length=255, help_text="How it was settled.")
        resolved_on = serializers.DateField(
            required=False, allow_null=True, help_text="Defaults to today."
        )

        class Meta:
            ref_name = "DisputeResolution"

    model = Dispute
    permission_classes = [HasModelPermission]
    action_permissions = {"resolve": "receivables.change_dispute"}
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["opened_on", "resolved_on", "created_at"]
    ordering = ["-opened_on", "-id"]

    def scoped_queryset(self) -> QuerySet[Dispute]:
        return dispute_list(user=self.request.user)

    @extend_schema(
        summary="List disputes", responses={200: OutputSerializer, **error_responses(400, 404)}
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a dispute", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Open a dispute on an invoice",
        description=(
            "409 when the invoice is settled, void or written off, or already has an open dispute."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        dispute = dispute_open(**serializer.validated_data, user=request.user)
        return Response(self.OutputSerializer(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Resolve a dispute",
        description="Dunning resumes on the invoice. Resolving it again is a 409.",
        request=ResolveInputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        dispute = self.get_object()
        serializer = self.ResolveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = dispute_resolve(dispute=dispute, user=request.user, **serializer.validated_data)
        return Response(self.OutputSerializer(dispute).data)
