"""Customer balances and their rebuild snapshot in the admin: view-only.

Balances are derived rows the ledger services keep current and the nightly
refresh rebuilds; the snapshot says when the last complete rebuild ran. The
admin shows them (to explain a dashboard figure, or check the nightly run) and
never writes. Whoever may view invoices may view what is summed from them, so
viewing needs ``receivables.view_invoice`` (no role has a permission of its own
on these tables).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm.admin import BigTableMixin, ViewOnlyMixin
from receivables.admin._common import CustomerScopedMixin
from receivables.models import BalanceSnapshot, CustomerBalance


class _ViewableWithInvoicesMixin(ViewOnlyMixin):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("receivables.view_invoice")


@admin.register(CustomerBalance)
class CustomerBalanceAdmin(
    CustomerScopedMixin, _ViewableWithInvoicesMixin, BigTableMixin, admin.ModelAdmin
):
    list_display = ("customer", "currency", "open_total", "overdue_total", "as_of", "updated_at")
    list_filter = ("currency",)
    list_select_related = ("customer",)
    search_fields = ("=customer__code",)
    search_help_text = _("Exact customer code.")
    ordering = ("-overdue_total", "-open_total", "customer")  # who owes most, first


@admin.register(BalanceSnapshot)
class BalanceSnapshotAdmin(_ViewableWithInvoicesMixin, admin.ModelAdmin):
    list_display = ("as_of", "edges", "refreshed_at")
