"""Small SQL helpers for the hot paths where the ORM's query building costs more than the query.

They keep the ORM's semantics: columns and conversions come from model
metadata and the fields' own converters, so a raw row yields the same
instance the ORM would build, and an insert stores what ``save()`` would.
Only table and column names from model metadata are ever interpolated.
"""

# ruff: noqa: S608

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
    wait,
)
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

# The largest id a BigAutoField holds: a larger number in a URL, body or filter names
# no row (and overflows the driver on SQLite, or PostgreSQL's bigint).
ID_MAX = 2**63 - 1
# The last page number a list accepts: far beyond any list here, and far below an
# offset the database can no longer hold (a huge ?page= was a 500 on PostgreSQL).
PAGE_MAX = 10_000

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    For the few statements every API request runs (the token lookup, the credit
    position, the credit check's insert): planning them cost more than running
    them. It is Django's own cursor wrapper (query logging, execute wrappers,
    error translation) around a psycopg cursor with server-side parameters and
    ``prepare=True``; only the statements run through it are prepared, the ORM's
    never. Elsewhere (SQLite, or ``DATABASE_PREPARED_STATEMENTS=false`` for a
    pooler that cannot keep prepared statements) it is the plain cursor, and so
    it is while queries are logged (DEBUG, tests counting queries): the log then
    shows each statement with its values.
    """
    with _swapped_cursor(
        lambda raw: _PreparingCursor(raw) if raw.prepare_threshold is not None else None
    ) as cursor:
        yield cursor


class _PreparingCursor(psycopg.Cursor):
    """psycopg's server-side binding cursor, preparing every statement it runs."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        kwargs["prepare"] = True
        return super().execute(query, params, **kwargs)


@contextmanager
def binary_cursor() -> Iterator[CursorWrapper]:
    """A cursor whose results come in PostgreSQL's binary form: ``bytea`` as its bytes
    rather than doubled into hexadecimal text, numbers without a text conversion.

    For bulk reads decoded by numpy (the analytics stage's summary). Django's own
    cursor wrapper (query logging, execute wrappers, error translation) around a
    psycopg cursor with server-side parameters and ``binary=True``. Elsewhere
    (SQLite), and while queries are logged (DEBUG, tests counting queries), it is
    the plain cursor: the results are the same values, read as text.
    """
    with _swapped_cursor(_binary_results) as cursor:
        yield cursor


def _binary_results(raw: psycopg.Connection) -> psycopg.Cursor:
    cursor = psycopg.Cursor(raw)
    cursor.format = psycopg.pq.Format.BINARY
    return cursor


@contextmanager
def _swapped_cursor(
    make: Callable[[psycopg.Connection], psycopg.Cursor | None],
) -> Iterator[CursorWrapper]:
    """Django's cursor wrapper around ``make(raw connection)`` on PostgreSQL (``None``:
    keep the plain cursor); the plain cursor elsewhere, and while queries are logged,
    since only Django's client-side cursor can show each statement with its values."""
    db = _database()
    with db.cursor() as cursor:
        if db.vendor == "postgresql" and not db.queries_logged:
            swapped = make(db.connection)
            if swapped is not None:
                cursor.cursor.close()
                cursor.cursor = swapped
        yield cursor


def select_columns(model: type[models.Model], alias: str) -> str:
    """``alias.col1, alias.col2, …`` of the model's concrete fields, in field order."""
    quote = _database().ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def instance_from_row(model: type[M], values: Sequence) -> M:
    """A model instance from the values of :func:`select_columns`, converted as the ORM
    converts them (SQLite hands dates back as text and decimals as numbers)."""
    db = _database()
    attnames, plan = _row_plan(db, model)
    converted = []
    for (expression, converters), value in zip(plan, values, strict=True):
        for converter in converters:
            value = converter(value, expression, db)
        converted.append(value)
    return model.from_db(db.alias, attnames, converted)


def _database() -> BaseDatabaseWrapper:
    """This thread's default connection itself: ``django.db.connection`` is a proxy
    that looks it up again on every attribute read."""
    return connections[DEFAULT_DB_ALIAS]


def _row_plan(db: BaseDatabaseWrapper, model: type[models.Model]) -> tuple[list[str], list[tuple]]:
    """The model's attnames and, per concrete field, its column expression and the
    converters the ORM would apply; worked out once per model and connection (each
    thread has its own connection object, whose operations the converters belong to)."""
    plans = db.__dict__.setdefault("_crm_row_plans", {})
    if model not in plans:
        fields = model._meta.concrete_fields
        plan = []
        for field in fields:
            expression = field.get_col(model._meta.db_table)
            converters = db.ops.get_db_converters(expression)
            converters += field.get_db_converters(db)
            plan.append((expression, converters))
        plans[model] = ([field.attname for field in fields], plan)
    return plans[model]


