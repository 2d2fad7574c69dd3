"""Admin: FX rates (with import), tier rules (validated as a set, with a what-if preview),
and read-only views of runs, chunks, metrics and tier changes."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

# KPI snapshots (analytics-pages) live with the KPIs; importing registers them.
from analytics.kpis import admin as kpis_admin  # noqa: F401
from analytics.models import (
    CustomerMetrics,
    FxRate,
    PipelineChunk,
    PipelineRun,
    TierChange,
    TierRule,
)
from analytics.resources import FxRateResource
from analytics.services.fx import fx_rate_save
from analytics.tiering.rules import BOUND_FIELDS, GRADES, RuleSpec
from analytics.tiering.services import (
    tier_rule_save,
    tier_rule_set_edited,
    tier_rule_set_with,
    tier_rules_check,
    tier_rules_save,
    tier_what_if,
    tier_what_if_for_rule,
)
from crm.admin import ImportExportPermissionsMixin, ServiceWritesMixin
from crm.exceptions import ApplicationError
from customers.models import Tier

GRADE_CHOICES = [(grade, grade or _("not graded")) for grade in GRADES]
TIER_LABELS = dict(Tier.choices)


@admin.register(FxRate)
class FxRateAdmin(ImportExportPermissionsMixin, ServiceWritesMixin, ImportExportModelAdmin):
    import_updates_rows = True  # a rate for a date and currency already held is replaced
    resource_classes = [FxRateResource]
    list_display = ["currency", "date", "rate"]
    list_filter = ["currency"]
    date_hierarchy = "date"
    ordering = ["currency", "-date"]

    def save_through_service(self, request: HttpRequest, obj: FxRate, form, change: bool):
        return fx_rate_save(rate=obj)

    def has_delete_permission(self, request, obj=None):
        # A rate used by past runs is corrected by changing it, never deleted.
        return False


class TierRuleForm(forms.ModelForm):
    risk_grades = forms.MultipleChoiceField(
        label=_("risk grades"),
        choices=GRADE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked = any grade."),
    )

    class Meta:
        model = TierRule
        fields = [
            "name",
            "tier",
            "is_active",
            "position",
            "risk_grades",
            "on_hold",
            *BOUND_FIELDS,
            "description",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        spec = self.spec()
        try:
            tier_rules_check(
                rules=tier_rule_set_with(
                    rule=spec, replacing_id=self.instance.pk, active=cleaned.get("is_active")
                )
            )
        except ApplicationError as error:
            for problem in error.extra.get("problems", [error.message]):
                self.add_error(None, problem)
            return cleaned
        if "_preview" in self.data:
            # Preview: show how many customers would move, and refuse to save.
            moves = tier_what_if_for_rule(
                rule=spec, replacing_id=self.instance.pk, active=cleaned.get("is_active")
            )
            self.what_if = _what_if_rows(moves)
            self.add_error(None, _what_if_summary(moves))
        return cleaned

    def spec(self) -> RuleSpec:
        data = self.cleaned_data
        return RuleSpec(
            name=data["name"],
            tier=data["tier"],
            risk_grades=tuple(data.get("risk_grades") or ()),
            on_hold=data["on_hold"],
            days_past_due_above=data.get("days_past_due_above"),
            days_past_due_at_most=data.get("days_past_due_at_most"),
            value_percentile_above=data.get("value_percentile_above"),
            value_percentile_at_most=data.get("value_percentile_at_most"),
            days_late_above=data.get("days_late_above"),
            days_late_at_most=data.get("days_late_at_most"),
            position=data.get("position") or 0,
        )


class TierRuleListForm(forms.ModelForm):
    """A row of the rule list: its bounds are checked with the other rows, by the formset."""

    class Meta:
        model = TierRule
        fields = BOUND_FIELDS


class TierRuleListFormSet(forms.BaseModelFormSet):
    """Edits several rules at once: the whole set is checked (and previewed) before saving."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        specs = tier_rule_set_edited(rules=[form.instance for form in self.forms])
        try:
            tier_rules_check(rules=specs)
        except ApplicationError as error:
            raise forms.ValidationError(error.extra.get("problems", [error.message])) from error
        if self.data.get("_save") == "_preview":
            raise forms.ValidationError(_what_if_summary(tier_what_if(rules=specs)))


