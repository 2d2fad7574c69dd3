"""The scorecard's inputs, aggregated in SQL per customer as of a date.

A handful of GROUP BY queries (invoices with their settlements, disputes,
bounced payments, customers with their credit limit) return one row per
customer; pandas joins them into one frame. Nothing is looped over per
customer in Python.

Point in time: with ``point_in_time=True`` an invoice's open amount on the
as-of date is rebuilt from the allocations, credit notes and write-offs dated
on or before it, and only events dated on or before it count, so a backtest
sees exactly what was known then. For today's scores the invoices' maintained
``open_amount`` gives the same figure without reading the settlements.

The credit limit as of a past date is the one in force then: the newest row of
the limit history (django-pghistory's ``CreditProfileEvent``) dated on or before
it. Where the history starts after that date (a profile created later, or a
ledger loaded at go-live) the first limit it records as granted stands in: its
first row, unless that row is the creation of the profile with the default
limit (``credit_profile_ensure``), when the first change after it does; without
any such row (no history: SQLite) today's limit. Those are estimates, the best
known; the default limit (0 unless set) would leave every balance owed then
with an unknown utilization. Today's scores read today's limit.

A payment counts as bounced from the day it was received: the ledger has no
bounce date, so a backtest counts a payment received before its date that
bounced after it (a known look-ahead, see docs/credit-scoring.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.utils import timezone

from credit.models import CreditProfile, CreditProfileEvent
from crm.money import DECIMAL_PLACES
from customers.models import Customer
from receivables.models import (
    Allocation,
    CreditNote,
    Dispute,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    WriteOff,
)

WINDOW_DAYS = 365  # the last 12 months
RECENT_DAYS = 91  # the last 3 months, for the trend
PAID_LATE_DAYS = 30
OPEN_PAST_DUE_DAYS = 60

INPUT_COLUMNS = (
    "customer_since",
    "credit_limit",
    "paid_weight",
    "late_weighted",
    "paid_count",
    "paid_over_30_count",
    "recent_weight",
    "recent_late_weighted",
    "earlier_weight",
    "earlier_late_weighted",
    "open_total",
    "open_over_60",
    "invoices_issued",
    "disputes",
    "bounced_payments",
)


def _literal(day: date) -> str:
    """A date as an SQL literal. Only ``date`` objects get here, never user text."""
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {day!r}")
    text = day.isoformat()
    return f"DATE '{text}'" if connection.vendor == "postgresql" else f"'{text}'"


def _moment_literal(moment: datetime) -> str:
    """An aware datetime as an SQL literal, compared the way Django stores datetimes."""
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise TypeError(f"expected an aware datetime, got {moment!r}")
    if connection.vendor == "postgresql":
        return f"TIMESTAMP WITH TIME ZONE '{moment.isoformat()}'"
    return f"'{connection.ops.adapt_datetimefield_value(moment)}'"


def _days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _as_float(expression: str) -> str:
    """Aggregates come back as floats: they are score inputs, not money.

    Amounts read here (invoice totals, open balances, the credit limit) only feed
    ratios and days (utilization, shares, amount-weighted days late) that the
    scorecard's curves turn into points; none is stored, shown or added up as
    money. Every money figure the product keeps stays ``Decimal`` end to end.
    """
    kind = "DOUBLE PRECISION" if connection.vendor == "postgresql" else "REAL"
    return f"CAST({expression} AS {kind})"


def _customer_filter(column: str, customer_ids: Iterable[int] | None) -> str:
    if customer_ids is None:
        return ""
    ids = sorted({int(pk) for pk in customer_ids})  # integers only: safe to inline
    return f" AND {column} IN ({','.join(map(str, ids)) or 'NULL'})"


def _money(expression: str) -> str:
    """Rounded to the stored cents: SQLite adds money as binary floats, so a sum of
    settlements can miss an invoice's total by 1e-16 and leave it "open"."""
    return f"ROUND({expression}, {DECIMAL_PLACES})"


