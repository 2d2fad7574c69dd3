"""Writing a chunk's results back: one INSERT … SELECT joining the stage, tier changes through customers.

The statistics of the chunk (floats) are loaded into a temporary table (COPY
on PostgreSQL), then one statement upserts every customer's row, taking the
money from the run's stage: money never becomes a Python object here, and
every figure is rounded once, half to even (crm.money's rule), in SQL. Floats
are written with six decimals first, as the previous pipeline did.

Only table and column names from model metadata and fixed SQL are interpolated into SQL.
"""

# ruff: noqa: S608

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from analytics.models import CustomerMetrics, PipelineRun, TierChange
from analytics.pipeline import dialect
from analytics.pipeline.stage import stage_table
from crm.money import CURRENCY_MINOR_UNITS
from customers.services.customers import customer_tier_set

LOAD_TABLE = "analytics_metrics_load"

# The columns computed in Python, in the load table's order, with their SQL types.
LOAD_COLUMNS = {
    "customer_id": "BIGINT",
    "r_score": "INTEGER",
    "f_score": "INTEGER",
    "m_score": "INTEGER",
    "rfm_segment": "TEXT",
    "clv": "NUMERIC",
    "clv_method": "TEXT",
    "expected_invoices": "NUMERIC",
    "probability_alive": "NUMERIC",
    "expected_margin_per_invoice": "NUMERIC",
    "usual_gap_days": "NUMERIC",
    "is_churn_warning": "BOOLEAN",
    "churn_reason": "TEXT",
    "value_percentile": "NUMERIC",
    "tier": "TEXT",
    "tier_rule_id": "BIGINT",
    "tier_rule_name": "TEXT",
    "notes": "TEXT",
}
TEXT_COLUMNS = [name for name, kind in LOAD_COLUMNS.items() if kind == "TEXT"]


def load_csv(customers: pd.DataFrame) -> str:
    """The chunk's statistics as CSV in LOAD_COLUMNS order (floats with six decimals, as before).

    Built column by column as text and joined once (measured: a third of the
    time of ``csv.writer`` over Python values). An empty field is NULL, except
    in text columns (loaded with FORCE_NOT_NULL: an empty string); a column's
    texts are quoted only when one of them needs it.
    """
    if not len(customers):
        return ""
    columns = [
        list(map(str, customers.index.tolist())),
        *(_integers(customers[name]) for name in ("r_score", "f_score", "m_score")),
        _texts(customers["rfm_segment"].tolist()),
        _six_decimals(customers["clv"]),
        _texts(customers["clv_method"].tolist()),
        _six_decimals(customers["expected_invoices"]),
        _six_decimals(customers["probability_alive"]),
        _six_decimals(customers["expected_margin_per_invoice"]),
        _six_decimals(customers["usual_gap_days"]),
        ["1" if flag else "0" for flag in customers["is_churn_warning"].to_numpy(dtype=bool)],
        _texts([reason[:255] for reason in customers["churn_reason"].tolist()]),
        _six_decimals(customers["value_percentile"]),
        _texts(customers["tier_decided"].tolist()),
        ["" if value is None else str(int(value)) for value in customers["tier_rule_id"].tolist()],
        _texts(customers["tier_rule_name"].tolist()),
        _texts(
            [
                json.dumps(notes, ensure_ascii=False) if notes else "[]"
                for notes in customers["notes"].tolist()
            ]
        ),
    ]
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _texts(texts: list[str]) -> list[str]:
    """The column's texts as CSV fields: as they are, or all quoted when any needs it."""
    joined = "".join(texts)
    if not any(special in joined for special in ('"', ",", "\n", "\r")):
        return texts
    return ['"' + text.replace('"', '""') + '"' for text in texts]


def _six_decimals(values: pd.Series) -> list[str]:
    """Each float as text with six decimals ("" when not finite): the old write's first step."""
    numbers = values.to_numpy(dtype=float)
    texts = list(map("{:.6f}".format, numbers.tolist()))
    for position in np.flatnonzero(~np.isfinite(numbers)):
        texts[position] = ""
    return texts


def _integers(values: pd.Series) -> list[str]:
    """Whole numbers as text ("" when not finite)."""
    numbers = values.to_numpy(dtype=float)
    finite = np.isfinite(numbers)
    texts = list(map(str, np.where(finite, numbers, 0).astype(np.int64).tolist()))
    for position in np.flatnonzero(~finite):
        texts[position] = ""
    return texts


def metrics_upsert(customers: pd.DataFrame, run: PipelineRun) -> None:
    """Insert or replace each customer's metrics: the statistics loaded, the money from the stage."""
    if customers.empty:
        return
    text = load_csv(customers)
    with connection.cursor() as cursor:
        _load(cursor, text)
        ids = customers.index
        sql, params = _upsert_statement(run, int(ids.min()), int(ids.max()))
        cursor.execute(sql, params)
        cursor.execute(f"DROP TABLE {LOAD_TABLE}")


