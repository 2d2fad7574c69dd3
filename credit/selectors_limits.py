"""Reads for credit-limit requests, the approvals inbox and the limit/hold history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from credit.models import CreditLimitRequest, CreditProfile, CreditProfileEvent, LimitRequestStatus
from credit.services.limit_request_rules import DECIDE_PERMISSION, SECOND_APPROVAL_PERMISSION
from credit.services.limits import history_is_recorded
from crm.money import quantize
from customers.models import Customer
from customers.selectors import customer_visibility_q
from receivables.models import Invoice
from receivables.models.ledger import InvoiceStatus

HISTORY_ROWS = 200
PAYMENT_HISTORY_DAYS = 365


def credit_limit_request_list(*, user: Any) -> QuerySet[CreditLimitRequest]:
    """Requests for the customers the user may see (a sales rep: their own customers)."""
    return (
        CreditLimitRequest.objects.filter(customer_visibility_q(user=user, prefix="customer__"))
        .select_related("customer", "requested_by", "first_decided_by", "second_decided_by")
        .order_by("-created_at", "-id")
    )


def credit_limit_request_waiting_statuses(*, user: Any) -> list[str]:
    """The statuses of the requests waiting for this user's decision."""
    statuses = []
    if user.has_perm(DECIDE_PERMISSION):
        statuses.append(LimitRequestStatus.PENDING)
    if user.has_perm(SECOND_APPROVAL_PERMISSION):
        statuses.append(LimitRequestStatus.AWAITING_SECOND_APPROVAL)
    return statuses


@dataclass
class PaymentHistory:
    """A customer's payment behaviour at a glance, in the customer's currency."""

    exposure: Decimal = Decimal("0.00")
    overdue: Decimal = Decimal("0.00")
    # Days late of the invoices due in the last 12 months, weighted by their totals
    # (an open overdue invoice counts its days late so far). None: no such invoice.
    weighted_days_late: Decimal | None = None


def customer_payment_histories(
    *, customer_ids: list[int], as_of: date | None = None
) -> dict[int, PaymentHistory]:
    """Exposure (open AR), overdue amount and amount-weighted days late for each
    customer, in two queries for the whole list."""
    today = as_of or timezone.localdate()
    result = {pk: PaymentHistory() for pk in customer_ids}
    if not customer_ids:
        return result
    # Amounts of the customer's own currency only: they are compared with its limit.
    own_currency = Q(currency=F("customer__currency"))
    open_totals = (
        Invoice.objects.filter(own_currency, customer_id__in=customer_ids, open_amount__gt=0)
        .values("customer_id", "currency")
        .annotate(
            exposure=Sum("open_amount"),
            overdue=Sum("open_amount", filter=Q(due_date__lt=today)),
        )
        .order_by()
    )
    for row in open_totals:
        history = result[row["customer_id"]]
        history.exposure = quantize(row["exposure"] or 0, row["currency"])
        history.overdue = quantize(row["overdue"] or 0, row["currency"])
    weights: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    recent = (
        Invoice.objects.filter(
            own_currency,
            customer_id__in=customer_ids,
            due_date__gte=today - timedelta(days=PAYMENT_HISTORY_DAYS),
            due_date__lt=today,
        )
        .exclude(status=InvoiceStatus.VOID)
        .values_list("customer_id", "total", "due_date", "paid_date", "open_amount")
    )
    for customer_id, total, due_date, paid_date, open_amount in recent:
        settled_on = paid_date if (paid_date and open_amount <= 0) else today
        days_late = max((settled_on - due_date).days, 0)
        weights[customer_id][0] += total * days_late
        weights[customer_id][1] += total
    for customer_id, (weighted, totals) in weights.items():
        if totals:
            result[customer_id].weighted_days_late = (weighted / totals).quantize(Decimal("0.1"))
    return result


@dataclass
class InboxRow:
    request: CreditLimitRequest
    current_limit: Decimal | None
    history: PaymentHistory


def credit_limit_request_inbox(*, user: Any) -> list[InboxRow]:
    """The requests waiting for this user's decision, oldest first, with what a
    credit manager weighs: grade and PD, exposure, current limit, payment history.
    Requests the user made are listed too (the page says they are someone else's
    to decide)."""
    statuses = credit_limit_request_waiting_statuses(user=user)
    if not statuses:
        return []
    requests = list(
        credit_limit_request_list(user=user)
        .filter(status__in=statuses)
        .order_by("created_at", "id")[:200]
    )
    customer_ids = [request.customer_id for request in requests]
    limits = dict(
        CreditProfile.objects.filter(customer_id__in=customer_ids).values_list(
            "customer_id", "credit_limit"
        )
    )
    histories = customer_payment_histories(customer_ids=customer_ids)
    return [
        InboxRow(request, limits.get(request.customer_id), histories[request.customer_id])
        for request in requests
    ]


# --- history ---------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    what: str
    old: str
    new: str
    reason: str


@dataclass
class LimitHistory:
    is_recorded: bool  # False on databases without the history triggers (SQLite)
    rows: list[HistoryRow] = field(default_factory=list)


def _limit_text(event: Any) -> str:
    text = f"{event.credit_limit} {event.currency}"
    if event.limit_expires_on:
        text += " " + _("until %(date)s") % {"date": event.limit_expires_on.isoformat()}
    return text


def _hold_text(event: Any) -> str:
    if not event.is_on_hold:
        return _("not on hold")
    return _("on hold: %(reason)s") % {"reason": event.hold_reason}


def _who(context: dict | None) -> str:
    if not context:
        return _("system")
    return str(context.get("username") or _("system"))


def credit_limit_history(*, customer: Customer) -> LimitHistory:
    """Who changed the customer's limit or hold, when, from what to what and why,
    newest first. Written by PostgreSQL triggers (so ``QuerySet.update()`` and
    ``bulk_update()`` are there too); elsewhere ``is_recorded`` is False."""
    if not history_is_recorded():
        return LimitHistory(is_recorded=False)
    profile = CreditProfile.objects.filter(customer=customer).only("pk").first()
    if profile is None:
        return LimitHistory(is_recorded=True)
    events = list(CreditProfileEvent.objects.filter(pgh_obj_id=profile.pk).order_by("pgh_id"))
    rows: list[HistoryRow] = []
    previous = None
    for event in events:
        context = event.pgh_context or {}
        reason = str(context.get("reason") or "")
        who = _who(context)
        limit_changed = previous is None or (
            (previous.credit_limit, previous.limit_expires_on, previous.currency)
            != (event.credit_limit, event.limit_expires_on, event.currency)
        )
        hold_changed = previous is not None and (
            (previous.is_on_hold, previous.hold_reason) != (event.is_on_hold, event.hold_reason)
        )
        if limit_changed:
            rows.append(
                HistoryRow(
                    event.pgh_created_at,
                    who,
                    _("credit limit"),
                    _limit_text(previous) if previous is not None else "—",
                    _limit_text(event),
                    reason or (_("profile created") if previous is None else ""),
                )
            )
        if hold_changed:
            rows.append(
                HistoryRow(
                    event.pgh_created_at,
                    who,
                    _("credit hold"),
                    _hold_text(previous),
                    _hold_text(event),
                    reason,
                )
            )
        previous = event
    rows.reverse()
    return LimitHistory(is_recorded=True, rows=rows[:HISTORY_ROWS])
