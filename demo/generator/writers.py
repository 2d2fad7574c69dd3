"""Bulk writers: COPY on PostgreSQL, executemany on SQLite.

The generator chooses every primary key itself (continuing after the largest
id in the table) so it can link rows before writing them; on PostgreSQL the
id sequences are moved past the new rows afterwards.

Writing is split in two: ``encode`` turns rows into what the driver needs
(pure, so it can run in a producer thread while the previous chunk loads) and
``load`` sends it through the default database connection.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models

from crm.exceptions import ApplicationError
from demo.generator import rows as r
from demo.generator.rows import Rows


@dataclass(frozen=True)
class Encoded:
    model: type[models.Model]
    count: int
    sql: str
    data: list  # CSV pieces (bytes) for COPY, or parameter tuples for executemany


class Writer(ABC):
    timestamp_suffix = " 09:00:00"

    def __init__(self) -> None:
        self._next_id: dict[type[models.Model], int] = {}
        self.rows_written = 0

    def start(self, tables: Iterable[type[models.Model]]) -> None:
        """Read where the ids of ``tables`` continue (before any rows are encoded)."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(
                    f"SELECT COALESCE(MAX({quote(model._meta.pk.column)}), 0) "  # noqa: S608
                    f"FROM {quote(model._meta.db_table)}"
                )
                self._next_id[model] = int(cursor.fetchone()[0]) + 1

    def reserve_ids(self, model: type[models.Model], count: int) -> np.ndarray:
        first = self._next_id[model]
        self._next_id[model] = first + count
        return np.arange(first, first + count, dtype=np.int64)

    @abstractmethod
    def encode(self, rows: Rows) -> Encoded:
        """Turn generated rows into what ``load`` writes (CSV text for COPY, tuples for SQLite)."""

    def load(self, encoded: Encoded) -> None:
        if encoded.count:
            self._load(encoded)
            self.rows_written += encoded.count

    @abstractmethod
    def _load(self, encoded: Encoded) -> None:
        """Write one encoded table chunk to the database."""

    def finish(self) -> None:  # noqa: B027 - a hook; most writers have nothing to finish
        """Called inside the transaction once every row is written."""

    def analyze(self) -> None:
        """Refresh the planner's statistics (called after the commit)."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class PostgresCopyWriter(Writer):
    """COPY ... FROM STDIN (CSV).

    Into tables that are empty when the load starts, rows go in without their
    secondary indexes and foreign keys; both are put back (each checked or
    built in one pass) at the end, in the same transaction. That is
    PostgreSQL's advice for populating a database, and several times faster
    than maintaining them row by row.
    """

    timestamp_suffix = " 09:00:00+00"

    def __init__(self) -> None:
        super().__init__()
        self._restore: dict[type[models.Model], list[str]] = {}
        self._checks_immediate = False

    # Rows turned into CSV text at a time: bounds the memory the text takes.
    batch_size = 50_000

    def _csv(self, rows: Rows) -> bytes:
        fields = [
            r.csv_values(column, rows.count, timestamp_suffix=self.timestamp_suffix)
            for _name, _field, column in rows.db_columns()
        ]
        return ("\n".join(map(",".join, zip(*fields, strict=True))) + "\n").encode()

    def encode(self, rows: Rows) -> Encoded:
        columns = rows.db_columns()
        pieces = [
            self._csv(rows.sliced(start, start + self.batch_size))
            for start in range(0, rows.count, self.batch_size)
        ]
        quote = connection.ops.quote_name
        # An unquoted empty CSV field is NULL; FORCE_NOT_NULL reads it as '' in
        # the text columns that are never NULL.
        not_null_text = [
            quote(name)
            for name, model_field, column in columns
            if column.kind == "text" and not model_field.null
        ]
        options = "FORMAT csv" + (
            f", FORCE_NOT_NULL ({', '.join(not_null_text)})" if not_null_text else ""
        )
        sql = (
            f"COPY {quote(rows.model._meta.db_table)} "
            f"({', '.join(quote(name) for name, _f, _c in columns)}) FROM STDIN WITH ({options})"
        )
        return Encoded(rows.model, rows.count, sql, pieces)

    def _load(self, encoded: Encoded) -> None:
        self._defer_indexes_and_foreign_keys(encoded.model)
        with connection.cursor() as cursor, cursor.cursor.copy(encoded.sql) as copy:
            for piece in encoded.data:
                copy.write(piece)

    def _defer_indexes_and_foreign_keys(self, model: type[models.Model]) -> None:
        if model in self._restore:
            return
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                self._restore[model] = []
                return
            cursor.execute(
                """
                SELECT 2, format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', %s, conname,
                                 pg_get_constraintdef(oid)),
                       format('ALTER TABLE %%I DROP CONSTRAINT %%I', %s, conname)
                FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'
                UNION ALL
                SELECT 1, pg_get_indexdef(i.indexrelid), format('DROP INDEX %%I', c.relname)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY 1, 2
                """,
                [table, table, table, table],
            )
            statements = cursor.fetchall()
            if statements and not self._checks_immediate:
                # ALTER TABLE refuses while deferred checks are queued in this
                # transaction (e.g. after deletes): run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self._checks_immediate = True
            for _order, _restore, drop in statements:
                cursor.execute(drop)
        self._restore[model] = [restore for _order, restore, _drop in statements]

    def finish(self) -> None:
        restores = [statement for statements in self._restore.values() for statement in statements]
        # Indexes first (CREATE INDEX), then the foreign keys they speed up (ALTER TABLE).
        restores.sort(key=lambda statement: statement.startswith("ALTER"))
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in restores:
                cursor.execute(statement)
            for statement in connection.ops.sequence_reset_sql(no_style(), list(self._next_id)):
                cursor.execute(statement)
            if self._checks_immediate:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys' default

    def analyze(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in self._next_id:
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


class SqliteWriter(Writer):
    """INSERT ... VALUES with executemany, in batches."""

    batch_size = 5000

    def encode(self, rows: Rows) -> Encoded:
        columns = rows.db_columns()
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(rows.model._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(name) for name, _f, _c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        values = [
            r.text_values(column, rows.count, timestamp_suffix=self.timestamp_suffix).tolist()
            for _name, _field, column in columns
        ]
        return Encoded(rows.model, rows.count, sql, list(zip(*values, strict=True)))

    def _load(self, encoded: Encoded) -> None:
        with connection.cursor() as cursor:
            for start in range(0, encoded.count, self.batch_size):
                cursor.executemany(encoded.sql, encoded.data[start : start + self.batch_size])


def writer_for_connection() -> Writer:
    if connection.vendor == "postgresql":
        return PostgresCopyWriter()
    if connection.vendor == "sqlite":
        return SqliteWriter()
    raise ApplicationError(
        f"The demo generator writes to PostgreSQL or SQLite, not {connection.vendor}; "
        "point DATABASE_URL at a postgres:// or sqlite:// database.",
        code="unsupported_database",
    )