def _load(cursor, text: str) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in LOAD_COLUMNS.items())
    if dialect.is_postgresql():
        cursor.execute(f"CREATE TEMP TABLE {LOAD_TABLE} ({columns}) ON COMMIT DROP")
        not_null = ", ".join(TEXT_COLUMNS)
        with cursor.cursor.copy(
            f"COPY {LOAD_TABLE} FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))"
        ) as copy:
            copy.write(text)
        return
    cursor.execute(f"CREATE TEMP TABLE {LOAD_TABLE} ({columns})")
    texts = [name in TEXT_COLUMNS for name in LOAD_COLUMNS]
    rows = [
        [value if value or is_text else None for value, is_text in zip(row, texts, strict=True)]
        for row in csv.reader(io.StringIO(text))
    ]
    marks = ", ".join("%s" for _ in LOAD_COLUMNS)
    cursor.executemany(f"INSERT INTO {LOAD_TABLE} VALUES ({marks})", rows)


def _upsert_statement(run: PipelineRun, first_id: int, last_id: int) -> tuple[str, dict]:
    """INSERT … SELECT of every CustomerMetrics column from the load table and the stage."""
    places = CURRENCY_MINOR_UNITS[run.base_currency]
    money = dialect.round_half_even
    contribution = money("s.contribution", places)
    notes = "CAST(t.notes AS JSONB)" if dialect.is_postgresql() else "t.notes"
    values = {
        "customer": "t.customer_id",
        "run": "%(run_id)s",
        "as_of": "%(as_of)s",
        "computed_at": "%(computed_at)s",
        "base_currency": "%(base_currency)s",
        "recency_days": "s.recency_days",
        "frequency_12m": "s.invoices_12m",
        "monetary_12m": money("s.revenue_12m", places),
        "r_score": "t.r_score",
        "f_score": "t.f_score",
        "m_score": "t.m_score",
        "rfm_segment": "t.rfm_segment",
        "clv": money("t.clv", places),
        "clv_method": "t.clv_method",
        "expected_invoices": money("t.expected_invoices", 4),
        "probability_alive": money("t.probability_alive", 4),
        "expected_margin_per_invoice": money("t.expected_margin_per_invoice", places),
        "revenue_net": money("s.revenue_net", places),
        "cost_of_goods": money("s.cogs_12m", places),
        "cost_to_serve": money("s.cost_to_serve", places),
        "financing_cost": money("s.financing_cost", places),
        "write_offs": money("s.write_offs_12m", places),
        "contribution": contribution,
        "margin_12m": money("s.margin_12m", places),
        "is_loss_making": f"COALESCE({contribution} < 0, FALSE)",
        "weighted_days_late": money("s.weighted_days_late", 2),
        "max_days_past_due": "s.max_days_past_due",
        "usual_gap_days": money("t.usual_gap_days", 1),
        "is_churn_warning": "t.is_churn_warning",
        "churn_reason": "t.churn_reason",
        "value_percentile": money("t.value_percentile", 2),
        "tier": "t.tier",
        "tier_rule": "t.tier_rule_id",
        "tier_rule_name": "t.tier_rule_name",
        "notes": notes,
    }
    fields = CustomerMetrics._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    expressions = ", ".join(values[field.name] for field in fields)
    updates = ", ".join(
        f"{quote(field.column)} = EXCLUDED.{quote(field.column)}"
        for field in fields
        if not field.primary_key
    )
    key = quote(CustomerMetrics._meta.pk.column)
    stage = quote(stage_table(run.pk))
    sql = f"""
        INSERT INTO {quote(CustomerMetrics._meta.db_table)} ({columns})
        SELECT {expressions}
          FROM {LOAD_TABLE} t
          JOIN {stage} s ON s.customer_id = t.customer_id
         WHERE s.customer_id BETWEEN %(first_id)s AND %(last_id)s
        ON CONFLICT ({key}) DO UPDATE SET {updates}
    """
    params = {
        # The chunk's range: the stage is read from its first customer, not from the start.
        "first_id": first_id,
        "last_id": last_id,
        "run_id": run.pk,
        "as_of": connection.ops.adapt_datefield_value(run.as_of),
        "computed_at": connection.ops.adapt_datetimefield_value(timezone.now()),
        "base_currency": run.base_currency,
    }
    return sql, params


def tiers_apply(customers: pd.DataFrame, run: PipelineRun) -> int:
    """Set every decided tier that differs; record each change. Returns how many changed."""
    wanted = customers[
        (customers["tier_decided"] != "") & (customers["tier_decided"] != customers["current_tier"])
    ]
    now = timezone.now()
    changes = []
    # Only the columns used: itertuples builds a namedtuple class of every column it is
    # given, 9 ms per chunk for the ~60 columns of the frame.
    columns = ["tier_decided", "current_tier", "tier_rule_id", "tier_rule_name"]
    for customer_id, row in zip(wanted.index, wanted[columns].itertuples(index=False), strict=True):
        if customer_tier_set(customer_id=int(customer_id), tier=row.tier_decided):
            changes.append(
                TierChange(
                    customer_id=int(customer_id),
                    old_tier=row.current_tier,
                    new_tier=row.tier_decided,
                    rule_id=None if row.tier_rule_id is None else int(row.tier_rule_id),
                    rule_name=row.tier_rule_name,
                    run=run,
                    changed_at=now,
                )
            )
    TierChange.objects.bulk_create(changes, batch_size=1000)
    return len(changes)
