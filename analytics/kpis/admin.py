"""Back office: the stored KPI snapshots, read-only (the daily task and the backfill
command write them)."""

from __future__ import annotations

from django.contrib import admin

from analytics.models import KpiSnapshot
from crm.admin import BigTableMixin, ViewOnlyMixin


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(ViewOnlyMixin, BigTableMixin, admin.ModelAdmin):
    list_display = [
        "as_of", "dimension", "key", "label", "currency", "ending_ar", "dso",
        "countback_dso", "collection_effectiveness_index", "missing_fx_currencies",
    ]  # fmt: skip
    list_filter = ["dimension"]
    date_hierarchy = "as_of"
    ordering = ["-as_of", "dimension", "key"]
