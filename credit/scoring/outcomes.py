"""The default event of the backtest, observed in SQL.

A customer defaults in (T, as_of] when one of their invoices is 60 or more
days past due (the setting ``default_days_past_due``) on some day of that
window: the day it reaches 60 days past due (or T + 1 if later) falls in the
window and the invoice was not settled by then.

A customer already in default on T (an invoice of theirs was that far past due
and unsettled on T) is not in the backtest's population: their default was
known on T, so predicting it proves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection

from credit.scoring.inputs import _customer_filter, _literal
from receivables.models import Invoice, InvoiceStatus


def _plus_days(column: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"({column} + {int(days)})"
    return f"date({column}, '+{int(days)} days')"


def _greatest(first: str, second: str) -> str:
    return (
        f"GREATEST({first}, {second})"
        if connection.vendor == "postgresql"
        else f"MAX({first}, {second})"
    )


def _past_due_customer_ids(
    *, first_day: date, last_day: date, days_past_due: int, customer_ids: Iterable[int] | None
) -> set[int]:
    """Customers with an invoice ``days_past_due``+ days past due, and not settled, on some
    day of [first_day, last_day]."""
    reached = _plus_days("i.due_date", days_past_due)
    first, last = _literal(first_day), _literal(last_day)
    sql = f"""
        SELECT DISTINCT i.customer_id FROM {Invoice._meta.db_table} i
        WHERE i.status <> '{InvoiceStatus.VOID}' AND i.issue_date <= {last}
          AND {reached} <= {last}
          AND (i.paid_date IS NULL OR i.paid_date > {_greatest(first, reached)})
          {_customer_filter("i.customer_id", customer_ids)}
    """  # noqa: S608 (table names, constants and date literals only)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {row[0] for row in cursor.fetchall()}


def defaulted_customer_ids(
    *,
    observation_date: date,
    as_of: date,
    days_past_due: int,
    customer_ids: Iterable[int] | None = None,
) -> set[int]:
    """Customers with an invoice ``days_past_due``+ days past due in (observation_date, as_of]."""
    return _past_due_customer_ids(
        first_day=observation_date + timedelta(days=1),
        last_day=as_of,
        days_past_due=days_past_due,
        customer_ids=customer_ids,
    )


def in_default_customer_ids(
    *, on: date, days_past_due: int, customer_ids: Iterable[int] | None = None
) -> set[int]:
    """Customers already in default on ``on``: an invoice ``days_past_due``+ days past due
    and not settled on that day."""
    return _past_due_customer_ids(
        first_day=on, last_day=on, days_past_due=days_past_due, customer_ids=customer_ids
    )