# The open balance is compared with the credit limit, so only invoices in the limit's
# currency (the credit profile's, as the credit check counts them) enter it; a
# customer without a profile has no limit, and every invoice counts.
_IN_LIMIT_CURRENCY = "CASE WHEN p.currency IS NULL OR i.currency = p.currency THEN 1 ELSE 0 END"


def _invoice_rows(as_of: date, *, point_in_time: bool, customers: str) -> str:
    """One row per non-void invoice issued by ``as_of``: total, due, settled date, open amount."""
    t = _literal(as_of)
    if not point_in_time:
        return f"""
            SELECT i.customer_id, {_as_float("i.total")} AS total, i.issue_date, i.due_date,
                   i.paid_date AS settled_on, {_as_float("i.open_amount")} AS open_at,
                   {_IN_LIMIT_CURRENCY} AS in_limit_currency
            FROM {Invoice._meta.db_table} i
            LEFT JOIN {CreditProfile._meta.db_table} p ON p.customer_id = i.customer_id
            WHERE i.status <> '{InvoiceStatus.VOID}' AND i.issue_date <= {t}{customers}
        """  # noqa: S608 (table names, constants and date literals only)
    next_day = _literal(as_of + timedelta(days=1))
    return f"""
        SELECT i.customer_id, {_as_float("i.total")} AS total, i.issue_date, i.due_date,
               CASE WHEN i.paid_date <= {t} THEN i.paid_date END AS settled_on,
               {_as_float(_money("i.total - COALESCE(s.amount, 0)"))} AS open_at,
               {_IN_LIMIT_CURRENCY} AS in_limit_currency
        FROM {Invoice._meta.db_table} i
        LEFT JOIN {CreditProfile._meta.db_table} p ON p.customer_id = i.customer_id
        LEFT JOIN (
            SELECT invoice_id, SUM(amount) AS amount FROM (
                SELECT a.invoice_id, a.amount FROM {Allocation._meta.db_table} a
                WHERE a.allocated_on <= {t}
                  AND (a.unapplied_at IS NULL OR a.unapplied_at >= {next_day})
                UNION ALL
                SELECT c.invoice_id, c.amount FROM {CreditNote._meta.db_table} c
                WHERE c.invoice_id IS NOT NULL AND c.issue_date <= {t}
                UNION ALL
                SELECT w.invoice_id, w.amount FROM {WriteOff._meta.db_table} w
                WHERE w.written_off_on <= {t}
            ) settlements GROUP BY invoice_id
        ) s ON s.invoice_id = i.id
        WHERE i.status <> '{InvoiceStatus.VOID}' AND i.issue_date <= {t}{customers}
    """  # noqa: S608 (table names, constants and date literals only)


