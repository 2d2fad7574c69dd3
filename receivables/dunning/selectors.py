"""Reading what dunning needs: policies per customer and the invoices due a notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from customers.models import Contact
from receivables.models import (
    CustomerDunningPolicy,
    DunningLevel,
    DunningNoticeInvoice,
    DunningNoticeStatus,
    DunningPolicy,
    Invoice,
    InvoiceStatus,
    PromiseStatus,
    PromiseToPay,
)

# Notices that still await an action (sending, or a clerk fixing the address):
# an invoice in one of them gets no new notice at that level. A notice left
# ``sending`` by a worker that died is pending until the drain sends it again.
# A ``cancelled`` notice is not pending: it lists no invoice any more.
PENDING_STATUSES = (
    DunningNoticeStatus.QUEUED,
    DunningNoticeStatus.SENDING,
    DunningNoticeStatus.NO_ADDRESS,
    DunningNoticeStatus.BOUNCED,
)


@dataclass(frozen=True)
class PolicyMap:
    levels: dict[int, list[DunningLevel]]  # policy id -> levels by position
    by_tier: dict[str, int]  # tier -> policy id
    pins: dict[int, int]  # customer id -> policy id

    def levels_for(self, *, customer_id: int, tier: str) -> list[DunningLevel]:
        policy_id = self.pins.get(customer_id) or self.by_tier.get(tier)
        return self.levels.get(policy_id, []) if policy_id else []

    @property
    def min_offset(self) -> int | None:
        offsets = [level.offset_days for levels in self.levels.values() for level in levels]
        return min(offsets) if offsets else None


def dunning_policy_map() -> PolicyMap:
    levels: dict[int, list[DunningLevel]] = {}
    for level in DunningLevel.objects.filter(retired_at__isnull=True).order_by(
        "policy_id", "position"
    ):
        levels.setdefault(level.policy_id, []).append(level)
    by_tier = dict(
        DunningPolicy.objects.exclude(is_default_for_tier="").values_list(
            "is_default_for_tier", "pk"
        )
    )
    pins = dict(CustomerDunningPolicy.objects.values_list("customer_id", "policy_id"))
    return PolicyMap(levels=levels, by_tier=by_tier, pins=pins)


def dunning_due_invoices() -> QuerySet[Invoice]:
    """Invoices dunning may demand, whatever their due date: something open, not
    disputed, not void or written off, not under an open promise to pay (a promise
    naming no invoice covers all of the customer's). The daily decision adds the
    due-date condition; sending checks a notice's lines against it again."""
    named_promise = PromiseToPay.invoices.through.objects.filter(
        invoice_id=OuterRef("pk"), promisetopay__status=PromiseStatus.OPEN
    )
    blanket_promise = PromiseToPay.objects.filter(
        customer_id=OuterRef("customer_id"), status=PromiseStatus.OPEN, invoices__isnull=True
    )
    return (
        Invoice.objects.filter(open_amount__gt=0, is_disputed=False)
        .exclude(status__in=[InvoiceStatus.VOID, InvoiceStatus.WRITTEN_OFF])
        .exclude(Exists(named_promise))
        .exclude(Exists(blanket_promise))
    )


def dunning_candidate_invoices(*, run_date: date, min_offset: int) -> QuerySet[Invoice]:
    """The invoices dunning may demand (``dunning_due_invoices``) old enough for the
    earliest level."""
    return dunning_due_invoices().filter(due_date__lte=_days_before(run_date, min_offset))


def level_reached(*, run_date: date, due_date: date, offset_days: int) -> bool:
    """Whether ``run_date`` is on or after ``due_date`` plus ``offset_days``; compared
    in days, so an offset beyond the calendar (saved before offsets were bounded)
    is simply never reached instead of raising OverflowError."""
    return (run_date - due_date).days >= offset_days


def _days_before(day: date, days: int) -> date:
    """``day`` minus ``days``, held at the ends of the calendar instead of overflowing."""
    try:
        return day - timedelta(days=days)
    except OverflowError:
        return date.min if days > 0 else date.max


def dunning_invoice_history(
    *, invoices: QuerySet, run_date: date
) -> tuple[dict[int, set[int]], dict[int, set[int]], set[int]]:
    """Per invoice of ``invoices`` (a queryset of ids, read as a subquery): levels
    whose notice was sent, levels with a pending notice, and the invoices already
    in a notice of ``run_date``."""
    sent: dict[int, set[int]] = {}
    pending: dict[int, set[int]] = {}
    today: set[int] = set()
    rows = DunningNoticeInvoice.objects.filter(invoice_id__in=invoices).values_list(
        "invoice_id", "notice__level_id", "notice__status", "notice__run_date"
    )
    for invoice_id, level_id, status, notice_date in rows:
        if status == DunningNoticeStatus.SENT:
            sent.setdefault(invoice_id, set()).add(level_id)
        elif status in PENDING_STATUSES:
            pending.setdefault(invoice_id, set()).add(level_id)
        if notice_date == run_date:
            today.add(invoice_id)
    return sent, pending, today


def customers_with_billing_email(*, customer_ids: list[int]) -> set[int]:
    """Customers among ``customer_ids`` with a usable billing email; the set-based
    twin of ``customers.selectors.contact_billing_email``."""
    return set(
        Contact.objects.filter(
            Q(customer_id__in=customer_ids), is_billing=True, is_email_valid=True
        )
        .exclude(email="")
        .values_list("customer_id", flat=True)
    )
