"""Invoices over the REST API: read with their maintained amounts, post through the service."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
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
from receivables.models import Invoice, InvoiceStatus
from receivables.selectors import (
    invoice_days_past_due,
    invoice_list,
    invoice_open_q,
    invoice_overdue_q,
)
from receivables.services import invoice_create, invoice_void


@extend_schema(tags=["invoices"])
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Invoices of the customers the user may see. Amounts and status are maintained
    by the ledger services and read-only here."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
        currency = django_filters.ChoiceFilter(choices=CURRENCY_CHOICES)
        is_disputed = django_filters.BooleanFilter()
        issue_date_from = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
        issue_date_to = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")
        due_date_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
        due_date_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
        is_open = django_filters.BooleanFilter(
            method="filter_is_open", help_text="Something is still owed on the invoice."
        )
        is_overdue = django_filters.BooleanFilter(
            method="filter_is_overdue", help_text="Open and due before today."
        )

        class Meta:
            model = Invoice
            fields = ["customer", "status", "currency", "is_disputed"]

        def filter_is_open(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
            condition = invoice_open_q()
            return queryset.filter(condition) if value else queryset.exclude(condition)

        def filter_is_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
            condition = invoice_overdue_q(as_of=timezone.localdate())
            return queryset.filter(condition) if value else queryset.exclude(condition)

    class OutputSerializer(serializers.ModelSerializer):
        days_past_due = serializers.SerializerMethodField(
            help_text="Days the open invoice is past its due date today; 0 when not overdue."
        )

        class Meta:
            model = Invoice
            ref_name = "Invoice"
            fields = [
                "id", "customer", "number", "external_id", "issue_date", "due_date", "currency",
                "total", "cost_of_goods", "amount_paid", "amount_credited", "amount_written_off",
                "open_amount", "status", "is_disputed", "paid_date", "days_past_due",
                "description", "created_at", "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

        def get_days_past_due(self, invoice: Invoice) -> int:
            return invoice_days_past_due(invoice=invoice, as_of=self.context["as_of"])

    class InputSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        number = serializers.CharField(max_length=40)
        external_id = serializers.CharField(
            max_length=64, required=False, allow_null=True, allow_blank=True
        )
        issue_date = serializers.DateField()
        due_date = serializers.DateField(
            required=False,
            allow_null=True,
            help_text="Defaults to the issue date plus the customer's payment terms.",
        )
        currency = serializers.CharField(
            max_length=3,
            required=False,
            allow_null=True,
            help_text="ISO-4217 code; defaults to the customer's currency.",
        )
        total = MoneyField(help_text='Decimal string, greater than zero, such as "1250.00".')
        cost_of_goods = MoneyField(required=False, help_text="Decimal string, zero or more.")
        description = serializers.CharField(max_length=255, required=False, allow_blank=True)

        class Meta:
            ref_name = "Invoice"

        def validate_external_id(self, value: str | None) -> str | None:
            return value or None

    class VoidInputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=200, help_text="Why the invoice is voided; kept in its description."
        )

        class Meta:
            ref_name = "InvoiceVoid"

    model = Invoice
    permission_classes = [HasModelPermission]
    action_permissions = {"void": "receivables.change_invoice"}
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    search_fields = ["number", "external_id"]
    ordering_fields = [
        "number", "issue_date", "due_date", "total", "open_amount", "created_at",
    ]  # fmt: skip
    ordering = ["-issue_date", "-id"]

    def scoped_queryset(self) -> QuerySet[Invoice]:
        return invoice_list(user=self.request.user)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "as_of": timezone.localdate()}

    @extend_schema(
        summary="List invoices", responses={200: OutputSerializer, **error_responses(400, 404)}
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get an invoice", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Post an invoice",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        context = self.get_serializer_context()
        serializer = self.InputSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        invoice = invoice_create(**serializer.validated_data)
        return Response(
            self.OutputSerializer(invoice, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Void an invoice posted in error",
        description=(
            "Only an invoice nothing was paid, credited or written off against can be voided "
            "(409 otherwise, and 409 when it is already void)."
        ),
        request=VoidInputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        serializer = self.VoidInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = invoice_void(invoice=invoice, user=request.user, **serializer.validated_data)
        return Response(self.OutputSerializer(invoice, context=self.get_serializer_context()).data)
