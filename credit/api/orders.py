"""Open orders over the REST API: an integrator reports, replaces and closes them."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from credit.models import OpenOrder, OpenOrderStatus
from credit.selectors import open_order_list
from credit.services import open_order_close, open_order_replace_all, open_order_report
from crm.api.fields import MoneyField, VisibleRelatedField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from customers.models import Customer
from customers.selectors import customer_list


class _OrderLine(serializers.Serializer):
    external_reference = serializers.CharField(max_length=64)
    amount = MoneyField(help_text='Decimal string greater than zero, such as "1250.50".')
    currency = serializers.CharField(max_length=3)

    class Meta:
        ref_name = "OpenOrderLine"


@extend_schema(tags=["open orders"])
class OpenOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Orders accepted but not yet invoiced; open ones count in the customer's exposure."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        status = django_filters.ChoiceFilter(choices=OpenOrderStatus.choices)

        class Meta:
            model = OpenOrder
            fields = ["customer", "status"]

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = OpenOrder
            ref_name = "OpenOrder"
            fields = [
                "id", "customer", "external_reference", "amount", "currency", "status",
                "closed_at", "created_at", "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(_OrderLine):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)

        class Meta:
            ref_name = "OpenOrderReport"

    class ReplaceSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        orders = _OrderLine(many=True, allow_empty=True)

        class Meta:
            ref_name = "OpenOrderReplace"

    model = OpenOrder
    permission_classes = [HasModelPermission]
    action_permissions = {
        "replace": "credit.change_openorder",
        "close": "credit.change_openorder",
    }
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self) -> QuerySet[OpenOrder]:
        return open_order_list(user=self.request.user)

    @extend_schema(
        summary="List open orders", responses={200: OutputSerializer, **error_responses(400)}
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get an open order", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Report an open order (or replace its amount)",
        description=(
            "Upsert by customer and external_reference: 201 when new, 200 when the amount of "
            "a reported order was replaced (a closed order reopens). The currency must be the "
            "one the customer's credit is kept in."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer, 200: OutputSerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        order, created = open_order_report(**serializer.validated_data, user=request.user)
        return Response(
            self.OutputSerializer(order).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Replace all open orders of a customer",
        description=(
            "The listed orders become the customer's complete set of open orders; every other "
            "open order of the customer is closed. All or nothing."
        ),
        request=ReplaceSerializer,
        responses={200: OutputSerializer(many=True), **error_responses(400)},
    )
    @action(detail=False, methods=["post"])
    def replace(self, request: Request) -> Response:
        serializer = self.ReplaceSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        orders = open_order_replace_all(**serializer.validated_data, user=request.user)
        return Response(self.OutputSerializer(orders, many=True).data)

    @extend_schema(
        summary="Close an open order (invoiced or cancelled)",
        description="409 when it is already closed.",
        request=None,
        responses={200: OutputSerializer, **error_responses(404, 409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        order = open_order_close(order=self.get_object(), user=request.user)
        return Response(self.OutputSerializer(order).data)
