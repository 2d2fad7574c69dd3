"""Credit-limit requests over the REST API: every write goes through the services,
so the four-eyes rule holds here exactly as on the pages, the admin and imports."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from credit.models import CreditLimitRequest, LimitRequestStatus
from credit.selectors_limits import credit_limit_request_list
from credit.services import (
    credit_limit_request_cancel,
    credit_limit_request_create,
    credit_limit_request_decide,
)
from credit.services.limit_request_rules import DECIDE_PERMISSION, SECOND_APPROVAL_PERMISSION
from crm.api.fields import MoneyField
from crm.api.filters import IdFilter
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet


class CanDecideLimitRequests(BasePermission):
    """Credit managers (first decision) and finance admins (second decision).
    Which of the two a request needs, and four eyes, the service checks."""

    message = "Your role does not decide credit-limit requests (credit managers do)."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return user.has_perm(DECIDE_PERMISSION) or user.has_perm(SECOND_APPROVAL_PERMISSION)


class DecisionSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=[
            (LimitRequestStatus.PENDING, "pending: the first decision"),
            (
                LimitRequestStatus.AWAITING_SECOND_APPROVAL,
                "awaiting_second_approval: the second approval",
            ),
        ],
        required=False,
        help_text=(
            "The step you decide: the request's `status` as you saw it. When the request "
            "has moved on meanwhile (someone else gave the first approval or decided it), "
            "the answer is 409 `limit_request_decided` and nothing is recorded. Optional "
            "when your role takes only one step (credit manager: `pending`; finance admin: "
            "`awaiting_second_approval`); required (400 `expected_status_required`) when "
            "you may take both, e.g. a credit manager who is also a finance admin."
        ),
    )
    comment = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Why; required when rejecting. The requester and the sales rep read it.",
    )

    class Meta:
        ref_name = "CreditLimitDecision"


@extend_schema(tags=["credit limits"])
class CreditLimitRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Requests for new credit limits. A credit manager who is not the requester
    approves or rejects; above the threshold of the currency a finance admin who
    is neither the requester nor the first approver gives the second approval.
    The limit changes only on the final approval."""

    class FilterSet(django_filters.FilterSet):
        customer = IdFilter(field_name="customer", help_text="Customer id.")
        status = django_filters.ChoiceFilter(choices=LimitRequestStatus.choices)

        class Meta:
            model = CreditLimitRequest
            fields = ["customer", "status"]

    class OutputSerializer(serializers.ModelSerializer):
        requested_limit = MoneyField(read_only=True)
        previous_limit = MoneyField(
            read_only=True, allow_null=True, help_text="The limit the approval replaced."
        )
        requested_by = serializers.CharField(source="requested_by.username", read_only=True)
        first_decided_by = serializers.CharField(
            source="first_decided_by.username", read_only=True, allow_null=True, default=None
        )
        second_decided_by = serializers.CharField(
            source="second_decided_by.username", read_only=True, allow_null=True, default=None
        )

        class Meta:
            model = CreditLimitRequest
            ref_name = "CreditLimitRequest"
            fields = [
                "id", "customer", "requested_by", "requested_limit", "currency", "reason",
                "expires_on", "status", "needs_second_approval", "first_decided_by",
                "first_decided_at", "first_comment", "second_decided_by", "second_decided_at",
                "second_comment", "previous_limit", "cancelled_at", "created_at", "updated_at",
            ]  # fmt: skip
            read_only_fields = fields

    class InputSerializer(serializers.Serializer):
        customer = serializers.IntegerField(
            help_text="Customer id: an active customer you can see (404 otherwise)."
        )
        requested_limit = MoneyField(
            help_text=(
                "Decimal string greater than zero in the currency of the customer's credit "
                'limit, with no more decimals than that currency has: "25000.00" '
                "(400 `too_many_decimals` otherwise; nothing is rounded)."
            )
        )
        reason = serializers.CharField(max_length=2000)
        expires_on = serializers.DateField(
            required=False,
            allow_null=True,
            help_text="Optional; after this date the limit falls back to the default.",
        )

        class Meta:
            ref_name = "CreditLimitRequest"

    model = CreditLimitRequest
    permission_classes = [HasModelPermission]
    action_permissions = {"cancel": "credit.add_creditlimitrequest"}
    serializer_class = OutputSerializer
    filterset_class = FilterSet
    ordering_fields = ["created_at", "requested_limit"]
    ordering = ["-created_at", "-id"]

    def get_permissions(self) -> list[BasePermission]:
        if self.action in ("approve", "reject"):
            return [CanDecideLimitRequests()]
        return super().get_permissions()

    def scoped_queryset(self) -> QuerySet[CreditLimitRequest]:
        return credit_limit_request_list(user=self.request.user)

    @extend_schema(
        summary="List credit-limit requests",
        responses={200: OutputSerializer, **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        summary="Get a credit-limit request",
        responses={200: OutputSerializer, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Request a new credit limit",
        description=(
            "The request is in the currency of the customer's credit limit (shown in the "
            "answer). 400 for a limit that is not a positive amount, has more decimals than "
            "that currency (`too_many_decimals`), or an inactive customer; 404 for a customer "
            "you cannot see; 409 when the customer already has an open request."
        ),
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = credit_limit_request_create(
            customer_id=data["customer"],
            user=request.user,
            requested_limit=data["requested_limit"],
            reason=data["reason"],
            expires_on=data.get("expires_on"),
        )
        return Response(self.OutputSerializer(created).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, pk: str | None, *, approve: bool) -> Response:
        target = self.get_object()
        serializer = DecisionSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decided = credit_limit_request_decide(
            request_id=target.pk,
            user=request.user,
            approve=approve,
            expected_status=data.get("expected_status"),
            comment=data.get("comment", ""),
        )
        return Response(self.OutputSerializer(decided).data)

    @extend_schema(
        summary="Approve a credit-limit request",
        description=(
            "Send `expected_status` (the status you saw) to say which step you approve. "
            "400 `expected_status_required` when you may take both steps and did not say "
            "which; 403 `own_request` for your own request, `same_approver` when you gave "
            "the first approval, `role_cannot_decide` when the step is not yours; 409 "
            "`limit_request_decided` when it is already decided or moved on to another step "
            "(reload it), `limit_request_expired` when its expiry date has passed (reject "
            "it), `currency_changed` when it is not in the currency of the customer's limit."
        ),
        request=DecisionSerializer,
        responses={200: OutputSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, pk, approve=True)

    @extend_schema(
        summary="Reject a credit-limit request",
        description=(
            "A comment is required. Same four-eyes rules and `expected_status` as approving; "
            "a request whose expiry date has passed can still be rejected."
        ),
        request=DecisionSerializer,
        responses={200: OutputSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, pk, approve=False)

    @extend_schema(
        summary="Cancel your pending credit-limit request",
        description="403 `not_requester` for someone else's request; 409 once decided.",
        request=None,
        responses={200: OutputSerializer, **error_responses(404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        cancelled = credit_limit_request_cancel(request_id=self.get_object().pk, user=request.user)
        return Response(self.OutputSerializer(cancelled).data)
