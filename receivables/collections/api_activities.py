"""The collections timeline over the REST API: list it, log a call, email or note."""

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
from customers.models import Customer
from customers.selectors import customer_list
from receivables.collections.api import ActivitySerializer
from receivables.collections.selectors import collection_activity_list
from receivables.collections.services import collection_activity_log
from receivables.models import CONTACT_KINDS, ActivityKind, CollectionActivity


class CollectionActivityViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Activities of the customers the user may see, newest first."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        author = IdFilter(field_name="author", help_text="User id of the clerk.")
        kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
        created_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
        created_to = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

        class Meta:
            model = CollectionActivity
            fields = ["customer", "author", "kind"]

    class InputSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        kind = serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in CONTACT_KINDS])
        outcome = serializers.CharField(help_text="What happened; required.", allow_blank=True)

        class Meta:
            ref_name = "CollectionActivityInput"

    model = CollectionActivity
    permission_classes = [HasModelPermission]
    serializer_class = ActivitySerializer
    filterset_class = FilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self) -> QuerySet[CollectionActivity]:
        return collection_activity_list(user=self.request.user)

    @extend_schema(
        summary="List collection activities",
        responses={200: ActivitySerializer, **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Log a call, an email or a note",
        request=InputSerializer,
        responses={201: ActivitySerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        activity = collection_activity_log(**body.validated_data, user=request.user)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)
