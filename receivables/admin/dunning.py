"""Dunning in the admin: policies (with their levels) saved through
``dunning_policy_save``, customer pins through ``customer_dunning_policy_pin``.

A policy and its levels are saved together by the service, which checks the
offsets (strictly increasing) and the templates (unknown fields are named); a
refusal is shown on the policy form and nothing is written. A level removed
from the page after it produced notices is retired, not deleted. Notices are
written by the dunning run and its sending task; here they are viewed, and a
bounce that came back to a mailbox can be recorded.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from crm.admin import (
    BigTableMixin,
    ExactKeySearchMixin,
    PerRowAction,
    RowActionsMixin,
    ServiceInlineMixin,
    ServiceModelForm,
    ServiceRefused,
    ServiceWritesMixin,
    ViewOnlyMixin,
    money,
)
from crm.exceptions import ApplicationError
from crm.imports import adopt
from receivables.admin._common import RECORD, CustomerScopedMixin, invoice_link, of_customer_code
from receivables.dunning.bounces import dunning_notice_bounce
from receivables.dunning.pins import customer_dunning_policy_pin, customer_dunning_policy_unpin
from receivables.dunning.policies import dunning_policy_save
from receivables.models import (
    CustomerDunningPolicy,
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
    DunningPolicy,
)

_LEVEL_FIELDS = (
    "offset_days", "channel", "subject_en", "body_en", "subject_zh", "body_zh",
    "create_collector_task", "place_credit_hold", "flag_for_agency",
)  # fmt: skip
_NOTICE_VIEW = "receivables.view_dunningnotice"

# --- policies and their levels -------------------------------------------------


class DunningLevelInline(ServiceInlineMixin, admin.StackedInline):
    """The levels of a policy, in order; positions are given by that order."""

    model = DunningLevel
    fields = ("position", *_LEVEL_FIELDS)
    readonly_fields = ("position",)
    ordering = ("position",)

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 1 if obj is None else 0  # a new policy starts with a blank level

    def get_queryset(self, request: HttpRequest) -> QuerySet[DunningLevel]:
        return super().get_queryset(request).filter(retired_at__isnull=True)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset_class = super().get_formset(request, obj, **kwargs)

        class RetiringLevelForm(formset_class.form):
            def hand_clean_DELETE(self) -> None:  # noqa: N802 (Django's name)
                """A removed level with notices is retired by the service, so the
                admin's "protected related objects" refusal does not apply."""

        formset_class.form = RetiringLevelForm
        return formset_class


def _levels_of(formset: Any) -> list[dict[str, Any]]:
    """The levels the inline holds, in its order, without deleted or blank new rows."""
    deleted = set(map(id, formset.deleted_forms)) if formset.can_delete else set()
    levels = []
    for level_form in formset.forms:
        if id(level_form) in deleted:
            continue
        if level_form.instance.pk is None and not level_form.has_changed():
            continue
        level = {name: _value(level_form, name) for name in _LEVEL_FIELDS}
        level["id"] = level_form.instance.pk
        levels.append(level)
    return levels


def _value(level_form: Any, name: str) -> Any:
    """What the row says, or, where the user may only view it, what it holds."""
    if name in level_form.fields:
        return level_form.cleaned_data.get(name)
    return getattr(level_form.instance, name)


def _as_form_error(error: ApplicationError | ValidationError) -> ApplicationError | ValidationError:
    """The levels' refusals are about the inline, not a policy field: show them on top."""
    if isinstance(error, ApplicationError) and set(error.extra.get("fields") or {}) == {"levels"}:
        return ValidationError(error.message)
    return error


@admin.register(DunningPolicy)
class DunningPolicyAdmin(ServiceWritesMixin, admin.ModelAdmin):
    form = ServiceModelForm
    list_display = ("name", "is_default_for_tier", "level_count", "description", "updated_at")
    list_filter = ("is_default_for_tier",)
    search_fields = ("name",)
    inlines = (DunningLevelInline,)
    fields = ("name", "description", "is_default_for_tier", *RECORD)
    readonly_fields = RECORD

    def get_queryset(self, request: HttpRequest) -> QuerySet[DunningPolicy]:
        return super().get_queryset(request).annotate(level_count=Count("levels"))

    @admin.display(description=_("levels"), ordering="level_count")
    def level_count(self, policy: DunningPolicy) -> int:
        return getattr(policy, "level_count", 0)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # customers and notices may refer to it

    def save_model(self, request: HttpRequest, obj: DunningPolicy, form: Any, change: bool) -> None:
        pass  # the service saves the policy with its levels, in save_related

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        levels_formset = next((fs for fs in formsets if fs.model is DunningLevel), None)
        if levels_formset is not None:
            levels = _levels_of(levels_formset)
        else:  # the user may not edit the levels: keep them as they are
            kept = (
                form.instance.levels.filter(retired_at__isnull=True).order_by("position")
                if change
                else []
            )
            levels = [
                {"id": level.pk, **{name: getattr(level, name) for name in _LEVEL_FIELDS}}
                for level in kept
            ]
        data = form.cleaned_data
        try:
            saved = dunning_policy_save(
                name=data.get("name") or "",
                description=data.get("description") or "",
                is_default_for_tier=data.get("is_default_for_tier") or "",
                levels=levels,
                policy=form.instance if change else None,
            )
        except (ApplicationError, ValidationError) as error:
            raise ServiceRefused(form.prefix, _as_form_error(error)) from error
        adopt(form.instance, saved)
        for formset in formsets:  # saved by the service; nothing left to log per row
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(DunningLevel)
class DunningLevelAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Levels are changed on their policy's page, where the whole cadence is checked."""

    list_display = ("policy", "position", "offset_days", "channel", "subject_en")
    list_filter = ("policy", "channel")
    list_select_related = ("policy",)
    ordering = ("policy__name", "position")


