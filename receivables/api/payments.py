"""Payments over the REST API: read with what is applied, record through the service."""

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
from crm.money import CURRENCY_CHOICES
from customers.models import Customer
from customers.selectors import customer_list
from receivables.api.allocations import AllocationViewSet
from receivables.models import Payment, PaymentMethod
from receivables.selectors import payment_list
from receivables.services import payment_apply_oldest_first, payment_create


@extend_schema(tags=["payments"])
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Payments of the customers the user may see."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
        currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES)
        received_date_from = django_filters.DateFilter(
            field_name="received_date", lookup_expr="gte"
        )
        received_date_to = django_filters.DateFilter(field_name="received_date", lookup_expr="lte")

        class Meta:
            model = Payment
            fields = ["customer", "method", "currency"]

    class OutputSerializer(serializers.ModelSerializer):
        unapplied_amount = MoneyField(
            read_only=True, help_text="Part of the payment not yet applied to invoices."
        )

        class Meta:
            model = Payment
            ref_name = "Payment"
            fields = [
                "id", "customer", "external_id", "received_date", "amount", "currency", "method",
                "reference", "amount_allocated", "unapplied_amount", "status", "created_at",
                "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        received_date = serializers.DateField()
        amount = MoneyField(help_text='Decimal string, greater than zero, such as "1250.00".')
        currency = serializers.CharField(
            max_length=3,
            required=False,
            allow_null=True,
            help_text="ISO-4217 code; defaults to the customer's currency.",
        )
        method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False)
        reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
        external_id = serializers.CharField(
            max_length=64, required=False, allow_null=True, allow_blank=True
        )

        class Meta:
            ref_name = "Payment"

        def validate_external_id(self, value: str | None) -> str | None:
            return value or None

    class ApplyInputSerializer(serializers.Serializer):
        applied_on = serializers.DateField(
            required=False,
            allow_null=True,
            help_text="Defaults to the later of the payment's received date and today.",
        )

        class Meta:
            ref_name = "PaymentApply"

    class ApplyOutputSerializer(serializers.Serializer):
        payment = serializers.IntegerField(help_text="The payment's id.")
        currency = serializers.CharField()
        allocations = AllocationViewSet.OutputSerializer(
            many=True, help_text="The allocations created, oldest due invoice first."
        )
        unapplied_amount = MoneyField(
            help_text="What is left of the payment after applying: the customer's credit."
        )

        class Meta:
            ref_name = "PaymentApplication"

    model = Payment
    permission_classes = [HasModelPermission]
    action_permissions = {"apply": "receivables.add_allocation"}
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    search_fields = ["reference", "external_id"]
    ordering_fields = ["received_date", "amount", "created_at"]
    ordering = ["-received_date", "-id"]

    def scoped_queryset(self) -> QuerySet[Payment]:
        return payment_list(user=self.request.user)

    @extend_schema(
        summary="List payments", responses={200: OutputSerializer, **error_responses(400, 404)}
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a payment", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Record a payment",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        payment = payment_create(**serializer.validated_data)
        return Response(self.OutputSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Apply a payment to open invoices, oldest due first",
        description=(
            "Applies what is unapplied on the payment to its customer's open invoices in the "
            "same currency, oldest due date first, skipping disputed invoices. What is left "
            "stays on the payment as customer credit. Applying a fully applied payment "
            "creates nothing."
        ),
        request=ApplyInputSerializer,
        responses={200: ApplyOutputSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        payment = self.get_object()
        serializer = self.ApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allocations = payment_apply_oldest_first(
            payment=payment, user=request.user, **serializer.validated_data
        )
        result = {
            "payment": payment.pk,
            "currency": payment.currency,
            "allocations": allocations,
            "unapplied_amount": payment.unapplied_amount,
        }
        return Response(self.ApplyOutputSerializer(result).data)