@admin.register(TierRule)
class TierRuleAdmin(admin.ModelAdmin):
    form = TierRuleForm
    list_display = ["position", "name", "tier", *BOUND_FIELDS]
    list_display_links = ["name"]
    list_editable = BOUND_FIELDS
    ordering = ["position", "id"]
    change_form_template = "admin/analytics/tierrule/change_form.html"
    change_list_template = "admin/analytics/tierrule/change_list.html"
    actions = None

    def get_changelist_form(self, request, **kwargs):
        return TierRuleListForm

    def get_changelist_formset(self, request, **kwargs):
        kwargs["formset"] = TierRuleListFormSet
        return super().get_changelist_formset(request, **kwargs)

    def save_model(self, request: HttpRequest, obj: TierRule, form, change: bool) -> None:
        if isinstance(form, TierRuleListForm):
            # The formset checked the whole edited set; the changelist saves inside one
            # transaction, and tier_rules_save re-checks it with the rows saved so far.
            tier_rules_save(rules=[obj], check=False)
        else:
            tier_rule_save(rule=obj)

    def has_delete_permission(self, request, obj=None):
        # Rules are switched off (unticking "active", checked like any change), not deleted,
        # so tier history keeps pointing at the rule that decided it.
        return False


def _what_if_rows(moves: dict[tuple[str, str], int]) -> list[dict]:
    return [
        {
            "old": TIER_LABELS.get(old, old),
            "new": TIER_LABELS.get(new, new),
            "count": count,
            "moves": old != new,
        }
        for (old, new), count in sorted(moves.items())
    ]


def _what_if_summary(moves: dict[tuple[str, str], int]) -> str:
    moving = {key: count for key, count in moves.items() if key[0] != key[1]}
    if not moving:
        return gettext("Preview: no customer would change tier (nothing saved).")
    parts = [
        gettext("%(count)d from %(old)s to %(new)s")
        % {"count": count, "old": TIER_LABELS.get(old, old), "new": TIER_LABELS.get(new, new)}
        for (old, new), count in sorted(moving.items())
    ]
    return gettext("Preview (nothing saved): %(moves)s.") % {"moves": "; ".join(parts)}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PipelineChunkInline(admin.TabularInline):
    model = PipelineChunk
    extra = 0
    can_delete = False
    fields = ["index", "first_customer_id", "last_customer_id", "customer_count", "status"]
    readonly_fields = [*fields, "attempts", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PipelineRun)
class PipelineRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "as_of", "status", "chunks_done", "chunks_total", "tier_changes"]
    list_filter = ["status"]
    inlines = [PipelineChunkInline]
    exclude = ["parameters"]


@admin.register(PipelineChunk)
class PipelineChunkAdmin(ReadOnlyAdmin):
    list_display = ["run", "index", "first_customer_id", "last_customer_id", "status", "attempts"]
    list_filter = ["status"]
    list_select_related = ["run"]


@admin.register(CustomerMetrics)
class CustomerMetricsAdmin(ReadOnlyAdmin):
    list_display = [
        "customer",
        "tier",
        "rfm_segment",
        "clv",
        "clv_method",
        "contribution",
        "is_loss_making",
        "is_churn_warning",
    ]
    list_filter = ["tier", "rfm_segment", "clv_method", "is_loss_making", "is_churn_warning"]
    list_select_related = ["customer"]
    search_fields = ["customer__code", "customer__name"]
    show_full_result_count = False


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ["customer", "old_tier", "new_tier", "rule_name", "changed_at", "notified_at"]
    list_filter = ["new_tier"]
    list_select_related = ["customer"]
    search_fields = ["customer__code", "customer__name"]
