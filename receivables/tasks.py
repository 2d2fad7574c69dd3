"""Celery tasks of the receivables app: thin wrappers around services."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from customers.models import Customer
from receivables.services.promises import promise_to_pay_evaluate as _promise_to_pay_evaluate
from receivables.statements import statement_store


@shared_task(name="receivables.promise_to_pay_evaluate", ignore_result=True)
def promise_to_pay_evaluate() -> dict[str, int]:
    """Daily: mark promises to pay kept or broken."""
    return _promise_to_pay_evaluate()


@shared_task(name="receivables.statements_render", ignore_result=True, acks_late=True)
def statements_render(*, customer_ids: list[int], as_of: str | None = None) -> int:
    """Render and store the statements of a batch of customers; returns how many."""
    when = date.fromisoformat(as_of) if as_of else None
    rendered = 0
    for customer in Customer.objects.filter(pk__in=customer_ids).order_by("pk").iterator():
        statement_store(customer=customer, as_of=when)
        rendered += 1
    return rendered


@shared_task(name="receivables.customer_balances_refresh", ignore_result=True)
def customer_balances_refresh() -> int:
    """Nightly: rebuild customer balances as of today (buckets shift as days pass)."""
    from receivables.services.balances import customer_balances_refresh as _refresh

    return _refresh()


# Dunning tasks live with dunning; importing them here registers them with Celery.
from receivables.dunning.tasks import (  # noqa: E402, F401
    dunning_notice_send,
    dunning_notices_requeue,
    dunning_outbox_drain,
    dunning_run,
)