# --- customer pins -------------------------------------------------------------


@admin.register(CustomerDunningPolicy)
class CustomerDunningPolicyAdmin(CustomerScopedMixin, ServiceWritesMixin, admin.ModelAdmin):
    """Pin a customer to a policy (``customer_dunning_policy_pin``); deleting the pin
    (``customer_dunning_policy_unpin``) puts the customer back on the tier's default."""

    list_display = ("customer", "policy")
    list_filter = ("policy",)
    list_select_related = ("customer", "policy")
    search_fields = ("=customer__code",)
    search_help_text = _("Customer code (exact).")
    ordering = ("customer__code",)
    autocomplete_fields = ("customer",)
    fields = ("customer", "policy")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("customer",) if obj is not None else ()

    def save_through_service(
        self, request: HttpRequest, obj: CustomerDunningPolicy, form: Any, change: bool
    ) -> CustomerDunningPolicy:
        customer = obj.customer if change else form.cleaned_data.get("customer")
        policy = form.cleaned_data.get("policy")
        if customer is None or policy is None:
            raise ValidationError(_("Choose a customer and a policy."))
        return customer_dunning_policy_pin(customer=customer, policy=policy)

    def delete_model(self, request: HttpRequest, obj: CustomerDunningPolicy) -> None:
        customer_dunning_policy_unpin(customer=obj.customer)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for pin in queryset.select_related("customer"):
            customer_dunning_policy_unpin(customer=pin.customer)


# --- notices -------------------------------------------------------------------


class _NoticeViewersMixin:
    """The invoices of a notice are seen by whoever may see notices."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(_NOTICE_VIEW)


class DunningNoticeInvoiceInline(_NoticeViewersMixin, admin.TabularInline):
    model = DunningNoticeInvoice
    fields = ("invoice_number", "open_at_notice")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DunningNoticeInvoice]:
        return super().get_queryset(request).select_related("invoice")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("invoice"))
    def invoice_number(self, line: DunningNoticeInvoice) -> str:
        return invoice_link(line.invoice)

    @admin.display(description=_("open at notice"))
    def open_at_notice(self, line: DunningNoticeInvoice) -> str:
        return money(line.open_amount_at_notice, line.invoice.currency)


class BounceForm(forms.Form):
    email = forms.EmailField(
        label=_("Address that bounced"),
        required=False,
        help_text=_("Leave blank for the address the notice was sent to."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        help_text=_("The mail server's reply, such as '550 5.1.1 mailbox unavailable'."),
    )


class DunningNoticeBounce(PerRowAction):
    """A clerk records a bounce that came back to a mailbox instead of the webhook."""

    name = "dunning_notice_bounce"
    description = _("Mark selected notices as bounced…")
    button_label = _("Mark as bounced…")
    title = _("Mark notices as bounced")
    submit_label = _("Mark as bounced")
    failed = _("was not marked as bounced")
    permission = "receivables.report_bounce_dunningnotice"
    form_class = BounceForm
    on_change_page = True

    def offered_for(self, row: Model) -> bool:
        return row.status == DunningNoticeStatus.SENT

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        notice = dunning_notice_bounce(
            notice_id=row.pk, email=data.get("email") or "", reason=data["reason"]
        )
        return _t(
            "Notice %(notice)s bounced: the address %(email)s is marked invalid and the "
            "notice goes out again once the customer has a valid billing email."
        ) % {"notice": notice.pk, "email": notice.bounce_reason.partition(":")[0]}


@admin.register(DunningNotice)
class DunningNoticeAdmin(
    RowActionsMixin,
    CustomerScopedMixin,
    ExactKeySearchMixin,
    ViewOnlyMixin,
    BigTableMixin,
    admin.ModelAdmin,
):
    """Written by the dunning run and the sending task; viewed here, and a bounce
    that came back to a mailbox can be recorded."""

    row_actions = (DunningNoticeBounce(),)

    list_display = (
        "customer", "level", "run_date", "status", "to_email", "attempts", "sent_at",
    )  # fmt: skip
    list_filter = ("status", ("run_date", admin.DateFieldListFilter))
    list_select_related = ("customer", "level")
    search_fields = ("customer__code",)  # see exact_keys
    search_help_text = _("Exact customer code.")
    inlines = (DunningNoticeInvoiceInline,)
    fields = (
        "customer", "level", "run_date", "status", "to_email", "subject", "body", "attempts",
        "last_error", "sent_at", "message_id", "claimed_until", "enqueued_at", "bounced_at",
        "bounce_reason", "idempotency_key", *RECORD,
    )  # fmt: skip

    def exact_keys(self, term: str) -> Q:
        return of_customer_code(term)


@admin.register(DunningNoticeInvoice)
class DunningNoticeInvoiceAdmin(
    CustomerScopedMixin, _NoticeViewersMixin, ViewOnlyMixin, BigTableMixin, admin.ModelAdmin
):
    """The invoices each notice listed, with what was open on them then."""

    scope_path = "notice__customer__"
    list_display = ("notice", "invoice", "open_amount_at_notice")
    list_select_related = ("notice", "invoice")
    fields = ("notice", "invoice", "open_amount_at_notice")
    ordering = ("-notice__run_date", "-notice_id", "invoice_id")


__all__ = [
    "CustomerDunningPolicyAdmin",
    "DunningLevelAdmin",
    "DunningNoticeAdmin",
    "DunningNoticeInvoiceAdmin",
    "DunningPolicyAdmin",
]
