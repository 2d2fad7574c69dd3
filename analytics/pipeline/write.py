"""Writing a chunk's results back: metrics upserted in bulk, tier changes through customers' service.

Only table and column names from model metadata are interpolated into SQL.
"""

# ruff: noqa: S608

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
from django.db import connection, models
from django.utils import timezone

from analytics.models import CustomerMetrics, PipelineRun, TierChange
from crm.money import quantize
from customers.services.customers import customer_tier_set

UPDATE_FIELDS = [
    field.name
    for field in CustomerMetrics._meta.concrete_fields
    if not field.primary_key and field.name != "customer"
]


def _money(value, currency: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return quantize(value, currency)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return quantize(Decimal(f"{float(value):.6f}"), currency)


def _decimal(value, places: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    number = value if isinstance(value, Decimal) else Decimal(f"{float(value):.6f}")
    return number.quantize(Decimal(places))


def _integer(value) -> int | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return int(value)


def metrics_rows(customers: pd.DataFrame, run: PipelineRun) -> list[dict]:
    """One dict per customer: CustomerMetrics attribute names to stored (rounded) values."""
    currency = run.base_currency
    now = timezone.now()
    rows = []
    for customer_id, row in zip(customers.index, customers.itertuples(index=False), strict=True):
        contribution = _money(row.contribution, currency)
        rows.append(
            {
                "customer_id": int(customer_id),
                "run_id": run.pk,
                "as_of": run.as_of,
                "computed_at": now,
                "base_currency": currency,
                "recency_days": _integer(row.recency_days),
                "frequency_12m": int(row.invoices_12m),
                "monetary_12m": _money(row.revenue_12m, currency),
                "r_score": _integer(row.r_score),
                "f_score": _integer(row.f_score),
                "m_score": _integer(row.m_score),
                "rfm_segment": row.rfm_segment,
                "clv": _money(row.clv, currency),
                "clv_method": row.clv_method,
                "expected_invoices": _decimal(row.expected_invoices, "0.0001"),
                "probability_alive": _decimal(row.probability_alive, "0.0001"),
                "expected_margin_per_invoice": _money(row.expected_margin_per_invoice, currency),
                "revenue_net": _money(row.revenue_net, currency),
                "cost_of_goods": _money(row.cogs_12m, currency),
                "cost_to_serve": _money(row.cost_to_serve, currency),
                "financing_cost": _money(row.financing_cost, currency),
                "write_offs": _money(row.write_offs_12m, currency),
                "contribution": contribution,
                "margin_12m": _money(row.margin_12m_decimal, currency),
                "is_loss_making": contribution is not None and contribution < 0,
                "weighted_days_late": _decimal(row.weighted_days_late, "0.01"),
                "max_days_past_due": int(row.max_days_past_due),
                "usual_gap_days": _decimal(row.usual_gap_days, "0.1"),
                "is_churn_warning": bool(row.is_churn_warning),
                "churn_reason": row.churn_reason[:255],
                "value_percentile": _decimal(row.value_percentile, "0.01"),
                "tier": row.tier_decided,
                "tier_rule_id": _integer(row.tier_rule_id),
                "tier_rule_name": row.tier_rule_name,
                "notes": list(row.notes),
            }
        )
    return rows


def metrics_upsert(rows: list[dict]) -> None:
    """Insert or replace each customer's row: COPY + one INSERT … ON CONFLICT on PostgreSQL."""
    if connection.vendor == "postgresql":
        _copy_upsert(rows)
        return
    CustomerMetrics.objects.bulk_create(
        [CustomerMetrics(**row) for row in rows],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=UPDATE_FIELDS,
    )


def tiers_apply(customers: pd.DataFrame, run: PipelineRun) -> int:
    """Set every decided tier that differs; record each change. Returns how many changed."""
    wanted = customers[
        (customers["tier_decided"] != "") & (customers["tier_decided"] != customers["current_tier"])
    ]
    now = timezone.now()
    changes = []
    for customer_id, row in zip(wanted.index, wanted.itertuples(index=False), strict=True):
        if customer_tier_set(customer_id=int(customer_id), tier=row.tier_decided):
            changes.append(
                TierChange(
                    customer_id=int(customer_id),
                    old_tier=row.current_tier,
                    new_tier=row.tier_decided,
                    rule_id=_integer(row.tier_rule_id),
                    rule_name=row.tier_rule_name,
                    run=run,
                    changed_at=now,
                )
            )
    TierChange.objects.bulk_create(changes, batch_size=1000)
    return len(changes)


def _copy_upsert(rows: list[dict]) -> None:
    """COPY the rows into a temporary table, then upsert them in one statement.

    Much faster than multi-row INSERTs for thousands of wide rows; the temporary
    table lives until the chunk's transaction commits.
    """
    from psycopg.types.json import Jsonb

    if not rows:
        return
    fields = CustomerMetrics._meta.concrete_fields
    table = connection.ops.quote_name(CustomerMetrics._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    updates = ", ".join(
        f"{connection.ops.quote_name(field.column)} = EXCLUDED.{connection.ops.quote_name(field.column)}"
        for field in fields
        if not field.primary_key
    )
    key = connection.ops.quote_name(CustomerMetrics._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS analytics_metrics_load"
            f" (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY analytics_metrics_load ({columns}) FROM STDIN") as copy:
            # The values are already of the column types (rounded Decimals, dates, ints);
            # only JSON needs wrapping.
            json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
            for row in rows:
                copy.write_row(
                    [
                        Jsonb(row[field.attname])
                        if field.attname in json_fields
                        else row[field.attname]
                        for field in fields
                    ]
                )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM analytics_metrics_load"
            f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )
        cursor.execute("DROP TABLE analytics_metrics_load")
