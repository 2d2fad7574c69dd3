"""Aging of open receivables: buckets by days past due on an as-of date.

Reads only; the maintained ``open_amount`` makes today's aging one indexed
aggregate over open invoices. A past as-of date rebuilds each invoice's open
amount on that date from its settlements, which reads every invoice issued by
then and is correspondingly slower.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.exceptions import ValidationFailed
from crm.money import DECIMAL_PLACES, MAX_DIGITS, quantize
from customers.selectors import customer_visibility_q
from receivables.models import (
    Allocation,
    CreditNote,
    CustomerBalance,
    Invoice,
    InvoiceStatus,
    WriteOff,
)
from receivables.services._checks import date_checked
from receivables.services.balances import balances_are_fresh

User = AbstractBaseUser | AnonymousUser
_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_ZERO = Decimal("0.00")

# group_by value -> (fields read per group, label field)
GROUPINGS: dict[str, tuple[tuple[str, ...], str]] = {
    "portfolio": ((), ""),
    "customer": (("customer_id", "customer__code", "customer__name"), "customer__name"),
    "sales_rep": (
        ("customer__sales_rep_id", "customer__sales_rep__username"),
        "customer__sales_rep__username",
    ),
    "region": (("customer__region",), "customer__region"),
    "tier": (("customer__tier",), "customer__tier"),
    "currency": ((), ""),
}


# Column paths of the groupings -> the names they carry in the API and in exports.
GROUP_FIELD_NAMES = {
    "customer_id": "customer_id",
    "customer__code": "customer_code",
    "customer__name": "customer_name",
    "customer__sales_rep_id": "sales_rep_id",
    "customer__sales_rep__username": "sales_rep_username",
    "customer__region": "region",
    "customer__tier": "tier",
}


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    low: int | None  # lowest days past due in the bucket (None: not yet due)
    high: int | None  # highest days past due (None: no upper end)

    def condition(self, as_of: date) -> Q:
        """Open items whose due date puts them in this bucket on ``as_of``."""
        if self.low is None:
            return Q(due_date__gte=as_of)
        condition = Q(due_date__lte=as_of - timedelta(days=self.low))
        if self.high is not None:
            condition &= Q(due_date__gte=as_of - timedelta(days=self.high))
        return condition


def aging_buckets() -> list[Bucket]:
    """Current, then one bucket per edge (default 1–30, 31–60, 61–90, 91–120), then the rest."""
    edges = list(getattr(settings, "CRM_AGING_BUCKET_EDGES", (30, 60, 90, 120)))
    buckets = [Bucket("current", str(_("Current")), None, None)]
    low = 1
    for edge in edges:
        buckets.append(Bucket(f"d{low}_{edge}", f"{low}–{edge}", low, edge))
        low = edge + 1
    buckets.append(Bucket(f"d{low}_plus", f"{low - 1}+", low, None))
    return buckets


@dataclass
class AgingRow:
    group: dict[str, Any]
    currency: str
    buckets: dict[str, Decimal]
    total: Decimal
    overdue: Decimal


@dataclass
class AgingReport:
    as_of: date
    group_by: str
    buckets: list[Bucket]
    rows: list[AgingRow]
    totals: dict[str, AgingRow] = field(default_factory=dict)  # per currency
    row_count: int = 0


def invoice_open_on(as_of: date) -> ExpressionWrapper:
    """An invoice's open amount on ``as_of``, rebuilt from the settlements dated by then."""

    def settled(model, link: str, condition: Q) -> Coalesce:
        rows = model.objects.filter(condition, **{link: OuterRef("pk")}).order_by()
        total = rows.values(link).annotate(total=Sum("amount")).values("total")[:1]
        return Coalesce(Subquery(total, output_field=_MONEY), Value(_ZERO), output_field=_MONEY)

    not_unapplied_by_then = Q(unapplied_at__isnull=True) | Q(unapplied_at__date__gt=as_of)
    return ExpressionWrapper(
        F("total")
        - settled(Allocation, "invoice", Q(allocated_on__lte=as_of) & not_unapplied_by_then)
        - settled(CreditNote, "invoice", Q(issue_date__lte=as_of))
        - settled(WriteOff, "invoice", Q(written_off_on__lte=as_of)),
        output_field=_MONEY,
    )


