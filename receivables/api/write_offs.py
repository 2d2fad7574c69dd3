"""Write-offs over the REST API: read, and write off through the service (finance admins)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.fields import MoneyField, VisibleRelatedField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from receivables.models import Invoice, WriteOff
from receivables.selectors import invoice_list, write_off_list
from receivables.services import write_off_create


@extend_schema(tags=["write-offs"])
class WriteOffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Write-offs on invoices of the customers the user may see."""

    class FilterSet(django_filters.FilterSet):
        invoice = IdFilter(field_name="invoice", help_text="Invoice id.")
        customer = IdFilter(field_name="invoice__customer", help_text="Customer id.")
        written_off_on_from = django_filters.DateFilter(
            field_name="written_off_on", lookup_expr="gte"
        )
        written_off_on_to = django_filters.DateFilter(
            field_name="written_off_on", lookup_expr="lte"
        )

        class Meta:
            model = WriteOff
            fields = ["invoice"]

    class OutputSerializer(serializers.ModelSerializer):
        customer = serializers.IntegerField(source="invoice.customer_id", read_only=True)
        currency = serializers.CharField(source="invoice.currency", read_only=True)

        class Meta:
            model = WriteOff
            ref_name = "WriteOff"
            fields = [
                "id", "invoice", "customer", "amount", "currency", "written_off_on", "reason",
                "created_by", "created_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        invoice = VisibleRelatedField(model=Invoice, selector=invoice_list)
        amount = MoneyField(
            help_text='Decimal string, greater than zero and at most the open amount, such as "40.00".'
        )
        reason = serializers.CharField(max_length=255)
        written_off_on = serializers.DateField(
            required=False, allow_null=True, help_text="Defaults to today."
        )

        class Meta:
            ref_name = "WriteOff"

    model = WriteOff
    permission_classes = [HasModelPermission]
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["written_off_on", "amount", "created_at"]
    ordering = ["-written_off_on", "-id"]

    def scoped_queryset(self) -> QuerySet[WriteOff]:
        return write_off_list(user=self.request.user)

    @extend_schema(
        summary="List write-offs", responses={200: OutputSerializer, **error_responses(400, 404)}
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a write-off", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Write off part or all of an invoice's open amount",
        description=(
            "Finance admins only (403 for every other role, even one granted the model "
            "permission). 400 when the amount is above what is open; 409 when the invoice is "
            "void or already written off."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        write_off = write_off_create(**serializer.validated_data, user=request.user)
        return Response(self.OutputSerializer(write_off).data, status=status.HTTP_201_CREATED)
