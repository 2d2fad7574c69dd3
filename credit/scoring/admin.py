"""The back office for scores and backtests: view-only (scoring writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from credit.admin import CustomerScopedMixin
from credit.models import CreditBacktest, CreditScore, CreditScoreLatest
from crm.admin import BigTableMixin


class _ViewOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CreditScore)
class CreditScoreAdmin(CustomerScopedMixin, BigTableMixin, _ViewOnly):
    list_display = (
        "customer",
        "computed_at",
        "score",
        "grade",
        "probability_of_default",
        "version",
    )
    list_filter = ("grade", "version")
    list_select_related = ("customer",)
    search_fields = ("=customer__code",)
    ordering = ("-computed_at", "-id")
    readonly_fields = (
        "customer", "computed_at", "as_of", "score", "grade", "probability_of_default",
        "version", "components", "reasons",
    )  # fmt: skip
    fields = readonly_fields


@admin.register(CreditScoreLatest)
class CreditScoreLatestAdmin(CustomerScopedMixin, BigTableMixin, _ViewOnly):
    list_display = ("customer", "score")
    list_select_related = ("customer", "score")
    search_fields = ("=customer__code",)
    ordering = ("customer__code",)
    readonly_fields = ("customer", "score")
    fields = readonly_fields


@admin.register(CreditBacktest)
class CreditBacktestAdmin(_ViewOnly):
    list_display = (
        "computed_at",
        "observation_date",
        "as_of",
        "version",
        "customers",
        "defaults",
        "auc",
        "gini",
        "ks",
    )
    list_filter = ("version",)
    ordering = ("-computed_at", "-id")
    readonly_fields = (
        "computed_at", "as_of", "observation_date", "version", "customers", "defaults", "auc",
        "gini", "ks", "grades", "migration", "roc", "ks_curve",
    )  # fmt: skip
    fields = readonly_fields