def _invoice_aggregates_sql(
    as_of: date, *, point_in_time: bool, customer_ids: Iterable[int] | None
) -> str:
    t = _literal(as_of)
    window = _literal(as_of - timedelta(days=WINDOW_DAYS))
    recent = _literal(as_of - timedelta(days=RECENT_DAYS))
    past_due_cut = _literal(as_of - timedelta(days=OPEN_PAST_DUE_DAYS))
    days_late = (
        f"(CASE WHEN settled_on > due_date THEN {_days_between('settled_on', 'due_date')} "
        "ELSE 0 END)"
    )
    paid = f"settled_on > {window} AND settled_on <= {t}"
    rows = _invoice_rows(
        as_of,
        point_in_time=point_in_time,
        customers=_customer_filter("i.customer_id", customer_ids),
    )
    return f"""
        SELECT customer_id,
          SUM(CASE WHEN {paid} THEN total ELSE 0 END) AS paid_weight,
          SUM(CASE WHEN {paid} THEN total * {days_late} ELSE 0 END) AS late_weighted,
          SUM(CASE WHEN {paid} THEN 1 ELSE 0 END) AS paid_count,
          SUM(CASE WHEN {paid} AND {days_late} > {PAID_LATE_DAYS} THEN 1 ELSE 0 END)
            AS paid_over_30_count,
          SUM(CASE WHEN {paid} AND settled_on > {recent} THEN total ELSE 0 END) AS recent_weight,
          SUM(CASE WHEN {paid} AND settled_on > {recent} THEN total * {days_late} ELSE 0 END)
            AS recent_late_weighted,
          SUM(CASE WHEN {paid} AND settled_on <= {recent} THEN total ELSE 0 END)
            AS earlier_weight,
          SUM(CASE WHEN {paid} AND settled_on <= {recent} THEN total * {days_late} ELSE 0 END)
            AS earlier_late_weighted,
          SUM(CASE WHEN open_at > 0 AND in_limit_currency = 1 THEN open_at ELSE 0 END)
            AS open_total,
          SUM(CASE WHEN open_at > 0 AND in_limit_currency = 1 AND due_date < {past_due_cut}
                   THEN open_at ELSE 0 END)
            AS open_over_60,
          SUM(CASE WHEN issue_date > {window} THEN 1 ELSE 0 END) AS invoices_issued
        FROM ({rows}) invoices
        GROUP BY customer_id
    """  # noqa: S608 (table names, constants and date literals only)


def _disputes_sql(as_of: date, customer_ids: Iterable[int] | None) -> str:
    window, t = _literal(as_of - timedelta(days=WINDOW_DAYS)), _literal(as_of)
    return f"""
        SELECT i.customer_id, COUNT(*) AS disputes
        FROM {Dispute._meta.db_table} d JOIN {Invoice._meta.db_table} i ON i.id = d.invoice_id
        WHERE d.opened_on > {window} AND d.opened_on <= {t}
          {_customer_filter("i.customer_id", customer_ids)}
        GROUP BY i.customer_id
    """  # noqa: S608 (table names, constants and date literals only)


def _bounced_sql(as_of: date, customer_ids: Iterable[int] | None) -> str:
    window, t = _literal(as_of - timedelta(days=WINDOW_DAYS)), _literal(as_of)
    return f"""
        SELECT p.customer_id, COUNT(*) AS bounced_payments
        FROM {Payment._meta.db_table} p
        WHERE p.status = '{PaymentStatus.BOUNCED}' AND p.received_date > {window}
          AND p.received_date <= {t}{_customer_filter("p.customer_id", customer_ids)}
        GROUP BY p.customer_id
    """  # noqa: S608 (table names, constants and date literals only)


def _granting(alias: str) -> str:
    """A limit-history row that granted a limit: any row but the creation of the profile
    with the default limit (``credit_profile_ensure``)."""
    default = Decimal(str(settings.CRM_DEFAULT_CREDIT_LIMIT))
    return f"NOT ({alias}.pgh_label = 'insert' AND {alias}.credit_limit = {default:f})"


def _limit_in_force_join(as_of: date) -> str:
    """Joins ``h``: each profile's newest limit-history row dated on or before ``as_of``
    (by the end of that day, local time), or, when the history starts later, its first
    row granting a limit (looked up only for those): not the creation of the profile
    with the default limit. One GROUP BY over the history for everyone."""
    day_after = datetime.combine(as_of + timedelta(days=1), time.min)
    before = _moment_literal(timezone.make_aware(day_after))
    events = CreditProfileEvent._meta.db_table
    return f"""
        LEFT JOIN (
            SELECT pgh_obj_id,
                   MAX(pgh_id) FILTER (WHERE pgh_created_at < {before}) AS newest_id,
                   MIN(pgh_created_at) FILTER (WHERE {_granting("e")}) AS first_at
              FROM {events} e GROUP BY pgh_obj_id
        ) known ON known.pgh_obj_id = p.id
        LEFT JOIN {events} h ON h.pgh_id = COALESCE(
            known.newest_id,
            -- rows of one transaction share its timestamp (created and granted at once)
            (SELECT MIN(f.pgh_id) FROM {events} f
              WHERE f.pgh_obj_id = p.id AND f.pgh_created_at = known.first_at
                AND {_granting("f")})
        )
    """  # noqa: S608 (table names and a datetime literal only)


