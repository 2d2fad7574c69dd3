"""Dunning over the REST API: customer pins to a policy, and bounce reports from
the mail provider's webhook (token authentication, like every API call)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.fields import VisibleRelatedField
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from crm.exceptions import NotFound
from customers.models import Customer
from customers.selectors import customer_list, customer_visibility_q
from receivables.dunning.bounces import dunning_notice_bounce
from receivables.dunning.pins import (
    customer_dunning_policy_list,
    customer_dunning_policy_pin,
    customer_dunning_policy_unpin,
)
from receivables.models import CustomerDunningPolicy, DunningNotice, DunningPolicy


def _policies(*, user) -> QuerySet[DunningPolicy]:
    return DunningPolicy.objects.all()


@extend_schema(tags=["dunning"])
class DunningPinViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):
    """Customers pinned to a dunning policy other than their tier's default."""

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = CustomerDunningPolicy
            ref_name = "DunningPin"
            fields = ["id", "customer", "policy"]
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        customer = VisibleRelatedField(model=Customer, selector=customer_list)
        policy = VisibleRelatedField(model=DunningPolicy, selector=_policies)

        class Meta:
            ref_name = "DunningPin"

    model = CustomerDunningPolicy
    permission_classes = [HasModelPermission]
    serializer_class = OutputSerializer
    ordering = ["customer_id"]

    def scoped_queryset(self) -> QuerySet[CustomerDunningPolicy]:
        return customer_dunning_policy_list(user=self.request.user)

    @extend_schema(summary="List pinned customers", responses={200: OutputSerializer})
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a customer's pin", responses={200: OutputSerializer, **error_responses(404)}
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Pin a customer to a dunning policy",
        description="Replaces the customer's earlier pin. 400 when the policy has no levels.",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        pin = customer_dunning_policy_pin(**serializer.validated_data)
        return Response(self.OutputSerializer(pin).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Unpin a customer (back to the tier's default policy)",
        responses={204: None, **error_responses(404)},
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        customer_dunning_policy_unpin(customer=self.get_object().customer)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["dunning"])
class DunningBounceViewSet(ScopedViewSet):
    """Bounce reports: the mail provider's webhook (or an integrator) says which
    dunning notice bounced, by the Message-ID it was sent with
    (``POST /api/v1/dunning-bounces/report/``)."""

    class InputSerializer(serializers.Serializer):
        message_id = serializers.CharField(
            max_length=255,
            required=False,
            allow_blank=True,
            help_text="Message-ID of the bounced message, with or without angle brackets.",
        )
        notice = serializers.IntegerField(
            required=False, allow_null=True, help_text="Notice id, when known instead."
        )
        email = serializers.EmailField(
            required=False, allow_blank=True, help_text="The address that bounced."
        )
        reason = serializers.CharField(
            max_length=1000, help_text="The mail server's reply, e.g. '550 5.1.1 unknown user'."
        )

        class Meta:
            ref_name = "DunningBounce"

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = DunningNotice
            ref_name = "DunningBounce"
            fields = ["id", "customer", "status", "to_email", "message_id", "bounced_at"]
            fields += ["bounce_reason"]
            read_only_fields = fields

    model = DunningNotice
    permission_classes = [HasModelPermission]
    action_permissions = {"report": "receivables.report_bounce_dunningnotice"}
    serializer_class = OutputSerializer

    def scoped_queryset(self) -> QuerySet[DunningNotice]:
        return DunningNotice.objects.filter(
            customer_visibility_q(user=self.request.user, prefix="customer__")
        )

    @extend_schema(
        summary="Report a bounced dunning notice",
        description=(
            "Marks the notice bounced and the address invalid; the notice goes out again "
            "when the customer has a valid billing email. Reporting the same bounce again "
            "changes nothing. 404 for an unknown Message-ID, 409 when the notice was not sent."
        ),
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=False, methods=["post"])
    def report(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notice_id = data.get("notice")
        if notice_id and not self.get_queryset().filter(pk=notice_id).exists():
            # Not visible to this user: answered exactly like an unknown notice.
            raise NotFound(
                f"No dunning notice with id {notice_id}.", code="dunning_notice_not_found"
            )
        notice = dunning_notice_bounce(
            notice_id=notice_id,
            message_id=data.get("message_id", ""),
            email=data.get("email", ""),
            reason=data["reason"],
        )
        return Response(self.OutputSerializer(notice).data, status=status.HTTP_200_OK)
