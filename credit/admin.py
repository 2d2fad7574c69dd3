"""The back office for credit profiles: view-only.

A limit change goes through a credit-limit request and a hold is placed or
released with who and why; neither has a service yet, so the admin shows
profiles and does not edit them (editing the row directly would skip the
audit history).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from credit.models import (
    CreditCheck,
    CreditHoldEvent,
    CreditProfile,
    CreditReview,
    CreditReviewSchedule,
    OpenOrder,
)
from credit.selectors import customer_exposure
from crm.admin import BigTableMixin, RowScopedMixin, money
from customers.models import Customer
from customers.selectors import customer_list, customer_visibility_q


class CustomerScopedMixin(RowScopedMixin):
    """Only profiles of customers the user may see (the customers' own rule)."""

    scope_q = staticmethod(customer_visibility_q)
    scope_path = "customer__"
    scope_model = Customer
    scope_choices = staticmethod(customer_list)


@admin.register(CreditProfile)
class CreditProfileAdmin(CustomerScopedMixin, BigTableMixin, admin.ModelAdmin):
    list_display = (
        "customer",
        "credit_limit",
        "currency",
        "is_on_hold",
        "hold_reason",
        "hold_since",
    )
    list_filter = ("is_on_hold", "currency")
    list_select_related = ("customer",)
    search_fields = ("=customer__code", "customer__name")
    search_help_text = _("Exact customer code, or words of the customer's name.")
    ordering = ("customer__code",)
    fields = (
        "customer", "credit_limit", "currency", "exposure", "available_credit", "is_on_hold",
        "hold_reason", "hold_since", "created_at", "updated_at",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with the customer (credit_profile_ensure)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @staticmethod
    def _exposure(profile: CreditProfile) -> Decimal:
        if not hasattr(profile, "_exposure"):
            profile._exposure = customer_exposure(customer=profile.customer)
        return profile._exposure

    @admin.display(description=_("exposure (open AR)"))
    def exposure(self, profile: CreditProfile) -> str:
        return money(self._exposure(profile), profile.currency)

    @admin.display(description=_("available credit"))
    def available_credit(self, profile: CreditProfile) -> str:
        return money(profile.credit_limit - self._exposure(profile), profile.currency)


# --- Credit operations (issue #5): holds, open orders, checks, reviews ---------
# View-only: every row is written by a service (holds and reviews from the credit
# pages, open orders and checks from the API), never edited here.


class _ViewOnlyAdmin(CustomerScopedMixin, BigTableMixin, admin.ModelAdmin):
    list_select_related = ("customer",)
    search_fields = ("=customer__code",)
    search_help_text = _("Exact customer code.")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CreditHoldEvent)
class CreditHoldEventAdmin(_ViewOnlyAdmin):
    list_display = ("created_at", "customer", "action", "source", "reason", "actor")
    list_filter = ("action", "source")
    list_select_related = ("customer", "actor")
    ordering = ("-created_at", "-pk")


@admin.register(OpenOrder)
class OpenOrderAdmin(_ViewOnlyAdmin):
    list_display = ("external_reference", "customer", "amount", "currency", "status", "updated_at")
    list_filter = ("status", "currency")
    search_fields = ("=customer__code", "=external_reference")
    search_help_text = _("Exact customer code or order reference.")
    ordering = ("-created_at", "-pk")


@admin.register(CreditCheck)
class CreditCheckAdmin(_ViewOnlyAdmin):
    list_display = (
        "created_at", "customer", "order_reference", "order_amount", "currency", "result",
        "available_credit",
    )  # fmt: skip
    list_filter = ("result",)
    search_fields = ("=customer__code", "=order_reference")
    search_help_text = _("Exact customer code or order reference.")
    ordering = ("-created_at", "-pk")


@admin.register(CreditReview)
class CreditReviewAdmin(_ViewOnlyAdmin):
    list_display = (
        "reviewed_at",
        "customer",
        "decision",
        "risk_grade",
        "reviewer",
        "next_review_on",
    )
    list_filter = ("decision", "risk_grade")
    list_select_related = ("customer", "reviewer")
    ordering = ("-reviewed_at", "-pk")


@admin.register(CreditReviewSchedule)
class CreditReviewScheduleAdmin(_ViewOnlyAdmin):
    list_display = ("customer", "next_review_on", "last_reviewed_on")
    ordering = ("next_review_on", "pk")


# Credit-limit requests (issue #5 item 7) have their own module.
from credit import admin_limits  # noqa: E402, F401

# Credit scoring's admin pages (view-only) live with the scoring package.
from credit.scoring import admin as _scoring_admin  # noqa: E402, F401
