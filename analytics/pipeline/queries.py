"""Per-customer aggregates in SQL for one range of customer ids.

Each query is one GROUP BY over an indexed range (customer_id BETWEEN …), so a
chunk reads only its own customers' rows. Money is grouped by currency as
well; conversion to the base currency happens after, with the FX table.

Only table names from model metadata and fixed SQL fragments are interpolated
into the statements; every value is a query parameter.
"""

# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from django.apps import apps
from django.db import connection
from django.db.models import Count

from analytics.pipeline.config import PipelineConfig
from credit.models import CreditProfile
from customers.models import Customer
from receivables.models import (
    Allocation,
    CreditNote,
    Dispute,
    DunningNotice,
    Invoice,
    InvoiceStatus,
    WriteOff,
)
from receivables.models.dunning import DunningNoticeStatus


@dataclass(frozen=True)
class Window:
    as_of: date
    start: date  # exclusive: the window is (start, as_of]

    @classmethod
    def trailing(cls, as_of: date, days: int) -> Window:
        return cls(as_of=as_of, start=as_of - timedelta(days=days))


def _days(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _positive(expression: str) -> str:
    function = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{function}({expression}, 0)"


def _date_param(value: date):
    return value if connection.vendor == "postgresql" else value.isoformat()


def _as_of_sql() -> str:
    return "CAST(%(as_of)s AS DATE)" if connection.vendor == "postgresql" else "%(as_of)s"


def _frame(sql: str, params: dict, columns: list[str]) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=columns)


def _params(window: Window, first_id: int, last_id: int, **extra) -> dict:
    return {
        "as_of": _date_param(window.as_of),
        "start": _date_param(window.start),
        "first_id": first_id,
        "last_id": last_id,
        **extra,
    }


INVOICE_COLUMNS = [
    "customer_id",
    "currency",
    "invoices_all",
    "first_issue",
    "last_issue",
    "margin_all",
    "invoices_12m",
    "revenue_12m",
    "cogs_12m",
    "late_amount_days",
    "paid_total_12m",
    "open_late_amount_days",
    "max_days_past_due",
]


def invoice_aggregates(
    *, window: Window, first_id: int, last_id: int, config: PipelineConfig
) -> pd.DataFrame:
    """One row per (customer, currency) of their non-void invoices issued up to as-of."""
    as_of = _as_of_sql()
    cost = "(CASE WHEN i.cost_of_goods > 0 THEN i.cost_of_goods ELSE i.total * %(cogs_rate)s END)"
    in_window = "i.issue_date > %(start)s"
    paid_in_window = "i.paid_date > %(start)s AND i.paid_date <= %(as_of)s"
    overdue = f"i.open_amount > 0 AND i.due_date < {as_of}"
    sql = f"""
        SELECT i.customer_id, i.currency,
               COUNT(*),
               MIN(i.issue_date),
               MAX(i.issue_date),
               SUM(i.total - {cost}),
               SUM(CASE WHEN {in_window} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {in_window} THEN i.total ELSE 0 END),
               SUM(CASE WHEN {in_window} THEN {cost} ELSE 0 END),
               SUM(CASE WHEN {paid_in_window}
                        THEN i.total * {_positive(_days("i.paid_date", "i.due_date"))}
                        ELSE 0 END),
               SUM(CASE WHEN {paid_in_window} THEN i.total ELSE 0 END),
               SUM(CASE WHEN {in_window} AND {overdue}
                        THEN i.open_amount * {_days(as_of, "i.due_date")} ELSE 0 END),
               MAX(CASE WHEN {overdue} THEN {_days(as_of, "i.due_date")} ELSE 0 END)
          FROM {Invoice._meta.db_table} i
         WHERE i.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND i.status <> %(void)s
           AND i.issue_date <= %(as_of)s
         GROUP BY i.customer_id, i.currency
    """
    params = _params(
        window, first_id, last_id, cogs_rate=config.cost_of_goods_rate, void=InvoiceStatus.VOID
    )
    return _frame(sql, params, INVOICE_COLUMNS)


def allocation_aggregates(*, window: Window, first_id: int, last_id: int) -> pd.DataFrame:
    """Amount × days beyond terms of payments applied to the window's invoices."""
    sql = f"""
        SELECT i.customer_id, i.currency,
               SUM(a.amount * {_days("a.allocated_on", "i.due_date")})
          FROM {Allocation._meta.db_table} a
          JOIN {Invoice._meta.db_table} i ON i.id = a.invoice_id
         WHERE i.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND i.issue_date > %(start)s AND i.issue_date <= %(as_of)s
           AND a.unapplied_at IS NULL
           AND a.allocated_on > i.due_date
         GROUP BY i.customer_id, i.currency
    """
    return _frame(
        sql,
        _params(window, first_id, last_id),
        ["customer_id", "currency", "paid_late_amount_days"],
    )