def _open_items(*, user: User, as_of: date, today: date) -> tuple[QuerySet[Invoice], str]:
    """Open invoices the user may see, and the name of their open-amount column."""
    visible = Invoice.objects.filter(customer_visibility_q(user=user, prefix="customer__"))
    if as_of >= today:
        return visible.filter(open_amount__gt=0), "open_amount"
    historical = (
        visible.filter(issue_date__lte=as_of)
        .exclude(status=InvoiceStatus.VOID)
        .annotate(open_then=invoice_open_on(as_of))
    )
    return historical.filter(open_then__gt=0), "open_then"


def aging_report(
    *,
    user: User,
    as_of: date | None = None,
    group_by: str = "portfolio",
    currency: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> AgingReport:
    """Open receivables in buckets, per group and currency (amounts never mix currencies).

    Rows are ordered by total overdue, largest first. ``totals`` are per currency
    over all groups, whatever page of rows is returned. Today's aging reads the
    maintained customer balances when they are current; any other date, or
    balances not yet rebuilt for today, aggregates the invoices.
    """
    today = timezone.localdate()
    as_of = date_checked(as_of or today, field="as_of")
    if group_by not in GROUPINGS:
        raise ValidationFailed.for_field(
            "group_by",
            f"Unknown grouping {group_by!r}; use one of: {', '.join(GROUPINGS)}.",
            code="unknown_grouping",
        )
    buckets = aging_buckets()
    from_balances = as_of == today and balances_are_fresh(as_of=today)
    if from_balances:
        source, columns = _from_balances(user=user, buckets=buckets)
    else:
        source, columns = _from_invoices(user=user, as_of=as_of, today=today, buckets=buckets)
    if currency:
        source = source.filter(currency=currency)
    group_fields = GROUPINGS[group_by][0]

    totals_rows = source.order_by().values("currency").annotate(**columns)
    totals = {row["currency"]: _row({}, row, buckets) for row in totals_rows}
    if group_by in ("portfolio", "currency"):
        rows = sorted(totals.values(), key=lambda row: (-row.overdue, -row.total, row.currency))
        page = rows[offset : offset + limit] if limit is not None else rows
        return AgingReport(as_of, group_by, buckets, page, totals, row_count=len(rows))

    if from_balances and group_by == "customer":
        # One balance row per customer and currency already: page through them in
        # the order of their index instead of grouping.
        plain = {bucket.key: F(f"bucket_{index}") for index, bucket in enumerate(buckets)}
        row_count = source.count() if limit is not None else 0
        grouped = (
            source.order_by("-overdue_total", "-open_total", "customer_id", "currency")
            .annotate(**plain, overdue=F("overdue_total"), total=F("open_total"))
            .values(*group_fields, "currency", *plain, "overdue", "total")
        )
    else:
        grouped = (
            source.order_by()
            .values(*group_fields, "currency")
            .annotate(**columns)
            .order_by("-overdue", "-total", *group_fields, "currency")
        )
        row_count = grouped.count() if limit is not None else 0
    if limit is not None:
        grouped = grouped[offset : offset + limit]
    rows = [_row({name: row[name] for name in group_fields}, row, buckets) for row in grouped]
    return AgingReport(as_of, group_by, buckets, rows, totals, row_count=row_count or len(rows))


def _from_invoices(
    *, user: User, as_of: date, today: date, buckets: list[Bucket]
) -> tuple[QuerySet, dict]:
    items, column = _open_items(user=user, as_of=as_of, today=today)

    def total(condition: Q | None = None) -> Coalesce:
        return Coalesce(Sum(column, filter=condition), Value(_ZERO), output_field=_MONEY)

    columns = {bucket.key: total(bucket.condition(as_of)) for bucket in buckets}
    return items, {**columns, "overdue": total(Q(due_date__lt=as_of)), "total": total()}


def _from_balances(*, user: User, buckets: list[Bucket]) -> tuple[QuerySet, dict]:
    rows = CustomerBalance.objects.filter(
        customer_visibility_q(user=user, prefix="customer__")
    ).exclude(open_total=0)
    columns = {bucket.key: Sum(f"bucket_{index}") for index, bucket in enumerate(buckets)}
    return rows, {**columns, "overdue": Sum("overdue_total"), "total": Sum("open_total")}


def _row(group: dict[str, Any], values: dict[str, Any], buckets: list[Bucket]) -> AgingRow:
    currency = values["currency"]

    def money(value: Decimal | None) -> Decimal:
        # SQLite sums come back with float noise; every sum is rounded to the minor unit.
        return quantize(value or _ZERO, currency)

    return AgingRow(
        group=group,
        currency=currency,
        buckets={bucket.key: money(values[bucket.key]) for bucket in buckets},
        total=money(values["total"]),
        overdue=money(values["overdue"]),
    )
