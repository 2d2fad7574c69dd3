"""Contacts of customers over the REST API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.fields import VisibleRelatedField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from customers.models import Contact, Customer
from customers.selectors import contact_list, customer_list
from customers.services import contact_create, contact_delete, contact_update


@extend_schema(tags=["contacts"])
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Contacts of the customers the user may see."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        is_billing = django_filters.BooleanFilter()

        class Meta:
            model = Contact
            fields = ["customer", "is_billing"]

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Contact
            ref_name = "Contact"
            fields = [
                "id", "customer", "name", "job_title", "email", "phone", "is_billing",
                "is_email_valid", "created_at", "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        name = serializers.CharField(max_length=200)
        job_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
        email = serializers.EmailField(
            max_length=254,
            required=False,
            allow_blank=True,
            help_text="Required for a billing contact; unique per customer.",
        )
        phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        is_billing = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "Contact"

    class UpdateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        job_title = serializers.CharField(max_length=100, allow_blank=True)
        email = serializers.EmailField(max_length=254, allow_blank=True)
        phone = serializers.CharField(max_length=40, allow_blank=True)
        is_billing = serializers.BooleanField()
        is_email_valid = serializers.BooleanField()

        class Meta:
            ref_name = "Contact"

    model = Contact
    permission_classes = [HasModelPermission]
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["name", "customer", "created_at"]
    ordering = ["customer", "-is_billing", "name"]

    def scoped_queryset(self) -> QuerySet[Contact]:
        return contact_list(user=self.request.user)

    @extend_schema(
        summary="List contacts",
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a contact", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Add a contact to a customer",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        contact = contact_create(**serializer.validated_data)
        return Response(self.OutputSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change some fields of a contact",
        request=UpdateSerializer,
        responses={200: OutputSerializer, **error_responses(400, 404, 409)},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        contact = self.get_object()
        serializer = self.UpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        contact = contact_update(contact=contact, data=serializer.validated_data)
        return Response(self.OutputSerializer(contact).data)

    @extend_schema(summary="Delete a contact", responses={204: None, **error_responses(404)})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        contact_delete(contact=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