def credit_note_aggregates(*, window: Window, first_id: int, last_id: int) -> pd.DataFrame:
    sql = f"""
        SELECT c.customer_id, c.currency, SUM(c.amount)
          FROM {CreditNote._meta.db_table} c
         WHERE c.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND c.issue_date > %(start)s AND c.issue_date <= %(as_of)s
         GROUP BY c.customer_id, c.currency
    """
    return _frame(
        sql, _params(window, first_id, last_id), ["customer_id", "currency", "credit_notes_12m"]
    )


def write_off_aggregates(*, window: Window, first_id: int, last_id: int) -> pd.DataFrame:
    sql = f"""
        SELECT i.customer_id, i.currency, SUM(w.amount)
          FROM {WriteOff._meta.db_table} w
          JOIN {Invoice._meta.db_table} i ON i.id = w.invoice_id
         WHERE i.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND w.written_off_on > %(start)s AND w.written_off_on <= %(as_of)s
         GROUP BY i.customer_id, i.currency
    """
    return _frame(
        sql, _params(window, first_id, last_id), ["customer_id", "currency", "write_offs_12m"]
    )


def count_aggregates(
    *, window: Window, first_id: int, last_id: int, config: PipelineConfig
) -> tuple[pd.DataFrame, list[str]]:
    """Dunning notices sent, disputes opened and collector activities per customer, in the window.

    Returns the counts and the problems met (an activity model that is configured but missing).
    """
    params = _params(
        window,
        first_id,
        last_id,
        sent=DunningNoticeStatus.SENT,
        bounced=DunningNoticeStatus.BOUNCED,
    )
    notices = _frame(
        f"""
        SELECT n.customer_id, COUNT(*)
          FROM {DunningNotice._meta.db_table} n
         WHERE n.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND n.run_date > %(start)s AND n.run_date <= %(as_of)s
           AND n.status IN (%(sent)s, %(bounced)s)
         GROUP BY n.customer_id
        """,
        params,
        ["customer_id", "dunning_notices_12m"],
    ).set_index("customer_id")
    disputes = _frame(
        f"""
        SELECT i.customer_id, COUNT(*)
          FROM {Dispute._meta.db_table} d
          JOIN {Invoice._meta.db_table} i ON i.id = d.invoice_id
         WHERE i.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND d.opened_on > %(start)s AND d.opened_on <= %(as_of)s
         GROUP BY i.customer_id
        """,
        params,
        ["customer_id", "disputes_12m"],
    ).set_index("customer_id")
    activities, problems = _activity_counts(
        window=window, first_id=first_id, last_id=last_id, config=config
    )
    counts = notices.join(disputes, how="outer").join(activities, how="outer")
    return counts.fillna(0).astype("int64"), problems


def _activity_counts(
    *, window: Window, first_id: int, last_id: int, config: PipelineConfig
) -> tuple[pd.DataFrame, list[str]]:
    empty = pd.DataFrame({"activities_12m": pd.Series(dtype="int64")})
    empty.index.name = "customer_id"
    if not config.activity_model:
        return empty, []
    try:
        model = apps.get_model(config.activity_model)
    except (LookupError, ValueError):
        return empty, [
            f"Collector activities not counted in cost to serve: ANALYTICS_ACTIVITY_MODEL"
            f" {config.activity_model!r} is not a model."
        ]
    lookup = config.activity_date_field
    if _is_datetime(model, lookup):
        lookup += "__date"
    activities = model.objects.filter(
        customer_id__gte=first_id,
        customer_id__lte=last_id,
        **{f"{lookup}__gt": window.start, f"{lookup}__lte": window.as_of},
    )
    if config.activity_kinds and any(f.name == "kind" for f in model._meta.fields):
        activities = activities.filter(kind__in=config.activity_kinds)
    rows = activities.values("customer_id").annotate(activities_12m=Count("pk"))
    frame = pd.DataFrame.from_records(list(rows), columns=["customer_id", "activities_12m"])
    return frame.set_index("customer_id"), []


def _is_datetime(model, field_name: str) -> bool:
    return model._meta.get_field(field_name).get_internal_type() == "DateTimeField"


def customer_attributes(*, first_id: int, last_id: int) -> pd.DataFrame:
    """Identity and tiering inputs owned by customers and credit."""
    customers = pd.DataFrame.from_records(
        list(
            Customer.objects.filter(pk__gte=first_id, pk__lte=last_id).values_list(
                "pk", "currency", "risk_grade", "tier", "sales_rep_id"
            )
        ),
        columns=["customer_id", "customer_currency", "risk_grade", "current_tier", "sales_rep_id"],
    ).set_index("customer_id")
    holds = set(
        CreditProfile.objects.filter(
            customer_id__gte=first_id, customer_id__lte=last_id, is_on_hold=True
        ).values_list("customer_id", flat=True)
    )
    customers["is_on_hold"] = customers.index.isin(list(holds))
    return customers


def to_decimal(value) -> Decimal:
    """A SQL aggregate as an exact Decimal (SQLite returns floats for decimal sums)."""
    if value is None or (isinstance(value, float) and value != value):
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value))).quantize(Decimal("0.0001"))
