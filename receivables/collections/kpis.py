"""Clerk KPIs per clerk and ISO week: promises made, kept and broken; amount
collected after a contact; notices sent per level.

- Promises count for the clerk who recorded them (``created_by``): made in the
  week of ``made_on``, kept or broken in the week of ``closed_on``.
- A payment counts as collected after contact when a clerk logged a contact
  (call, email, promise or dispute) with the customer on the payment's day or
  within CRM_WORKLIST_COLLECTED_AFTER_CONTACT_DAYS before it; it goes to the
  clerk of the latest such contact, in the week the payment was received, per
  currency (amounts in different currencies are never added up).
- Notices count in the week they were sent, for the clerk who sent them by hand,
  or for the dunning run (clerk ``None``).

Reads aggregates in SQL; matches contacts to payments in Python over the
contacted customers' payments of the period only.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from receivables.collections.config import worklist_config
from receivables.models import (
    ActivityKind,
    CollectionActivity,
    DunningNotice,
    DunningNoticeStatus,
    Payment,
    PaymentStatus,
    PromiseStatus,
    PromiseToPay,
)

CONTACT_FOR_COLLECTION = (
    ActivityKind.CALL,
    ActivityKind.EMAIL,
    ActivityKind.PROMISE,
    ActivityKind.DISPUTE,
)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class ClerkWeek:
    clerk_id: int | None
    clerk: str
    week_start: date
    promises_made: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    collected_after_contact: dict[str, Decimal] = field(default_factory=dict)
    notices_sent: dict[int, int] = field(default_factory=dict)

    @property
    def week(self) -> str:
        return iso_week(self.week_start)


@dataclass
class ClerkKpis:
    date_from: date
    date_to: date
    rows: list[ClerkWeek]
    levels: list[int]
    window_days: int


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def clerk_kpis(*, date_from: date, date_to: date, clerk_id: int | None = None) -> ClerkKpis:
    """KPIs of ``date_from``..``date_to`` (inclusive); one clerk's when given."""
    window = worklist_config().collected_after_contact_days
    names: dict[int | None, str] = {None: ""}
    cells: dict[tuple[int | None, date], ClerkWeek] = {}

    def cell(user_id: int | None, day: date) -> ClerkWeek:
        key = (user_id, week_start(day))
        if key not in cells:
            cells[key] = ClerkWeek(
                clerk_id=user_id, clerk=names.get(user_id, ""), week_start=key[1]
            )
        return cells[key]

    _promises(date_from, date_to, clerk_id, names, cell)
    _collected(date_from, date_to, clerk_id, window, names, cell)
    _notices(date_from, date_to, clerk_id, names, cell)
    for row in cells.values():
        row.clerk = names.get(row.clerk_id, "")
    rows = sorted(cells.values(), key=lambda r: (r.week_start, r.clerk_id is None, r.clerk))
    levels = sorted({level for row in rows for level in row.notices_sent})
    return ClerkKpis(
        date_from=date_from, date_to=date_to, rows=rows, levels=levels, window_days=window
    )


def _promises(date_from, date_to, clerk_id, names, cell) -> None:
    promises = PromiseToPay.objects.filter(created_by__isnull=False)
    if clerk_id is not None:
        promises = promises.filter(created_by_id=clerk_id)
    made = (
        promises.filter(made_on__range=(date_from, date_to))
        .values("created_by_id", "created_by__username", "made_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in made:
        names[item["created_by_id"]] = item["created_by__username"]
        cell(item["created_by_id"], item["made_on"]).promises_made += item["n"]
    closed = (
        promises.filter(
            closed_on__range=(date_from, date_to),
            status__in=[PromiseStatus.KEPT, PromiseStatus.BROKEN],
        )
        .values("created_by_id", "created_by__username", "closed_on", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item in closed:
        names[item["created_by_id"]] = item["created_by__username"]
        row = cell(item["created_by_id"], item["closed_on"])
        if item["status"] == PromiseStatus.KEPT:
            row.promises_kept += item["n"]
        else:
            row.promises_broken += item["n"]


def _collected(date_from, date_to, clerk_id, window, names, cell) -> None:
    start = timezone.make_aware(
        datetime.combine(date_from - timedelta(days=window), datetime.min.time())
    )
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), datetime.min.time()))
    contacts: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for customer_id, author_id, username, created_at in (
        CollectionActivity.objects.filter(
            kind__in=CONTACT_FOR_COLLECTION,
            author__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by("customer_id", "created_at", "pk")
        .values_list("customer_id", "author_id", "author__username", "created_at")
    ):
        names[author_id] = username
        contacts[customer_id].append((_local_day(created_at), author_id))
    if not contacts:
        return
    payments = Payment.objects.filter(
        status=PaymentStatus.RECEIVED,
        received_date__range=(date_from, date_to),
        customer_id__in=list(contacts),
    ).values_list("customer_id", "received_date", "currency", "amount")
    for customer_id, received, currency, amount in payments:
        history = contacts[customer_id]
        days = [day for day, _ in history]
        index = bisect.bisect_right(days, received) - 1  # the latest contact on or before
        if index < 0 or (received - history[index][0]).days > window:
            continue
        author_id = history[index][1]
        if clerk_id is not None and author_id != clerk_id:
            continue
        collected = cell(author_id, received).collected_after_contact
        collected[currency] = collected.get(currency, Decimal("0.00")) + amount


def _notices(date_from, date_to, clerk_id, names, cell) -> None:
    start = timezone.make_aware(datetime.combine(date_from, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), datetime.min.time()))
    notices = DunningNotice.objects.filter(
        status=DunningNoticeStatus.SENT, sent_at__gte=start, sent_at__lt=end
    )
    manual_by: dict[int, tuple[int, str]] = {
        notice_id: (author_id, username)
        for notice_id, author_id, username in CollectionActivity.objects.filter(
            kind=ActivityKind.NOTICE,
            notice__in=notices.filter(idempotency_key__startswith="manual:"),
            author__isnull=False,
        ).values_list("notice_id", "author_id", "author__username")
    }
    if clerk_id is not None:
        notices = notices.filter(Q(pk__in=[n for n, (a, _) in manual_by.items() if a == clerk_id]))
    for notice_id, sent_at, position in notices.values_list("pk", "sent_at", "level__position"):
        author_id, username = manual_by.get(notice_id, (None, ""))
        names[author_id] = username
        sent = cell(author_id, _local_day(sent_at)).notices_sent
        sent[position] = sent.get(position, 0) + 1


def kpi_table(kpis: ClerkKpis) -> tuple[list[str], list[list]]:
    """Long format for CSV: one line per clerk, week, metric (and currency or level)."""
    headers = ["clerk", "iso_week", "week_start", "metric", "currency_or_level", "value"]
    lines: list[list] = []
    for row in kpis.rows:
        clerk = row.clerk or "dunning run"
        base = [clerk, row.week, row.week_start.isoformat()]
        for metric, value in (
            ("promises_made", row.promises_made),
            ("promises_kept", row.promises_kept),
            ("promises_broken", row.promises_broken),
        ):
            if value:
                lines.append([*base, metric, "", value])
        for currency, amount in sorted(row.collected_after_contact.items()):
            lines.append([*base, "collected_after_contact", currency, amount])
        for level, count in sorted(row.notices_sent.items()):
            lines.append([*base, "notices_sent", level, count])
    return headers, lines
