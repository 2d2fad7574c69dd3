"""The collections worklist in the back office: cases and the activity timeline,
only viewed here (clerks work them on the worklist pages, through the services)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.admin import BigTableMixin, ExactKeySearchMixin, ViewOnlyMixin
from receivables.admin._common import CustomerScopedMixin, of_customer_code
from receivables.models import CollectionActivity, CollectionCase


@admin.register(CollectionCase)
class CollectionCaseAdmin(
    CustomerScopedMixin, ExactKeySearchMixin, ViewOnlyMixin, BigTableMixin, admin.ModelAdmin
):
    """Who works which customer and when to follow up; claimed and assigned on the worklist."""

    list_display = ("customer", "assignee", "claimed_at", "next_follow_up_on", "last_activity_at")
    list_select_related = ("customer", "assignee")
    list_filter = (("next_follow_up_on", admin.DateFieldListFilter),)
    search_fields = ("customer__code",)  # see exact_keys
    search_help_text = _("Exact customer code.")
    fields = (
        "customer", "assignee", "claimed_at", "next_follow_up_on", "last_activity_at",
        "created_at", "updated_at",
    )  # fmt: skip
    ordering = ("-updated_at", "-id")

    def exact_keys(self, term: str) -> Q:
        return of_customer_code(term)


@admin.register(CollectionActivity)
class CollectionActivityAdmin(
    CustomerScopedMixin, ExactKeySearchMixin, ViewOnlyMixin, BigTableMixin, admin.ModelAdmin
):
    """The clerks' timeline: calls, emails, notes, promises, disputes, follow-ups."""

    list_display = ("created_at", "customer", "author", "kind", "outcome")
    list_select_related = ("customer", "author")
    list_filter = ("kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("customer__code",)  # see exact_keys
    search_help_text = _("Exact customer code.")
    fields = ("customer", "author", "kind", "outcome", "promise", "dispute", "notice", "created_at")
    ordering = ("-created_at", "-id")

    def exact_keys(self, term: str) -> Q:
        return of_customer_code(term)


__all__ = ["CollectionActivityAdmin", "CollectionCaseAdmin"]
