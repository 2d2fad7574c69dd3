"""Admin lists: row scoping, big tables, exact-key search, import/export rights, money.

All app-independent; an app configures them (for example ``RowScopedMixin``
with the customers' visibility rule).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from crm.exports import SafeCSV, SafeXLSX
from crm.hooks import require_hook
from crm.money import is_known_currency, quantize

# Exports escape cells a spreadsheet would run as formulas (crm.exports).
FILE_FORMATS = [SafeCSV, SafeXLSX]


class RowScopedMixin:
    """Only the rows the user may see.

    Configure it once per app, for example for rows that belong to a customer::

        class CustomerScopedMixin(RowScopedMixin):
            scope_q = staticmethod(customer_visibility_q)   # (user=, prefix=) -> Q
            scope_path = "customer__"                       # model -> scoped row
            scope_model = Customer
            scope_choices = staticmethod(customer_list)     # (user=) -> QuerySet

    ``scope_path`` leads from the admin's model to the scoped row (``""`` for the
    scoped model itself); a foreign key to ``scope_model`` offers only
    ``scope_choices(user=...)``.
    """

    scope_q: Callable[..., Q] | None = None
    scope_path = ""
    scope_model: type[Model] | None = None
    scope_choices: Callable[..., QuerySet] | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        if self.scope_q is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a scope_q.")
        queryset = super().get_queryset(request)
        return queryset.filter(self.scope_q(user=request.user, prefix=self.scope_path))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if self.scope_choices is not None and db_field.related_model is self.scope_model:
            kwargs.setdefault("queryset", self.scope_choices(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered big table from PostgreSQL's statistics, not ``COUNT(*)``.

    Filtered lists (and every list on other databases) are counted exactly.
    """

    exact_below = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] >= self.exact_below:
                    return int(row[0])
        return super().count


class BigTableMixin:
    """List settings for tables with 100k+ rows."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


class ExactKeySearchMixin:
    """Search by exact keys only (``exact_keys(term)`` -> a Q): each one an index
    lookup, since ``icontains`` on a table of millions is a full scan."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        require_hook(self, "exact_keys", "(term: str) -> Q, the exact-key lookups of a search")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        return (queryset.filter(self.exact_keys(term)) if term else queryset), False


class ImportExportPermissionsMixin:
    """Import needs the add (and, where rows are updated, change) permission;
    export needs view. Without this import-export lets any staff user import."""

    import_updates_rows = False
    import_formats = FILE_FORMATS
    export_formats = FILE_FORMATS

    def has_import_permission(self, request: HttpRequest) -> bool:
        if self.import_updates_rows and not self.has_change_permission(request):
            return False
        return self.has_add_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


def money(amount: Decimal | None, currency: str) -> str:
    """``1,234.50 EUR``: rounded to the currency's minor unit (a SQLite sum may not be)."""
    if amount is None:
        return ""
    shown = quantize(amount, currency) if is_known_currency(currency) else amount
    return f"{shown:,} {currency}"
