"""The collections worklist over the REST API: the queue, the customer panel and the
clerk's actions, each a thin call of a selector or service."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.fields import MoneyField, VisibleRelatedField
from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from crm.db import ID_MAX, PAGE_MAX
from customers.models import Customer, Region, Tier
from customers.selectors import customer_list
from receivables.collections import services
from receivables.collections.priority import WorklistFilters, worklist_page
from receivables.collections.reasons import worklist_reasons
from receivables.collections.selectors import clerk_choices, customer_panel
from receivables.dunning.manual import dunning_notice_send_manual
from receivables.dunning.preview import dunning_preview
from receivables.models import MAX_AGING_BUCKETS, DunningLevel, Invoice
from receivables.selectors import invoice_list

_VIEW = "receivables.view_collectioncase"
_WORK = services.WORK_PERMISSION


class _UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class _CaseSerializer(serializers.Serializer):
    assignee = _UserSerializer(allow_null=True)
    claimed_at = serializers.DateTimeField(allow_null=True)
    next_follow_up_on = serializers.DateField(allow_null=True)
    last_activity_at = serializers.DateTimeField(allow_null=True)


class _EscalationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["bounced", "no_address", "collector_task", "agency"])
    notice_id = serializers.IntegerField()
    level_position = serializers.IntegerField()
    run_date = serializers.DateField()


class WorklistRowSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(source="balance.customer_id")
    customer_code = serializers.CharField(source="balance.customer.code")
    customer_name = serializers.CharField(source="balance.customer.name")
    tier = serializers.CharField(source="balance.customer.tier")
    region = serializers.CharField(source="balance.customer.region")
    sales_rep_id = serializers.IntegerField(source="balance.customer.sales_rep_id", allow_null=True)
    risk_grade = serializers.CharField(source="balance.customer.risk_grade")
    currency = serializers.CharField(source="balance.currency")
    overdue_total = MoneyField(source="balance.overdue_total")
    open_total = MoneyField(source="balance.open_total")
    probability_of_default = serializers.DecimalField(max_digits=6, decimal_places=4)
    pd_is_default = serializers.BooleanField(
        help_text="True when the customer has no grade yet and CRM_WORKLIST_DEFAULT_PD was used."
    )
    oldest_bucket = serializers.IntegerField(help_text="Aging bucket of the oldest overdue item.")
    days_past_due = serializers.IntegerField(allow_null=True)
    bucket_boost = serializers.DecimalField(max_digits=8, decimal_places=4)
    broken_promises = serializers.IntegerField()
    promise_boost = serializers.DecimalField(max_digits=8, decimal_places=4)
    expected_loss = MoneyField(help_text="Overdue x probability of default.")
    priority = MoneyField(help_text="Expected loss x both boosts; the queue's order.")
    escalations = _EscalationSerializer(many=True)
    reasons = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    next_follow_up_on = serializers.SerializerMethodField()

    def get_reasons(self, row) -> list[str]:
        return worklist_reasons(row)

    def get_assignee(self, row) -> dict | None:
        case = row.case
        if case is None or case.assignee is None:
            return None
        return {"id": case.assignee.pk, "username": case.assignee.get_username()}

    def get_next_follow_up_on(self, row) -> str | None:
        case = row.case
        return case.next_follow_up_on.isoformat() if case and case.next_follow_up_on else None

    class Meta:
        ref_name = "WorklistRow"


class _PageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = WorklistRowSerializer(many=True)


class _PanelSerializer(serializers.Serializer):
    class _PanelInvoice(serializers.Serializer):
        id = serializers.IntegerField()
        number = serializers.CharField()
        due_date = serializers.DateField()
        currency = serializers.CharField()
        open_amount = MoneyField()
        is_disputed = serializers.BooleanField()

    class _PanelContact(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        email = serializers.CharField()
        phone = serializers.CharField()
        is_billing = serializers.BooleanField()
        is_email_valid = serializers.BooleanField()

    class _PanelNotice(serializers.Serializer):
        id = serializers.IntegerField()
        run_date = serializers.DateField()
        level = serializers.IntegerField(source="level.position")
        status = serializers.CharField()
        to_email = serializers.CharField()
        sent_at = serializers.DateTimeField(allow_null=True)
        manual = serializers.SerializerMethodField()

        def get_manual(self, notice) -> bool:
            return notice.idempotency_key.startswith("manual:")

    customer_id = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    case = _CaseSerializer(allow_null=True)
    agency_flagged_on = serializers.DateField(allow_null=True)
    open_invoices = _PanelInvoice(many=True)
    contacts = _PanelContact(many=True)
    notices = _PanelNotice(many=True)
    activities = serializers.SerializerMethodField()

    def get_activities(self, panel) -> list[dict]:
        return ActivitySerializer(panel.activities, many=True).data

    class Meta:
        ref_name = "WorklistPanel"


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    author = serializers.CharField(source="author.username", allow_null=True, default=None)
    kind = serializers.CharField()
    outcome = serializers.CharField()
    promise = serializers.IntegerField(source="promise_id", allow_null=True)
    dispute = serializers.IntegerField(source="dispute_id", allow_null=True)
    notice = serializers.IntegerField(source="notice_id", allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "CollectionActivity"


class _PreviewSerializer(serializers.Serializer):
    class _PreviewNotice(serializers.Serializer):
        level = serializers.IntegerField(source="level.position")
        level_id = serializers.IntegerField(source="level.pk")
        invoices = serializers.SerializerMethodField()
        subject = serializers.CharField()
        body = serializers.CharField()
        error = serializers.CharField()

        def get_invoices(self, notice) -> list[str]:
            return [invoice.number for invoice in notice.invoices]

    run_date = serializers.DateField()
    to_email = serializers.CharField(allow_null=True)
    notices = _PreviewNotice(many=True)


class WorklistViewSet(ScopedViewSet):
    """The collections queue, by expected loss, each row with its reasons; and the
    panel and actions of one customer (``/worklist/<customer id>/...``)."""

    class FilterSerializer(serializers.Serializer):
        mine = serializers.BooleanField(required=False, default=False)
        unassigned = serializers.BooleanField(required=False, default=False)
        tier = serializers.ChoiceField(choices=Tier.choices, required=False, default="")
        bucket = serializers.IntegerField(
            min_value=1, max_value=MAX_AGING_BUCKETS - 1, required=False, default=None
        )
        region = serializers.ChoiceField(choices=Region.choices, required=False, default="")
        sales_rep = serializers.IntegerField(
            min_value=1, max_value=ID_MAX, required=False, default=None
        )
        follow_up_due = serializers.BooleanField(required=False, default=False)
        page = serializers.IntegerField(min_value=1, max_value=PAGE_MAX, required=False, default=1)

    class AssignSerializer(serializers.Serializer):
        assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())

    class FollowUpSerializer(serializers.Serializer):
        follow_up_on = serializers.DateField(allow_null=True, help_text="null clears it.")

    class SendSerializer(serializers.Serializer):
        level = serializers.PrimaryKeyRelatedField(queryset=DunningLevel.objects.all())
        request_token = serializers.CharField(
            help_text="A new random token per form (8-40 of A-Z a-z 0-9 - _): the same "
            "token again returns the first notice instead of sending twice."
        )

    class PromiseSerializer(serializers.Serializer):
        amount = MoneyField(help_text='Decimal string, greater than zero, such as "500.00".')
        promised_date = serializers.DateField(help_text="Today or later.")
        invoices = VisibleRelatedField(
            model=Invoice,
            selector=invoice_list,
            many=True,
            required=False,
            help_text="The customer's open invoices it covers; none: on the account.",
        )
        note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "WorklistPromise"

    class DisputeSerializer(serializers.Serializer):
        invoice = VisibleRelatedField(model=Invoice, selector=invoice_list)
        reason = serializers.CharField(max_length=255)

        class Meta:
            ref_name = "WorklistDispute"

    model = Customer
    permission_classes = [HasModelPermission]
    action_permissions = {
        "list": _VIEW,
        "retrieve": _VIEW,
        "claim": _WORK,
        "release": _WORK,
        "assign": services.ASSIGN_PERMISSION,
        "follow_up": _WORK,
        "preview": _WORK,
        "send_notice": "receivables.send_dunning_notice",
        "promise": "receivables.add_promisetopay",
        "dispute": "receivables.add_dispute",
    }
    filter_backends: list = []
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[Customer]:
        return customer_list(user=self.request.user)

    @extend_schema(
        summary="The worklist: customers to call first, and why",
        parameters=[FilterSerializer],
        responses={200: _PageSerializer, **error_responses(400)},
    )
    def list(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = WorklistFilters(
            assigned_to_me=data["mine"],
            unassigned=data["unassigned"],
            tier=data["tier"],
            bucket=data["bucket"],
            region=data["region"],
            sales_rep_id=data["sales_rep"],
            follow_up_due=data["follow_up_due"],
        )
        rows, has_next = worklist_page(
            user=request.user, today=timezone.localdate(), filters=filters, page=data["page"]
        )
        return Response(
            {
                "page": data["page"],
                "has_next": has_next,
                "results": WorklistRowSerializer(rows, many=True).data,
            }
        )

    @extend_schema(
        summary="The customer panel",
        responses={200: _PanelSerializer, **error_responses(404)},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self._case_response(self.get_object())

    def _case_response(self, customer: Customer) -> Response:
        return Response(_PanelSerializer(customer_panel(customer=customer)).data)

    @extend_schema(
        summary="Claim the customer's case",
        description="409 when another clerk holds it.",
        request=None,
        responses={200: _PanelSerializer, **error_responses(404, 409)},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        services.collection_case_claim(customer=customer, user=request.user)
        return self._case_response(customer)

    @extend_schema(
        summary="Release the customer's case back to the queue",
        request=None,
        responses={200: _PanelSerializer, **error_responses(404)},
    )
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        services.collection_case_release(customer=customer, user=request.user)
        return self._case_response(customer)

    @extend_schema(
        summary="Assign the customer's case to a clerk",
        request=AssignSerializer,
        responses={200: _PanelSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        body = self.AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.collection_case_assign(
            customer=customer, assignee=body.validated_data["assignee"], user=request.user
        )
        return self._case_response(customer)

    @extend_schema(
        summary="Set or clear the next follow-up date",
        request=FollowUpSerializer,
        responses={200: _PanelSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        body = self.FollowUpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.collection_case_follow_up_set(
            customer=customer,
            follow_up_on=body.validated_data["follow_up_on"],
            user=request.user,
        )
        return self._case_response(customer)

    @extend_schema(
        summary="Record a promise to pay, with its timeline entry",
        description="400 when the promised date is past or an invoice is not the customer's.",
        request=PromiseSerializer,
        responses={201: ActivitySerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def promise(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        body = self.PromiseSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        activity = services.collection_promise_record(
            customer=customer, user=request.user, **body.validated_data
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open a dispute on one of the customer's invoices, with its timeline entry",
        description="409 when the invoice already has an open dispute or is settled.",
        request=DisputeSerializer,
        responses={201: ActivitySerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        body = self.DisputeSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        activity = services.collection_dispute_open(
            customer=customer, user=request.user, **body.validated_data
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="What today's dunning run would send this customer (read-only)",
        responses={200: _PreviewSerializer, **error_responses(404)},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        preview = dunning_preview(customer=self.get_object(), run_date=timezone.localdate())
        return Response(_PreviewSerializer(preview).data)

    @extend_schema(
        summary="Send or resend a dunning notice by hand",
        description=(
            "Writes an outbox notice listing the customer's open, undisputed invoices at "
            "least the level's offset past due and queues it for sending. The same "
            "request_token returns the first notice (200) instead of sending twice."
        ),
        request=SendSerializer,
        responses={
            201: _PanelSerializer._PanelNotice,
            200: _PanelSerializer._PanelNotice,
            **error_responses(400, 404),
        },
    )
    @action(detail=True, methods=["post"], url_path="send-notice")
    def send_notice(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        body = self.SendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notice, created = dunning_notice_send_manual(
            customer=customer, user=request.user, **body.validated_data
        )
        return Response(
            _PanelSerializer._PanelNotice(notice).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


__all__ = ["ActivitySerializer", "WorklistViewSet", "clerk_choices"]
