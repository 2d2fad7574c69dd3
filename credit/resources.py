"""Import and export of credit-limit requests (django-import-export).

A row without an ``id`` is a new request by the importing user
(``credit_limit_request_create``); a ``decision`` column (approve / reject, with
a ``comment``) decides it through ``credit_limit_request_decide``, the same
four-eyes service as every other path. A row with the ``id`` of an existing
request only decides it, at the step its ``status`` column (as exported) names:
a request that moved on since is refused (409). Any refused row (four eyes
included) rolls back the whole file.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from import_export import fields, widgets

from credit.models import CreditLimitRequest, LimitRequestStatus
from credit.services import credit_limit_request_create, credit_limit_request_decide
from crm.exceptions import ValidationFailed
from crm.imports import (
    ChoiceWidget,
    IsoDateWidget,
    LookupWidget,
    MoneyWidget,
    ServiceResource,
    TextWidget,
)
from customers.models import Customer
from customers.selectors import customer_list

DECISIONS = [("approve", "approve"), ("reject", "reject")]
_COLUMNS = (
    "id", "customer", "requested_limit", "currency", "reason", "expires_on", "status",
    "requested_by", "decision", "comment",
)  # fmt: skip


class CreditLimitRequestResource(ServiceResource):
    """Columns: customer (its code), requested_limit, reason for a new request;
    optional expires_on (YYYY-MM-DD); decision (approve/reject), comment and the
    status the request had (the step decided) to decide."""

    id = fields.Field("id", "id", widget=widgets.IntegerWidget())
    customer = fields.Field(
        "customer",
        "customer",
        widget=LookupWidget(
            Customer,
            "code",
            label="customer with code",
            hint="check the code; sales reps can request only for their own customers.",
            scope=customer_list,
        ),
    )
    requested_limit = fields.Field("requested_limit", "requested_limit", widget=MoneyWidget())
    currency = fields.Field("currency", "currency", readonly=True)
    reason = fields.Field("reason", "reason", widget=TextWidget())
    expires_on = fields.Field("expires_on", "expires_on", widget=IsoDateWidget())
    status = fields.Field(
        "status", "status", widget=ChoiceWidget(LimitRequestStatus.choices), readonly=True
    )
    requested_by = fields.Field("requested_by", "requested_by__username", readonly=True)
    decision = fields.Field(column_name="decision", widget=ChoiceWidget(DECISIONS))
    comment = fields.Field(column_name="comment", widget=TextWidget())

    class Meta:
        model = CreditLimitRequest
        fields = _COLUMNS
        import_order = _COLUMNS
        export_order = _COLUMNS
        import_id_fields = ("id",)

    def get_queryset(self) -> QuerySet[CreditLimitRequest]:
        return CreditLimitRequest.objects.select_related("customer", "requested_by")

    def dehydrate_decision(self, request: CreditLimitRequest) -> str:
        return ""

    def dehydrate_comment(self, request: CreditLimitRequest) -> str:
        return ""

    def validate_instance(
        self,
        instance: Model,
        import_validation_errors: dict | None = None,
        validate_unique: bool = True,
    ) -> None:
        if instance._state.adding:
            self.required_fields = ("customer", "requested_limit", "reason")
        else:
            self.required_fields = ()
        super().validate_instance(instance, import_validation_errors, validate_unique)

    def save_through_service(
        self, instance: Model, *, is_create: bool, row: Any, user: Any
    ) -> CreditLimitRequest:
        decision = str(row.get("decision") or "").strip()
        comment = str(row.get("comment") or "").strip()
        if is_create and str(row.get("id") or "").strip():
            raise ValidationFailed.for_field(
                "id",
                f"There is no limit request with id {row.get('id')}; leave id empty for a new "
                "request.",
            )
        if is_create:
            request = credit_limit_request_create(
                customer_id=instance.customer.pk,
                user=user,
                requested_limit=instance.requested_limit,
                reason=instance.reason,
                expires_on=instance.expires_on,
            )
        else:
            request = instance
            if not decision:
                raise ValidationFailed.for_field(
                    "decision",
                    f"Limit request {request.pk} exists; a row with its id must say approve or "
                    "reject in the decision column (requests are not edited).",
                )
        if decision:
            request = credit_limit_request_decide(
                request_id=request.pk,
                user=user,
                approve=decision == "approve",
                expected_status=(
                    LimitRequestStatus.PENDING if is_create else _step_of_row(row, request)
                ),
                comment=comment,
            )
        return request


def _step_of_row(row: Any, request: CreditLimitRequest) -> str:
    """The step a row decides: its ``status`` column, as exported (the status the
    person filling in the decision saw). A request that moved on since is refused."""
    status = str(row.get("status") or "").strip()
    if not status:
        raise ValidationFailed.for_field(
            "status",
            f"Say which step the row for limit request {request.pk} decides: keep the status "
            'column of the export ("pending" for the first decision, '
            '"awaiting_second_approval" for the second).',
        )
    return status
