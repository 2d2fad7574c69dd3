"""Customers over the REST API: read with their balances, create and update through services."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.fields import MoneyField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from crm.money import CURRENCY_CHOICES
from customers.models import (
    Customer,
    CustomerStatus,
    Industry,
    Language,
    Region,
    SalesChannel,
    Tier,
)
from customers.selectors import customer_list_with_balances
from customers.services import customer_create, customer_update

_CURRENCY_HELP = "ISO-4217 code, such as USD, EUR or CNY."


def _sales_rep_field() -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        pk_field=serializers.IntegerField(),
        allow_null=True,
        required=False,
        help_text="User id of the owning sales rep (the user must have the sales_rep role).",
        error_messages={"does_not_exist": "There is no user with id {pk_value}."},
    )


def _blank_as_null(value: str | None) -> str | None:
    return value or None


@extend_schema(tags=["customers"])
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Customers the user may see; a sales rep sees only their own."""

    class FilterSet(django_filters.FilterSet):
        status = django_filters.ChoiceFilter(choices=CustomerStatus.choices)
        region = django_filters.ChoiceFilter(choices=Region.choices)
        tier = django_filters.ChoiceFilter(choices=Tier.choices)
        industry = django_filters.ChoiceFilter(choices=Industry.choices)
        currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES)
        sales_rep = IdFilter(field_name="sales_rep", help_text="User id of the sales rep.")

        class Meta:
            model = Customer
            fields = ["status", "region", "tier", "industry", "currency", "sales_rep"]

    class OutputSerializer(serializers.ModelSerializer):
        open_balance = MoneyField(
            read_only=True,
            help_text="Open amount of the customer's invoices in the customer's currency.",
        )
        overdue_amount = MoneyField(
            read_only=True, help_text="Part of the open balance that is past its due date today."
        )
        has_open_items_in_other_currencies = serializers.BooleanField(
            read_only=True,
            help_text="Open invoices in another currency exist; they are not in the two sums.",
        )

        class Meta:
            model = Customer
            ref_name = "Customer"
            fields = [
                "id", "code", "external_id", "name", "tax_id", "industry", "region", "country",
                "sales_channel", "currency", "payment_terms_days", "language", "sales_rep",
                "status", "customer_since", "tier", "tier_changed_at", "open_balance",
                "overdue_amount", "has_open_items_in_other_currencies", "created_at",
                "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=32)
        name = serializers.CharField(max_length=200)
        industry = serializers.ChoiceField(choices=Industry.choices)
        region = serializers.ChoiceField(choices=Region.choices)
        sales_channel = serializers.ChoiceField(choices=SalesChannel.choices)
        currency = serializers.CharField(max_length=3, help_text=_CURRENCY_HELP)
        payment_terms_days = serializers.IntegerField(required=False, help_text="0 to 365.")
        tax_id = serializers.CharField(max_length=32, required=False, allow_blank=True)
        country = serializers.CharField(
            max_length=2, required=False, allow_blank=True, help_text="ISO 3166 code."
        )
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        sales_rep = _sales_rep_field()
        status = serializers.ChoiceField(choices=CustomerStatus.choices, required=False)
        customer_since = serializers.DateField(required=False, help_text="Defaults to today.")
        external_id = serializers.CharField(
            max_length=64, required=False, allow_null=True, allow_blank=True
        )

        class Meta:
            ref_name = "Customer"

        def validate_external_id(self, value: str | None) -> str | None:
            return _blank_as_null(value)

    class UpdateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        industry = serializers.ChoiceField(choices=Industry.choices)
        region = serializers.ChoiceField(choices=Region.choices)
        sales_channel = serializers.ChoiceField(choices=SalesChannel.choices)
        currency = serializers.CharField(max_length=3, help_text=_CURRENCY_HELP)
        payment_terms_days = serializers.IntegerField(help_text="0 to 365.")
        tax_id = serializers.CharField(max_length=32, allow_blank=True)
        country = serializers.CharField(max_length=2, allow_blank=True, help_text="ISO 3166 code.")
        language = serializers.ChoiceField(choices=Language.choices)
        sales_rep = _sales_rep_field()
        status = serializers.ChoiceField(choices=CustomerStatus.choices)
        customer_since = serializers.DateField()
        external_id = serializers.CharField(max_length=64, allow_null=True, allow_blank=True)

        class Meta:
            ref_name = "Customer"

        def validate_external_id(self, value: str | None) -> str | None:
            return _blank_as_null(value)

    model = Customer
    permission_classes = [HasModelPermission]
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    search_fields = ["code", "name", "tax_id"]
    ordering_fields = [
        "code", "name", "customer_since", "created_at", "open_balance", "overdue_amount",
    ]  # fmt: skip
    ordering = ["code"]

    def scoped_queryset(self) -> QuerySet[Customer]:
        return customer_list_with_balances(user=self.request.user, as_of=timezone.localdate())

    @extend_schema(
        summary="List customers with their balances",
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a customer with its balance",
        responses={200: OutputSerializer, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    def _output(self, customer: Customer) -> dict:
        # Re-read through the scoped selector so the balances are in the answer.
        return self.OutputSerializer(get_object_or_404(self.get_queryset(), pk=customer.pk)).data

    @extend_schema(
        summary="Create a customer",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = customer_create(**serializer.validated_data)
        return Response(self._output(customer), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change some fields of a customer",
        request=UpdateSerializer,
        responses={200: OutputSerializer, **error_responses(400, 404, 409)},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        serializer = self.UpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        customer_update(customer=customer, data=serializer.validated_data)
        return Response(self._output(customer))
