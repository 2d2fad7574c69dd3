"""The SQL side of the portfolio KPIs: a handful of GROUP BY queries per snapshot.

Every query groups by the same *cell* — the customer's tier, region and sales
rep and the currency of the invoice — so the portfolio, tier, region and
sales-rep figures are sums of cells, added up exactly in Python. The cube is
small (tiers × regions × reps × currencies) whatever the number of invoices.

Receivables on a past date are rebuilt from today's maintained open amounts
plus the settlements dated after that date (an allocation, credit note or
write-off after the date was not there yet; an allocation unapplied after the
date still was), so a snapshot reads only the open invoices and the recent
settlements, never every invoice. Void invoices are left out, as in aging.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from crm.money import DECIMAL_PLACES, MAX_DIGITS
from customers.models import Customer
from receivables.aging import Bucket, aging_buckets
from receivables.models import Allocation, CreditNote, Invoice, InvoiceStatus, WriteOff

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_ZERO = Decimal("0")
OVER_DAYS = 90  # "% of AR over 90 days": more than 90 days past due

# (tier, region, sales rep id or None, currency)
Cell = tuple[str, str, int | None, str]


@dataclass
class OpenReceivables:
    """Open AR on a date in one cell, with the not-yet-due and over-90-days parts and
    the aging buckets (receivables' bucket edges, keyed like ``aging_buckets()``)."""

    total: Decimal = _ZERO
    current: Decimal = _ZERO
    over_90: Decimal = _ZERO
    buckets: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class CellFigures:
    """Everything the KPI formulas need for one cell, in the cell's currency."""

    beginning: OpenReceivables = field(default_factory=OpenReceivables)
    ending: OpenReceivables = field(default_factory=OpenReceivables)
    credit_sales: Decimal = _ZERO
    write_offs: Decimal = _ZERO
    monthly_sales: dict[date, Decimal] = field(default_factory=dict)  # first of month -> sales
    customers: int = 0


def _cell_fields(invoice_path: str) -> tuple[str, str, str, str]:
    return (
        f"{invoice_path}customer__tier",
        f"{invoice_path}customer__region",
        f"{invoice_path}customer__sales_rep_id",
        f"{invoice_path}currency",
    )


def _sum(column: str, condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum(column, filter=condition), Value(_ZERO), output_field=_MONEY)


def _bucket_condition(bucket: Bucket, due: str, as_of: date) -> Q:
    """``Bucket.condition`` of receivables' aging, on the due date at path ``due``."""
    if bucket.low is None:
        return Q(**{f"{due}__gte": as_of})
    condition = Q(**{f"{due}__lte": as_of - timedelta(days=bucket.low)})
    if bucket.high is not None:
        condition &= Q(**{f"{due}__gte": as_of - timedelta(days=bucket.high)})
    return condition


def _open_sums(queryset: QuerySet, *, invoice_path: str, column: str, as_of: date) -> QuerySet:
    """Per cell: total, not-yet-due, more-than-90-days-past-due and per-bucket sums of
    ``column`` (bucket sums are annotated as ``bucket__<key>``)."""
    due = f"{invoice_path}due_date"
    buckets = {
        f"bucket__{bucket.key}": _sum(column, _bucket_condition(bucket, due, as_of))
        for bucket in aging_buckets()
    }
    return (
        queryset.order_by()
        .values(*_cell_fields(invoice_path))
        .annotate(
            total=_sum(column),
            current=_sum(column, Q(**{f"{due}__gte": as_of})),
            over_90=_sum(column, Q(**{f"{due}__lt": as_of - timedelta(days=OVER_DAYS)})),
            **buckets,
        )
    )


def _issued_by(invoice_path: str, as_of: date) -> Q:
    return Q(**{f"{invoice_path}issue_date__lte": as_of}) & ~Q(
        **{f"{invoice_path}status": InvoiceStatus.VOID}
    )


def open_receivables_on(as_of: date) -> dict[Cell, OpenReceivables]:
    """Open AR per cell at the end of ``as_of`` (five grouped queries)."""
    path = "invoice__"
    parts: list[tuple[int, QuerySet]] = [
        (
            1,
            _open_sums(
                Invoice.objects.filter(_issued_by("", as_of), open_amount__gt=0),
                invoice_path="",
                column="open_amount",
                as_of=as_of,
            ),
        ),
        # Paid after the date: still open on it.
        (
            1,
            _open_sums(
                Allocation.objects.filter(
                    _issued_by(path, as_of), unapplied_at__isnull=True, allocated_on__gt=as_of
                ),
                invoice_path=path,
                column="amount",
                as_of=as_of,
            ),
        ),
        # Applied by the date and unapplied only after it: it had settled part of the invoice.
        (
            -1,
            _open_sums(
                Allocation.objects.filter(
                    _issued_by(path, as_of), allocated_on__lte=as_of, unapplied_at__date__gt=as_of
                ),
                invoice_path=path,
                column="amount",
                as_of=as_of,
            ),
        ),
        (
            1,
            _open_sums(
                CreditNote.objects.filter(_issued_by(path, as_of), issue_date__gt=as_of),
                invoice_path=path,
                column="amount",
                as_of=as_of,
            ),
        ),
        (
            1,
            _open_sums(
                WriteOff.objects.filter(_issued_by(path, as_of), written_off_on__gt=as_of),
                invoice_path=path,
                column="amount",
                as_of=as_of,
            ),
        ),
    ]
    cells: dict[Cell, OpenReceivables] = defaultdict(OpenReceivables)
    for sign, rows in parts:
        fields = _cell_fields("" if rows.model is Invoice else path)
        for row in rows:
            figures = cells[_cell(row, fields)]
            figures.total += sign * row["total"]
            figures.current += sign * row["current"]
            figures.over_90 += sign * row["over_90"]
            for name, amount in row.items():
                if name.startswith("bucket__"):
                    key = name.removeprefix("bucket__")
                    figures.buckets[key] = figures.buckets.get(key, _ZERO) + sign * amount
    return dict(cells)


def _cell(row: dict, fields: tuple[str, str, str, str]) -> Cell:
    return (row[fields[0]], row[fields[1]], row[fields[2]], row[fields[3]])


def _keyed(rows: QuerySet, value: str, invoice_path: str = "") -> dict[Cell, Decimal]:
    fields = _cell_fields(invoice_path)
    return {_cell(row, fields): row[value] for row in rows}


def credit_sales_between(start: date, end: date) -> dict[Cell, Decimal]:
    """Invoiced (not void) per cell, issue dates from ``start`` to ``end`` inclusive."""
    rows = (
        Invoice.objects.filter(issue_date__gte=start, issue_date__lte=end)
        .exclude(status=InvoiceStatus.VOID)
        .order_by()
        .values(*_cell_fields(""))
        .annotate(sales=_sum("total"))
    )
    return _keyed(rows, "sales")


def write_offs_between(start: date, end: date) -> dict[Cell, Decimal]:
    rows = (
        WriteOff.objects.filter(written_off_on__gte=start, written_off_on__lte=end)
        .order_by()
        .values(*_cell_fields("invoice__"))
        .annotate(written_off=_sum("amount"))
    )
    return _keyed(rows, "written_off", "invoice__")


def monthly_sales_between(start: date, end: date) -> dict[Cell, dict[date, Decimal]]:
    """Invoiced per cell and calendar month (keyed by the month's first day)."""
    rows = (
        Invoice.objects.filter(issue_date__gte=start, issue_date__lte=end)
        .exclude(status=InvoiceStatus.VOID)
        .annotate(month=TruncMonth("issue_date"))
        .order_by()
        .values(*_cell_fields(""), "month")
        .annotate(sales=_sum("total"))
    )
    result: dict[Cell, dict[date, Decimal]] = defaultdict(dict)
    fields = _cell_fields("")
    for row in rows:
        result[_cell(row, fields)][row["month"]] = row["sales"]
    return dict(result)


def customers_on(as_of: date) -> dict[Cell, int]:
    """Customers on the books on ``as_of`` per cell (their own currency as the cell's)."""
    rows = (
        Customer.objects.filter(customer_since__lte=as_of)
        .order_by()
        .values("tier", "region", "sales_rep_id", "currency")
        .annotate(customers=Count("pk"))
    )
    return {
        (row["tier"], row["region"], row["sales_rep_id"], row["currency"]): row["customers"]
        for row in rows
    }


def cell_figures(
    *, as_of: date, period_days: int, countback_start: date
) -> dict[Cell, CellFigures]:
    """All the KPI inputs of a snapshot per cell: 14 grouped queries in all."""
    period_start = as_of - timedelta(days=period_days - 1)
    cells: dict[Cell, CellFigures] = defaultdict(CellFigures)
    for cell, figures in open_receivables_on(as_of).items():
        cells[cell].ending = figures
    for cell, figures in open_receivables_on(period_start - timedelta(days=1)).items():
        cells[cell].beginning = figures
    for cell, amount in credit_sales_between(period_start, as_of).items():
        cells[cell].credit_sales = amount
    for cell, amount in write_offs_between(period_start, as_of).items():
        cells[cell].write_offs = amount
    for cell, months in monthly_sales_between(countback_start, as_of).items():
        cells[cell].monthly_sales = months
    for cell, count in customers_on(as_of).items():
        cells[cell].customers = count
    return dict(cells)
