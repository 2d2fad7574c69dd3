"""Building blocks of the worklist tests: overdue customers relative to today."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from receivables.models import DunningLevel, DunningNoticeStatus, PromiseStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    DunningNoticeFactory,
    InvoiceFactory,
    PromiseToPayFactory,
)


def today() -> datetime.date:
    return timezone.localdate()


def overdue_customer(
    *, days: int, total: str, pd: str | None = None, grade: str = "", email: bool = True, **kwargs
):
    """A customer with one invoice ``days`` past due today (negative: not yet due)."""
    customer = CustomerFactory(
        probability_of_default=Decimal(pd) if pd is not None else None,
        risk_grade=grade,
        **kwargs,
    )
    if email:
        ContactFactory(customer=customer)
    overdue_invoice(customer, days=days, total=total)
    return customer


def overdue_invoice(customer, *, days: int, total: str):
    due = today() - datetime.timedelta(days=days)
    return InvoiceFactory(
        customer=customer,
        total=Decimal(total),
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
    )


def broken_promise(customer, *, days_ago: int = 5):
    closed = today() - datetime.timedelta(days=days_ago)
    return PromiseToPayFactory(
        customer=customer,
        made_on=closed - datetime.timedelta(days=20),
        promised_date=closed - datetime.timedelta(days=3),
        status=PromiseStatus.BROKEN,
        closed_on=closed,
    )


def notice(customer, *, status: str, level: DunningLevel | None = None, days_ago: int = 1):
    """A notice of the customer's normal-tier policy (first level unless given)."""
    level = (
        level
        or DunningLevel.objects.filter(policy__is_default_for_tier="normal")
        .order_by("position")
        .first()
    )
    extra = {"sent_at": timezone.now()} if status == DunningNoticeStatus.SENT else {}
    return DunningNoticeFactory(
        customer=customer,
        level=level,
        run_date=today() - datetime.timedelta(days=days_ago),
        status=status,
        **extra,
    )
