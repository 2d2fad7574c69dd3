"""The credit check over the REST API: ask before accepting an order; every answer is logged."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from credit.models import CreditCheck, CreditCheckResult
from credit.selectors import credit_check_list
from credit.services import credit_check_run
from crm.api.fields import MoneyField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.serializers import SharedFieldsSerializer
from crm.api.viewsets import ScopedViewSet
from crm.db import ID_MAX


class ReasonSerializer(SharedFieldsSerializer):
    code = serializers.ChoiceField(
        choices=["on_hold", "over_limit", "grade_e", "overdue_amount", "overdue_age"],
        read_only=True,
    )
    message = serializers.CharField(read_only=True)


@extend_schema(tags=["credit checks"])
class CreditCheckViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Credit checks of the customers the user may see."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        result = django_filters.ChoiceFilter(choices=CreditCheckResult.choices)

        class Meta:
            model = CreditCheck
            fields = ["customer", "result"]

    class OutputSerializer(SharedFieldsSerializer):
        # Declared field by field, not a ModelSerializer, and built once per process
        # (SharedFieldsSerializer): this answers before every order.
        id = serializers.IntegerField(read_only=True)
        customer = serializers.IntegerField(source="customer_id", read_only=True)
        order_reference = serializers.CharField(read_only=True)
        order_amount = MoneyField(read_only=True)
        currency = serializers.CharField(read_only=True)
        result = serializers.ChoiceField(choices=CreditCheckResult.choices, read_only=True)
        available_credit = MoneyField(read_only=True)
        exposure = MoneyField(read_only=True)
        limit = MoneyField(source="credit_limit", read_only=True)
        reasons = ReasonSerializer(many=True, read_only=True)
        created_at = serializers.DateTimeField(read_only=True)

        class Meta:
            ref_name = "CreditCheck"

    class InputSerializer(SharedFieldsSerializer):
        customer = serializers.IntegerField(min_value=1, max_value=ID_MAX)
        order_amount = MoneyField(
            help_text=(
                'Decimal string greater than zero, such as "1250.50", with no more decimals '
                "than the currency has (JPY: none); never rounded (400 `too_many_decimals`)."
            )
        )
        currency = serializers.CharField(
            max_length=3, help_text="ISO-4217 code; must be the currency of the customer's credit."
        )
        order_reference = serializers.CharField(
            max_length=64, help_text="The order's reference in your system; one answer per order."
        )

        class Meta:
            ref_name = "CreditCheckRequest"

    model = CreditCheck
    permission_classes = [HasModelPermission]
    # Named, so the permission check does not build the scoped queryset (one query less).
    action_permissions = {"create": "credit.add_creditcheck", "list": "credit.view_creditcheck"}
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self) -> QuerySet[CreditCheck]:
        return credit_check_list(user=self.request.user)

    @extend_schema(
        summary="List credit checks", responses={200: OutputSerializer, **error_responses(400)}
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Check an order against the customer's credit",
        description=(
            "pass or fail with the available credit, the exposure (open AR plus open orders), "
            "the limit and machine-readable reasons (on_hold, over_limit, grade_e, "
            "overdue_amount, overdue_age). Idempotent: the same customer and order_reference "
            "return the stored answer with 200 (201 the first time). 404 for a customer you "
            "cannot see; 400 for a bad amount (`too_many_decimals`: more decimals than the "
            "currency has) or another currency; 409 when the reference was "
            "checked with another amount."
        ),
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            200: OutputSerializer,
            **error_responses(400, 404, 409),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check, created = credit_check_run(
            customer_id=data["customer"],
            order_amount=data["order_amount"],
            currency=data["currency"],
            order_reference=data["order_reference"],
            user=request.user,
        )
        return Response(
            self.OutputSerializer(check).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
