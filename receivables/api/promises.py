"""Promises to pay over the REST API: record and cancel through the services."""

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
from customers.models import Customer
from customers.selectors import customer_list
from receivables.models import Invoice, PromiseStatus, PromiseToPay
from receivables.selectors import invoice_list, promise_to_pay_list
from receivables.services import promise_to_pay_cancel, promise_to_pay_create


@extend_schema(tags=["promises"])
class PromiseToPayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Promises to pay of the customers the user may see. While a promise is open,
    dunning skips the invoices it covers; a daily run marks it kept or broken."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        status = django_filters.ChoiceFilter(choices=PromiseStatus.choices)
        promised_date_from = django_filters.DateFilter(
            field_name="promised_date", lookup_expr="gte"
        )
        promised_date_to = django_filters.DateFilter(field_name="promised_date", lookup_expr="lte")

        class Meta:
            model = PromiseToPay
            fields = ["customer", "status"]

    class OutputSerializer(serializers.ModelSerializer):
        invoices = serializers.PrimaryKeyRelatedField(
            many=True, read_only=True, help_text="Ids of the invoices the promise covers."
        )
        amount_received = MoneyField(
            read_only=True, help_text="Payments received since the promise was made, up to it."
        )

        class Meta:
            model = PromiseToPay
            ref_name = "PromiseToPay"
            fields = [
                "id", "customer", "invoices", "amount", "currency", "promised_date", "made_on",
                "status", "amount_received", "closed_on", "note", "created_by", "created_at",
                "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        amount = MoneyField(help_text='Decimal string, greater than zero, such as "500.00".')
        promised_date = serializers.DateField(help_text="Today or later.")
        invoices = VisibleRelatedField(
            model=Invoice,
            selector=invoice_list,
            many=True,
            required=False,
            help_text=(
                "Ids of the customer's open invoices the promise covers, all in one currency "
                "(the promise's currency); leave out for a promise on the account, in the "
                "customer's currency."
            ),
        )
        note = serializers.CharField(max_length=255, required=False, allow_blank=True)

        class Meta:
            ref_name = "PromiseToPay"

    model = PromiseToPay
    permission_classes = [HasModelPermission]
    action_permissions = {"cancel": "receivables.change_promisetopay"}
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["promised_date", "made_on", "amount", "created_at"]
    ordering = ["-made_on", "-id"]

    def scoped_queryset(self) -> QuerySet[PromiseToPay]:
        return promise_to_pay_list(user=self.request.user)

    @extend_schema(
        summary="List promises to pay",
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a promise to pay", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Record a promise to pay",
        description="400 when the promised date is in the past or an invoice has nothing open.",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        promise = promise_to_pay_create(**serializer.validated_data, user=request.user)
        return Response(self.OutputSerializer(promise).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel an open promise to pay",
        description="409 when the promise is already kept, broken or cancelled.",
        request=None,
        responses={200: OutputSerializer, **error_responses(404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        promise = promise_to_pay_cancel(promise=self.get_object(), user=request.user)
        return Response(self.OutputSerializer(promise).data)