def _customers_sql(
    as_of: date,
    customer_ids: Iterable[int] | None,
    *,
    with_invoices_only: bool,
    point_in_time: bool,
) -> str:
    """Customers with their credit limit: today's, or as of a past date the one in force
    then (see the module's docstring for where the history does not reach back)."""
    t = _literal(as_of)
    invoiced = (
        f""" AND EXISTS (SELECT 1 FROM {Invoice._meta.db_table} i WHERE i.customer_id = c.id
             AND i.status <> '{InvoiceStatus.VOID}' AND i.issue_date <= {t})"""  # noqa: S608
        if with_invoices_only
        else ""
    )
    limit = "COALESCE(h.credit_limit, p.credit_limit)" if point_in_time else "p.credit_limit"
    history = _limit_in_force_join(as_of) if point_in_time else ""
    return f"""
        SELECT c.id AS customer_id, c.customer_since, {_as_float(limit)} AS credit_limit
        FROM {Customer._meta.db_table} c
        LEFT JOIN {CreditProfile._meta.db_table} p ON p.customer_id = c.id{history}
        WHERE c.customer_since <= {t}{_customer_filter("c.id", customer_ids)}{invoiced}
    """  # noqa: S608 (table names, constants and date literals only)


def _frame(sql: str) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        columns = [column[0] for column in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def _customers_frame(
    as_of: date,
    customer_ids: Iterable[int] | None,
    *,
    with_invoices_only: bool,
    point_in_time: bool,
) -> pd.DataFrame:
    """One row per customer: ``customer_since`` and ``credit_limit`` (NaN without a profile)."""
    sql = _customers_sql(
        as_of, customer_ids, with_invoices_only=with_invoices_only, point_in_time=point_in_time
    )
    customers = _frame(sql).set_index("customer_id")
    customers["credit_limit"] = pd.to_numeric(customers["credit_limit"], errors="coerce")
    return customers


def score_inputs(
    *,
    as_of: date,
    customer_ids: Iterable[int] | None = None,
    point_in_time: bool = False,
    with_invoices_only: bool = False,
) -> pd.DataFrame:
    """Raw per-customer inputs as of ``as_of``, indexed by customer id (see INPUT_COLUMNS).

    ``customer_ids`` limits the frame to those customers (event-driven
    rescoring); ``with_invoices_only`` keeps customers with an invoice issued by
    ``as_of`` (the backtest's population). Customers who joined after
    ``as_of`` are left out.
    """
    if customer_ids is not None:
        customer_ids = list(customer_ids)
    customers = _customers_frame(
        as_of, customer_ids, with_invoices_only=with_invoices_only, point_in_time=point_in_time
    )
    parts = [
        _invoice_aggregates_sql(as_of, point_in_time=point_in_time, customer_ids=customer_ids),
        _disputes_sql(as_of, customer_ids),
        _bounced_sql(as_of, customer_ids),
    ]
    frame = customers
    for sql in parts:
        part = _frame(sql).set_index("customer_id")
        frame = frame.join(part, how="left")
    numeric = [column for column in INPUT_COLUMNS if column != "customer_since"]
    for column in numeric:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    counts = ["paid_weight", "late_weighted", "paid_count", "paid_over_30_count",
              "recent_weight", "recent_late_weighted", "earlier_weight",
              "earlier_late_weighted", "open_total", "open_over_60", "invoices_issued",
              "disputes", "bounced_payments"]  # fmt: skip
    frame[counts] = frame[counts].fillna(0.0)
    frame["tenure_days"] = (
        pd.Timestamp(as_of) - pd.to_datetime(frame["customer_since"])
    ).dt.days.astype(float)
    frame.index = frame.index.astype(np.int64)
    return frame.sort_index()
