"""Credit notes over the REST API: read, and issue through the service."""

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
from crm.money import CURRENCY_CHOICES
from customers.models import Customer
from customers.selectors import customer_list
from receivables.models import CreditNote, Invoice
from receivables.selectors import credit_note_list, invoice_list
from receivables.services import credit_note_create


@extend_schema(tags=["credit-notes"])
class CreditNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Credit notes of the customers the user may see."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        invoice = IdFilter(field_name="invoice", help_text="Invoice id.")
        currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES)
        issue_date_from = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
        issue_date_to = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")

        class Meta:
            model = CreditNote
            fields = ["customer", "invoice", "currency"]

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = CreditNote
            ref_name = "CreditNote"
            fields = [
                "id", "customer", "invoice", "number", "external_id", "issue_date", "currency",
                "amount", "reason", "created_at", "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        invoice = VisibleRelatedField(
            model=Invoice,
            selector=invoice_list,
            required=False,
            allow_null=True,
            help_text=(
                "Invoice the credit reduces; it must be the customer's and have at least the "
                "amount open. Leave it out to keep the credit on the customer's account."
            ),
        )
        number = serializers.CharField(max_length=40)
        external_id = serializers.CharField(
            max_length=64, required=False, allow_null=True, allow_blank=True
        )
        issue_date = serializers.DateField(
            required=False, allow_null=True, help_text="Defaults to today."
        )
        currency = serializers.ChoiceField(
            choices=CURRENCY_CHOICES,
            required=False,
            allow_null=True,
            help_text=(
                "ISO-4217 code; defaults to the customer's currency. A credit note on an "
                "invoice is always in the invoice's currency."
            ),
        )
        amount = MoneyField(help_text='Decimal string, greater than zero, such as "125.00".')
        reason = serializers.CharField(max_length=255)

        class Meta:
            ref_name = "CreditNote"

        def validate_external_id(self, value: str | None) -> str | None:
            return value or None

    model = CreditNote
    permission_classes = [HasModelPermission]
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    search_fields = ["number", "external_id"]
    ordering_fields = ["number", "issue_date", "amount", "created_at"]
    ordering = ["-issue_date", "-id"]

    def scoped_queryset(self) -> QuerySet[CreditNote]:
        return credit_note_list(user=self.request.user)

    @extend_schema(
        summary="List credit notes", responses={200: OutputSerializer, **error_responses(400, 404)}
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a credit note", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Issue a credit note",
        description=(
            "On an invoice it reduces the invoice's open amount at once (400 when it is larger "
            "than what is open; 409 when the invoice is void or written off). Without an "
            "invoice it stays on the customer's account."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        note = credit_note_create(**serializer.validated_data)
        return Response(self.OutputSerializer(note).data, status=status.HTTP_201_CREATED)
