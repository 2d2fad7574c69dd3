"""Allocations (payment applied to invoice) over the REST API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.fields import MoneyField, VisibleRelatedField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from receivables.models import Allocation, Invoice, Payment
from receivables.selectors import allocation_active_q, allocation_list, invoice_list, payment_list
from receivables.services import allocation_create, allocation_unapply


@extend_schema(tags=["allocations"])
class AllocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Allocations between payments and invoices of the customers the user may see."""

    class FilterSet(django_filters.FilterSet):
        payment = IdFilter(field_name="payment", help_text="Payment id.")
        invoice = IdFilter(field_name="invoice", help_text="Invoice id.")
        is_active = django_filters.BooleanFilter(
            method="filter_is_active", help_text="Not unapplied."
        )

        class Meta:
            model = Allocation
            fields = ["payment", "invoice"]

        def filter_is_active(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
            condition = allocation_active_q()
            return queryset.filter(condition) if value else queryset.exclude(condition)

    class OutputSerializer(serializers.ModelSerializer):
        currency = serializers.CharField(source="invoice.currency", read_only=True)
        is_active = serializers.BooleanField(read_only=True, help_text="Not unapplied.")

        class Meta:
            model = Allocation
            ref_name = "Allocation"
            fields = [
                "id", "payment", "invoice", "external_id", "amount", "currency", "allocated_on",
                "is_active", "unapplied_at", "created_by", "created_at",
            ]  # fmt: skip
            read_only_fields = fields
            extra_kwargs = {
                "external_id": {"help_text": "Your system's key for the allocation, if sent."}
            }

    class InputSerializer(serializers.Serializer):
        payment = VisibleRelatedField(model=Payment, selector=payment_list)
        invoice = VisibleRelatedField(model=Invoice, selector=invoice_list)
        amount = MoneyField(help_text='Decimal string, greater than zero, such as "250.00".')
        allocated_on = serializers.DateField(
            required=False,
            allow_null=True,
            help_text="Defaults to the later of the payment's received date and today.",
        )
        external_id = serializers.CharField(
            max_length=64,
            required=False,
            allow_null=True,
            allow_blank=True,
            help_text=(
                "Your system's key for this allocation, unique among allocations. Send it so "
                "a retry is safe: an allocation already made under it is not applied again but "
                "answered 409 duplicate_external_id with its id in extra.existing_id."
            ),
        )

        class Meta:
            ref_name = "Allocation"

        def validate_external_id(self, value: str | None) -> str | None:
            return value or None

    model = Allocation
    permission_classes = [HasModelPermission]
    action_permissions = {"unapply": "receivables.change_allocation"}
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["allocated_on", "amount", "created_at"]
    ordering = ["-allocated_on", "-id"]

    def scoped_queryset(self) -> QuerySet[Allocation]:
        return allocation_list(user=self.request.user)

    @extend_schema(
        summary="List allocations",
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get an allocation", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Apply part of a payment to an invoice",
        description=(
            "Applies the amount under row locks: 400 for an allocation that can never fit, 409 "
            "over_allocation_invoice / over_allocation_payment when a concurrent allocation "
            "took the room. Send external_id to make retries safe: repeating a request whose "
            "allocation was already made (say its answer was lost to a timeout) applies "
            "nothing and answers 409 duplicate_external_id with the allocation's id in "
            "extra.existing_id; treat it as success. Two copies sent at the same moment "
            "apply once, the other answers 409 (duplicate_external_id, or conflict when they "
            "met at the database's unique key)."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        allocation = allocation_create(**serializer.validated_data, user=request.user)
        return Response(self.OutputSerializer(allocation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take an allocation back",
        description=(
            "The invoice reopens by the amount and the payment regains it as unapplied money. "
            "The allocation stays, marked unapplied, for the audit trail; unapplying it again "
            "is a 409."
        ),
        request=None,
        responses={200: OutputSerializer, **error_responses(404, 409)},
    )
    @action(detail=True, methods=["post"])
    def unapply(self, request: Request, pk: str | None = None) -> Response:
        allocation = allocation_unapply(allocation=self.get_object(), user=request.user)
        return Response(self.OutputSerializer(allocation).data)
