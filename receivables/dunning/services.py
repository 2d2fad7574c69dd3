"""The daily dunning decision: which invoices reach which level, as outbox notices.

Each invoice climbs its customer's policy one level at a time: its next level
is the lowest one it has not had a sent notice for, reached when the run date
is at least its due date plus the level's offset. Invoices at the same level
are grouped into one notice per customer. Notices are written with a unique
key (customer, level, run date), so running again the same day writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from receivables.dunning.bulk_writes import notice_lines_insert, notices_insert
from receivables.dunning.outbox import notices_enqueue
from receivables.dunning.selectors import (
    PolicyMap,
    customers_with_billing_email,
    dunning_candidate_invoices,
    dunning_invoice_history,
    dunning_policy_map,
    level_reached,
)
from receivables.models import DunningNotice, DunningNoticeStatus, Invoice

CUSTOMER_BATCH = 500


@dataclass
class DunningRunResult:
    run_date: date
    customers: int = 0
    notices_created: int = 0
    notices_existing: int = 0
    invoices_noticed: int = 0
    no_address: int = 0
    not_enqueued: int = 0  # left queued because the broker was unreachable (drained later)
    queued_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int | str]:
        return {
            "run_date": self.run_date.isoformat(),
            "customers": self.customers,
            "notices_created": self.notices_created,
            "notices_existing": self.notices_existing,
            "invoices_noticed": self.invoices_noticed,
            "no_address": self.no_address,
            "not_enqueued": self.not_enqueued,
        }


def notice_key(*, customer_id: int, level_id: int, run_date: date) -> str:
    return f"dunning:{customer_id}:{level_id}:{run_date.isoformat()}"


def dunning_run_decide(
    *, run_date: date, enqueue: Callable[[int], None] | None = None
) -> DunningRunResult:
    """Write today's notices; after each batch commits, its new queued notices are
    handed to the send task (``enqueue(notice_id)`` instead, when given). A broker
    that is down does not stop the run: those notices stay queued for the drain."""
    result = DunningRunResult(run_date=run_date)
    policies = dunning_policy_map()
    min_offset = policies.min_offset
    if min_offset is None:
        return result
    candidates = dunning_candidate_invoices(run_date=run_date, min_offset=min_offset)
    customer_ids = list(
        candidates.order_by("customer_id").values_list("customer_id", flat=True).distinct()
    )
    for start in range(0, len(customer_ids), CUSTOMER_BATCH):
        batch = customer_ids[start : start + CUSTOMER_BATCH]
        _decide_batch(candidates.filter(customer_id__in=batch), policies, result, enqueue)
    return result


@dataclass
class _Group:
    customer_id: int
    level_id: int
    lines: list[tuple[int, Decimal]] = field(default_factory=list)


@transaction.atomic
def _decide_batch(
    candidates: QuerySet[Invoice],
    policies: PolicyMap,
    result: DunningRunResult,
    enqueue: Callable[[int], None] | None,
) -> None:
    """Decide and write one batch of customers in one transaction."""
    run_date = result.run_date
    rows = list(
        candidates.order_by("customer_id", "due_date", "pk").values_list(
            "pk", "customer_id", "customer__tier", "due_date", "open_amount"
        )
    )
    sent, pending, noticed_today = dunning_invoice_history(
        invoices=candidates.values("pk"), run_date=run_date
    )
    groups: dict[tuple[int, int], _Group] = {}
    for invoice_id, customer_id, tier, due_date, open_amount in rows:
        if invoice_id in noticed_today:
            continue
        levels = policies.levels_for(customer_id=customer_id, tier=tier)
        done = sent.get(invoice_id, set())
        level = next((level for level in levels if level.pk not in done), None)
        if level is None or level.pk in pending.get(invoice_id, set()):
            continue
        if not level_reached(run_date=run_date, due_date=due_date, offset_days=level.offset_days):
            continue
        group = groups.setdefault(
            (customer_id, level.pk), _Group(customer_id=customer_id, level_id=level.pk)
        )
        group.lines.append((invoice_id, open_amount))
    if groups:
        _write(list(groups.values()), result, enqueue)


def _write(
    groups: list[_Group], result: DunningRunResult, enqueue: Callable[[int], None] | None
) -> None:
    run_date = result.run_date
    keys = {
        notice_key(customer_id=g.customer_id, level_id=g.level_id, run_date=run_date): g
        for g in groups
    }
    existing = set(
        DunningNotice.objects.filter(idempotency_key__in=list(keys)).values_list(
            "idempotency_key", flat=True
        )
    )
    new = {key: group for key, group in keys.items() if key not in existing}
    result.notices_existing += len(existing)
    if not new:
        return
    reachable = customers_with_billing_email(customer_ids=[g.customer_id for g in new.values()])
    notices_insert(
        run_date=run_date,
        rows=[
            (
                group.customer_id,
                group.level_id,
                key,
                DunningNoticeStatus.QUEUED
                if group.customer_id in reachable
                else DunningNoticeStatus.NO_ADDRESS,
            )
            for key, group in new.items()
        ],
    )
    # Read back by key: a concurrent run may have written some of them first.
    notices = list(
        DunningNotice.objects.filter(idempotency_key__in=list(new)).values_list(
            "idempotency_key", "pk", "status"
        )
    )
    lines: list[tuple[int, int, Decimal]] = []
    queued: list[int] = []
    result.customers += len({new[key].customer_id for key, _, _ in notices})
    for key, notice_id, status in notices:
        group = new[key]
        lines += [(notice_id, invoice_id, amount) for invoice_id, amount in group.lines]
        result.notices_created += 1
        result.invoices_noticed += len(group.lines)
        if status == DunningNoticeStatus.QUEUED:
            queued.append(notice_id)
        else:
            result.no_address += 1
    notice_lines_insert(rows=lines)
    result.queued_ids += queued

    def _enqueue_all() -> None:
        if enqueue is None:
            # Once the broker failed, later batches do not wait on it again.
            handed = 0 if result.not_enqueued else notices_enqueue(queued)
            result.not_enqueued += len(queued) - handed
            return
        for notice_id in queued:
            enqueue(notice_id)

    transaction.on_commit(_enqueue_all)
