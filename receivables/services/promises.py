"""Promises to pay: recording them and deciding daily whether each was kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.exceptions import Conflict, ValidationFailed
from customers.models import Customer
from receivables import events
from receivables.models import Invoice, Payment, PaymentStatus, PromiseStatus, PromiseToPay
from receivables.services._checks import actor, amount_checked


def _grace_days() -> int:
    return int(getattr(settings, "CRM_PROMISE_GRACE_DAYS", 2))


def _max_days() -> int:
    return int(getattr(settings, "CRM_PROMISE_MAX_DAYS", 365))


@transaction.atomic
def promise_to_pay_create(
    *,
    customer: Customer,
    amount: Decimal | str,
    promised_date: date,
    invoices: Sequence[Invoice] = (),
    note: str = "",
    user: Any = None,
    made_on: date | None = None,
) -> PromiseToPay:
    """Record a promise, dated from the day it is made to ``CRM_PROMISE_MAX_DAYS`` after
    it; while it is open, dunning skips the invoices it covers."""
    today = made_on or timezone.localdate()
    if promised_date < today:
        raise ValidationFailed.for_field(
            "promised_date",
            f"The promised date {promised_date} is in the past; a promise is for today or later.",
            code="promise_in_the_past",
        )
    max_days = _max_days()
    if (promised_date - today).days > max_days:
        latest = today + timedelta(days=min(max_days, (date.max - today).days))
        raise ValidationFailed.for_field(
            "promised_date",
            f"The promised date {promised_date} is too far ahead; a promise may be dated at "
            f"most {max_days} days after the day it is made, so {latest} at the latest.",
            code="promise_too_far",
        )
    currency = invoices[0].currency if invoices else customer.currency
    for invoice in invoices:
        if invoice.customer_id != customer.pk:
            raise ValidationFailed.for_field(
                "invoices",
                f"Invoice {invoice.number} belongs to another customer.",
                code="promise_customer_mismatch",
            )
        if invoice.currency != currency:
            raise ValidationFailed.for_field(
                "invoices",
                "All invoices of one promise must be in the same currency.",
                code="promise_currency_mismatch",
            )
        if invoice.open_amount <= 0:
            raise ValidationFailed.for_field(
                "invoices", f"Invoice {invoice.number} has nothing open.", code="invoice_settled"
            )
    value = amount_checked(amount, currency, field="amount")
    promise = PromiseToPay.objects.create(
        customer=customer,
        amount=value,
        currency=currency,
        promised_date=promised_date,
        made_on=today,
        note=(note or "")[:255],
        created_by=actor(user),
    )
    if invoices:
        promise.invoices.set(invoices)
    events.promise_made.send(sender=PromiseToPay, promise_id=promise.pk, customer_id=customer.pk)
    return promise


@transaction.atomic
def promise_to_pay_cancel(*, promise: PromiseToPay, user: Any = None) -> PromiseToPay:
    locked = PromiseToPay.objects.select_for_update().get(pk=promise.pk)
    if locked.status != PromiseStatus.OPEN:
        raise Conflict(f"This promise is already {locked.status}.", code="promise_closed")
    locked.status = PromiseStatus.CANCELLED
    locked.closed_on = timezone.localdate()
    locked.save(update_fields=["status", "closed_on", "updated_at"])
    promise.refresh_from_db()
    return promise


def _received_since_made(as_of: date) -> Subquery:
    payments = Payment.objects.filter(
        customer_id=OuterRef("customer_id"),
        currency=OuterRef("currency"),
        status=PaymentStatus.RECEIVED,
        received_date__gte=OuterRef("made_on"),
        received_date__lte=as_of,
    )
    return Coalesce(
        Subquery(payments.values("customer_id").annotate(total=Sum("amount")).values("total")[:1]),
        Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2)),
    )


def promise_to_pay_evaluate(*, as_of: date | None = None) -> dict[str, int]:
    """Mark open promises kept (payments since they were made reach the amount)
    or broken (the promised date plus grace passed first). Idempotent per day."""
    today = as_of or timezone.localdate()
    grace_days = _grace_days()
    counts = {"kept": 0, "broken": 0, "open": 0}
    open_ids = list(
        PromiseToPay.objects.filter(status=PromiseStatus.OPEN).values_list("pk", flat=True)
    )
    for start in range(0, len(open_ids), 1000):
        with transaction.atomic():
            batch = (
                PromiseToPay.objects.select_for_update()
                .filter(pk__in=open_ids[start : start + 1000], status=PromiseStatus.OPEN)
                .annotate(received=_received_since_made(today))
                .order_by("pk")
            )
            for promise in batch:
                counts[_promise_settle(promise, today=today, grace_days=grace_days)] += 1
    return counts


def _promise_settle(promise: PromiseToPay, *, today: date, grace_days: int) -> str:
    promise.amount_received = min(promise.received, promise.amount)
    if promise.received >= promise.amount:
        promise.status = PromiseStatus.KEPT
    # Compared in days: a promised date near the end of the calendar (saved before
    # promises were limited) plus the grace would overflow.
    elif (today - promise.promised_date).days > grace_days:
        promise.status = PromiseStatus.BROKEN
    else:
        promise.save(update_fields=["amount_received", "updated_at"])
        return "open"
    promise.closed_on = today
    promise.save(update_fields=["amount_received", "status", "closed_on", "updated_at"])
    signal = events.promise_kept if promise.status == PromiseStatus.KEPT else events.promise_broken
    signal.send(sender=PromiseToPay, promise_id=promise.pk, customer_id=promise.customer_id)
    return str(promise.status)