def insert_unless_exists(instance: models.Model, *, unique_fields: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (unique_fields) DO NOTHING; True when this call stored the row.

    One statement, so no savepoint is needed when another transaction stored
    the same row first (the caller then reads the stored one). Sets the
    instance's primary key when stored. Like ``QuerySet.bulk_create`` it sends
    no save signals; it stores the fields' Python-side defaults and
    ``pre_save`` values (``auto_now_add``), so it is not for models with
    database defaults or generated fields. On PostgreSQL a refused insert still
    uses up a sequence value (ids may have gaps).
    """
    db = _database()
    meta = instance._meta
    quote = db.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    if any(field.generated or field.has_db_default() for field in fields):
        raise TypeError(f"{meta.label} has database-side values; use the ORM to insert it.")
    values = [field.get_db_prep_save(field.pre_save(instance, add=True), db) for field in fields]
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique_fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        f" ON CONFLICT ({conflict}) DO NOTHING"
    )
    returning = db.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    with prepared_cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            row = cursor.fetchone()
            pk = None if row is None else row[0]
        else:
            # SQLite before 3.35 has no RETURNING: the row count says whether it was stored,
            # and the unique fields find its id.
            stored = cursor.rowcount == 1
            pk = None
    if not returning and stored:
        key = {name: getattr(instance, meta.get_field(name).attname) for name in unique_fields}
        pk = type(instance)._base_manager.filter(**key).values_list("pk", flat=True).get()
    if pk is None:
        return False
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = db.alias
    return True


def bulk_update_rows(instances: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of ``instances`` (saved rows of one model) back, by primary key.

    On PostgreSQL one ``UPDATE … FROM unnest(arrays)``, one array per column:
    Django's ``bulk_update`` sets each column with a CASE over the batch's keys,
    which PostgreSQL evaluates key by key (a nightly balance rebuild of 66,000
    rows took 135-163 s with it, against 9-12 s to delete and insert them).
    Elsewhere ``bulk_update``. Like it, no save signals and no ``auto_now``:
    set such values on the instances. Returns the rows updated.
    """
    if not instances:
        return 0
    model = type(instances[0])
    db = _database()
    if db.vendor != "postgresql":
        return model._base_manager.bulk_update(instances, fields, batch_size=200)
    meta = model._meta
    quote = db.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    arrays = [
        [column.get_db_prep_save(getattr(instance, column.attname), db) for instance in instances]
        for column in columns
    ]
    casts = ", ".join(f"%s::{column.db_type(db)}[]" for column in columns)
    names = ", ".join(f"c{index}" for index in range(len(columns)))
    updates = ", ".join(
        f"{quote(column.column)} = v.c{index}" for index, column in enumerate(columns) if index
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {updates}"
        f" FROM unnest({casts}) AS v({names}) WHERE t.{quote(meta.pk.column)} = v.c0"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount


def each_on_own_connection(
    function: Callable[[T], R], items: Iterable[T], *, workers: int, name: str
) -> Iterator[tuple[T, R]]:
    """Call ``function`` on each item, ``workers`` at a time, each call on a thread with
    its own database connection (closed after the call); yields (item, result) as the
    calls finish, on the calling thread.

    The first call that raises stops the iteration with its error; so does an
    interruption (Ctrl-C). Either way the calls not started are not started,
    and those running are waited for (each ends its own transaction). The
    calls only see what is committed: not for use inside a transaction.
    """

    def call(item: T) -> R:
        try:
            return function(item)
        finally:
            connections.close_all()  # this thread's connections only

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        pending = {pool.submit(call, item): item for item in items}
        for done in as_completed(pending):
            yield pending[done], done.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# The function a forked child calls, set by the child's initializer (inherited, not pickled).
_child_function: Callable[[Any], Any] | None = None
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def each_in_own_process(
    function: Callable[[T], R], items: Iterable[T], *, workers: int, name: str
) -> Iterator[tuple[T, R]]:
    """Call ``function`` on each item, ``workers`` at a time, each call in a child process
    forked from this one with its own database connection; yields (item, result) as the
    calls finish, on the calling thread.

    For calls whose Python work threads would take turns at (one interpreter lock):
    each child has its own. Forked, the children start at once with the code, the
    settings and ``function`` already loaded; this process's connections are closed
    first so that no child shares one (each opens its own, closed after each call).
    Items and results cross as pickles: pass ids, not model instances.

    As :func:`each_on_own_connection`: the first call that raises stops the
    iteration with its error; so does Ctrl-C, and so does closing the generator
    (use ``contextlib.closing`` when the loop over it may stop early). Then no
    further call starts, and those running are waited for: an item is handed to a
    child only when one is free, and the children ignore Ctrl-C, so a call finishes
    or fails as it would on its own. A child that dies (killed) raises
    ``concurrent.futures.process.BrokenProcessPool``, and the pool stops the other
    children with it. The children end with this process if it is killed. Not
    inside a transaction, and only where processes can fork (Linux, macOS).
    """
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        raise RuntimeError("each_in_own_process cannot run inside a transaction")
    items = list(items)
    if not items:
        return
    connections.close_all()
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(items)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_child_start,
        initargs=(function, name, os.getpid()),
    )
    try:
        waiting = iter(items)
        running = {pool.submit(_child_call, item): item for item in islice(waiting, workers)}
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for done in finished:
                item = running.pop(done)
                yield item, done.result()
                # Only once the caller asked for more: stopped at the yield, nothing new starts.
                for following in islice(waiting, 1):
                    running[pool.submit(_child_call, following)] = following
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _child_start(function: Callable[[Any], Any], name: str, parent: int) -> None:
    global _child_function
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool's and the kernel's stop
    _end_with_parent(parent)
    multiprocessing.current_process().name = f"{name}-{os.getpid()}"
    _child_function = function


def _end_with_parent(parent: int) -> None:
    """Have the kernel stop this child when its parent dies (killed: no clean shutdown),
    rather than leave it waiting for work forever; on Linux, else a watching thread."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # this program, libc's symbols included
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError, TypeError):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # died before the request took effect
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _child_call(item: Any) -> Any:
    try:
        return _child_function(item)
    finally:
        connections.close_all()
