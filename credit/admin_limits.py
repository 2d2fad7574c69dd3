"""Credit-limit requests in the back office: requested through the service, and
approved or rejected by actions that call the one four-eyes service (admins
are not exempt). Import and export with ``CreditLimitRequestResource``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from credit.models import (
    CreditLimitRequest,
    CreditLimitRequestEvent,
    CreditProfileEvent,
    LimitRequestStatus,
)
from credit.models.limits import OPEN_STATUSES
from credit.resources import CreditLimitRequestResource
from credit.services import credit_limit_request_create, credit_limit_request_decide
from credit.services.limit_request_rules import DECIDE_PERMISSION, SECOND_APPROVAL_PERMISSION
from crm.admin import (
    AddThenViewMixin,
    ImportExportPermissionsMixin,
    PerRowAction,
    RowActionsMixin,
    RowScopedMixin,
    ServiceModelForm,
    ServiceWritesMixin,
    ViewOnlyMixin,
)
from customers.models import Customer
from customers.selectors import customer_list, customer_visibility_q

_STEP_CHOICES = [
    (LimitRequestStatus.PENDING, _("First decision (requests that are pending)")),
    (
        LimitRequestStatus.AWAITING_SECOND_APPROVAL,
        _("Second approval (requests awaiting the second approval)"),
    ),
]


class DecideForm(forms.Form):
    # The step decided, said out loud: a request at another step when the form is
    # applied (someone decided it meanwhile) is refused, never decided at that step.
    expected_status = forms.ChoiceField(
        label=_("Step you decide"),
        choices=_STEP_CHOICES,
        widget=forms.RadioSelect,
        help_text=_(
            "Selected requests that are at another step (decided by someone else meanwhile) "
            "are refused and left as they are."
        ),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(DecideForm):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why: the requester and the sales rep read it."),
    )


class _Decide(PerRowAction):
    approve = True
    on_change_page = True

    def is_allowed(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perm(DECIDE_PERMISSION) or user.has_perm(SECOND_APPROVAL_PERMISSION)

    def label(self, row: Model) -> str:
        return _t("limit request #%(number)s for %(customer)s") % {
            "number": row.pk,
            "customer": row.customer.code,
        }

    def offered_for(self, row: Model) -> bool:
        return row.status in OPEN_STATUSES

    def initial(self, rows: Sequence[Model]) -> dict[str, Any]:
        """The step of the selected requests as they are now, when they share one."""
        statuses = {row.status for row in rows}
        if len(statuses) == 1 and statuses <= set(OPEN_STATUSES):
            return {"expected_status": statuses.pop()}
        return {}

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        decided = credit_limit_request_decide(
            request_id=row.pk,
            user=request.user,
            approve=self.approve,
            expected_status=data["expected_status"],
            comment=data.get("comment", ""),
        )
        return _t("%(request)s: %(status)s.") % {
            "request": capfirst(self.label(row)),
            "status": decided.get_status_display(),
        }


class LimitRequestApprove(_Decide):
    name = "credit_limit_request_approve"
    description = _("Approve selected limit requests…")
    button_label = _("Approve…")
    title = _("Approve limit requests")
    submit_label = _("Approve")
    failed = _("was not approved")
    form_class = DecideForm


class LimitRequestReject(_Decide):
    approve = False
    name = "credit_limit_request_reject"
    description = _("Reject selected limit requests…")
    button_label = _("Reject…")
    title = _("Reject limit requests")
    submit_label = _("Reject")
    failed = _("was not rejected")
    form_class = RejectForm


class LimitRequestForm(ServiceModelForm):
    optional_fields = {"expires_on": _("Leave blank for a limit without expiry.")}


@admin.register(CreditLimitRequest)
class CreditLimitRequestAdmin(
    RowActionsMixin,
    RowScopedMixin,
    AddThenViewMixin,
    ServiceWritesMixin,
    ImportExportPermissionsMixin,
    ImportExportModelAdmin,
):
    scope_q = staticmethod(customer_visibility_q)
    scope_path = "customer__"
    scope_model = Customer
    scope_choices = staticmethod(customer_list)
    form = LimitRequestForm
    resource_classes = [CreditLimitRequestResource]
    row_actions = (LimitRequestApprove(), LimitRequestReject())
    list_display = (
        "id", "customer", "requested_limit", "currency", "status", "needs_second_approval",
        "requested_by", "first_decided_by", "second_decided_by", "created_at",
    )  # fmt: skip
    list_filter = ("status", "needs_second_approval", "currency")
    list_select_related = ("customer", "requested_by", "first_decided_by", "second_decided_by")
    search_fields = ("=customer__code", "reason")
    search_help_text = _("Exact customer code, or words of the reason.")
    autocomplete_fields = ("customer",)
    add_fields = ("customer", "requested_limit", "reason", "expires_on")
    view_fields = (
        *add_fields, "currency", "status", "needs_second_approval", "requested_by",
        "first_decided_by", "first_decided_at", "first_comment", "second_decided_by",
        "second_decided_at", "second_comment", "previous_limit", "cancelled_at", "created_at",
        "updated_at",
    )  # fmt: skip

    def save_through_service(
        self, request: HttpRequest, obj: CreditLimitRequest, form: forms.ModelForm, change: bool
    ) -> CreditLimitRequest:
        data = form.cleaned_data
        return credit_limit_request_create(
            customer_id=data["customer"].pk,
            user=request.user,
            requested_limit=data["requested_limit"],
            reason=data["reason"],
            expires_on=data.get("expires_on"),
        )


# --- the audit history (written by PostgreSQL triggers; read-only here) --------


class _HistoryAdmin(RowScopedMixin, ViewOnlyMixin, admin.ModelAdmin):
    scope_q = staticmethod(customer_visibility_q)
    scope_path = "pgh_obj__customer__"
    date_hierarchy = None
    ordering = ("-pgh_id",)

    @admin.display(description=_("by"))
    def who(self, event: Any) -> str:
        context = event.pgh_context or {}
        return str(context.get("username") or _t("system"))

    @admin.display(description=_("reason"))
    def why(self, event: Any) -> str:
        return str((event.pgh_context or {}).get("reason") or "")


@admin.register(CreditProfileEvent)
class CreditProfileEventAdmin(_HistoryAdmin):
    """Every change of a limit or a hold, including bulk and queryset updates."""

    list_display = (
        "pgh_created_at", "pgh_obj", "pgh_label", "credit_limit", "currency", "limit_expires_on",
        "is_on_hold", "hold_reason", "who", "why",
    )  # fmt: skip
    list_filter = ("pgh_label", "is_on_hold")
    list_select_related = ("pgh_obj",)
    search_fields = ("=pgh_obj__customer__code",)
    search_help_text = _("Exact customer code.")


@admin.register(CreditLimitRequestEvent)
class CreditLimitRequestEventAdmin(_HistoryAdmin):
    """Every status change of a credit-limit request."""

    list_display = (
        "pgh_created_at", "pgh_obj", "pgh_label", "status", "requested_limit",
        "first_decided_by", "second_decided_by", "previous_limit", "who", "why",
    )  # fmt: skip
    list_filter = ("pgh_label", "status")
    list_select_related = ("pgh_obj", "first_decided_by", "second_decided_by")
    search_fields = ("=pgh_obj__customer__code",)
    search_help_text = _("Exact customer code.")
