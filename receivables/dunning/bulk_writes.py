"""Writing the decision run's outbox rows in bulk.

On PostgreSQL one ``INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO
NOTHING`` per table and batch: the run writes tens of thousands of notices and
lines on the first day, and ``bulk_create`` spends most of that time building
SQL for every field of every row. Elsewhere (SQLite) ``bulk_create``. Both skip
rows whose unique key already exists (a concurrent run wrote them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from receivables.models import DunningNotice, DunningNoticeInvoice

# (customer_id, level_id, idempotency_key, status)
NoticeRow = tuple[int, int, str, str]
# (notice_id, invoice_id, open_amount_at_notice)
LineRow = tuple[int, int, Decimal]


def notices_insert(*, run_date: date, rows: Sequence[NoticeRow]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        DunningNotice.objects.bulk_create(
            [
                DunningNotice(
                    customer_id=customer_id,
                    level_id=level_id,
                    run_date=run_date,
                    idempotency_key=key,
                    status=status,
                )
                for customer_id, level_id, key, status in rows
            ],
            ignore_conflicts=True,
        )
        return
    customers, levels, keys, statuses = (list(column) for column in zip(*rows, strict=True))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {DunningNotice._meta.db_table} (
                created_at, updated_at, customer_id, level_id, run_date, status,
                idempotency_key, to_email, subject, body, attempts, last_error,
                message_id, bounce_reason
            )
            SELECT %s, %s, customer_id, level_id, %s, status, idempotency_key,
                   '', '', '', 0, '', '', ''
            FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[])
                AS row(customer_id, level_id, idempotency_key, status)
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - the table name is the model's, the values are parameters
            [now, now, run_date, customers, levels, keys, statuses],
        )


def notice_lines_insert(*, rows: Sequence[LineRow]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        DunningNoticeInvoice.objects.bulk_create(
            [
                DunningNoticeInvoice(
                    notice_id=notice_id, invoice_id=invoice_id, open_amount_at_notice=amount
                )
                for notice_id, invoice_id, amount in rows
            ],
            ignore_conflicts=True,
        )
        return
    notices, invoices, amounts = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {DunningNoticeInvoice._meta.db_table}
                (notice_id, invoice_id, open_amount_at_notice)
            SELECT notice_id, invoice_id, amount
            FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[])
                AS row(notice_id, invoice_id, amount)
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - the table name is the model's, the values are parameters
            [notices, invoices, amounts],
        )
