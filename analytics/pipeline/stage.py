"""The run's stage: every customer's aggregates, computed once at the start of a run.

``stage_create`` runs :func:`analytics.pipeline.queries.customer_aggregates`
once over the whole run (CREATE TABLE … AS, an UNLOGGED table on PostgreSQL:
nothing to recover after a crash, the run would be redone) keyed by customer
id. It is an ordinary table, so Celery workers in other processes read it; the
portfolio pass reads its compact float columns (on PostgreSQL as the numbers'
binary form: :mod:`analytics.pipeline.stage_read`), each chunk reads its id range
(the jobs of an in-process run take it from the summary the stage's parts read
back: :func:`summary_for_jobs`), and the chunk's write joins it to take the
money (exact, rounded in SQL).

On PostgreSQL a run with several jobs builds it in as many parts at once, one
id range per connection (``INSERT … SELECT`` cannot use PostgreSQL's own
parallel workers, and more than half of the single statement ran on one core:
combining the partial aggregates, converting, joining the sources).

The stage lives until the run is finalised (so a chunk can be retried alone,
reading the same figures) and is dropped then, or when the start fails. A run
finalised with failed chunks rebuilds it on ``--retry-failed``
(``stage_ensure``); stages left by crashed processes are dropped by the next
run's start.

Only table names built here from run ids are interpolated into SQL.
"""

# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
from django.db import connection, transaction

from analytics.models import PipelineRun, RunStatus
from analytics.pipeline import dialect, queries
from analytics.pipeline.config import PipelineConfig
from analytics.pipeline.queries import Window
from analytics.pipeline.rates import fx_rates_as_of
from analytics.pipeline.stage_read import read_frame, summary_read
from credit.models import CreditProfile
from crm.db import each_on_own_connection
from customers.models import Customer

PREFIX = "analytics_stage_run_"

# (run id, the stage table's oid, summary): the stage summary of the run this process is
# executing, for the chunks of the jobs it forks (they inherit it): see
# :func:`summary_for_jobs`.
_jobs_summary: tuple[int, int, pd.DataFrame] | None = None


def stage_table(run_id: int) -> str:
    return f"{PREFIX}{int(run_id)}"


def stage_exists(*, run_id: int) -> bool:
    """Whether the run's stage is there (asked of the catalogue by name: every chunk asks)."""
    with connection.cursor() as cursor:
        if dialect.is_postgresql():
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [stage_table(run_id)])
        else:
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = %s",
                [stage_table(run_id)],
            )
        return bool(cursor.fetchone()[0])


@dataclass(frozen=True)
class StageBuilt:
    problems: list[str]
    # Every customer's row of :func:`stage_summary`, when the parts read it as they
    # finished (at once, each on its connection); None: read it from the stage.
    summary: pd.DataFrame | None = None


def stage_create(
    *,
    run_id: int,
    config: PipelineConfig,
    window: Window,
    rates: dict,
    first_id: int,
    last_id: int,
    parts: list[tuple[int, int]] | None = None,
) -> StageBuilt:
    """(Re)build the stage of the run for customer ids [first_id, last_id], with the problems met.

    ``parts`` (PostgreSQL, outside a transaction) splits the range into id ranges
    built at once, each on its own connection; they must cover [first_id, last_id].
    """
    if parts and len(parts) > 1 and dialect.is_postgresql() and not connection.in_atomic_block:
        return _create_in_parts(
            run_id=run_id, config=config, window=window, rates=rates, parts=parts
        )
    statement = queries.customer_aggregates(
        window=window, config=config, rates=rates, first_id=first_id, last_id=last_id
    )
    table = connection.ops.quote_name(stage_table(run_id))
    unlogged = "UNLOGGED " if dialect.is_postgresql() else ""
    with transaction.atomic(), connection.cursor() as cursor:
        if dialect.is_postgresql():
            _tune(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE {unlogged}TABLE {table} AS {statement.sql}", statement.params)
        _add_key(cursor, run_id)
    return StageBuilt(problems=statement.problems)


def _tune(cursor) -> None:
    # Measured on 2M invoices: JIT-compiling this one statement took longer (~3 s)
    # than running it, and the default work_mem made its sorts and hashes spill.
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '64MB'")
    # The planner cannot estimate how many customers a GROUP BY over an aggregate
    # yields (it assumes 200), so it hashed 100,000 groups and spilled them to
    # disk, then sorted them again for the joins by customer id. Grouped by
    # sorting, the aggregates come out in customer order and the joins merge
    # them as they are: 3.5 s against 4.1 s (same machine, alternated 4 times).
    cursor.execute("SET LOCAL enable_hashagg = off")


def _add_key(cursor, run_id: int, *, analyze: bool = True) -> None:
    table = connection.ops.quote_name(stage_table(run_id))
    if dialect.is_postgresql():
        cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (customer_id)")
        if analyze:
            _analyze_key(cursor, run_id)
    else:
        name = connection.ops.quote_name(f"{stage_table(run_id)}_customer")
        cursor.execute(f"CREATE UNIQUE INDEX {name} ON {table} (customer_id)")


def _analyze_key(cursor, run_id: int) -> None:
    # Statistics of the key only: the chunks' reads and joins go by customer id, and
    # analysing every numeric column took ten times as long (0.36 s).
    cursor.execute(f"ANALYZE {connection.ops.quote_name(stage_table(run_id))} (customer_id)")


def _create_in_parts(
    *, run_id: int, config: PipelineConfig, window: Window, rates: dict, parts: list
) -> StageBuilt:
    """The stage as an empty table, then each id range inserted on its own connection at once.

    Each part commits on its own, then reads back its customers' summary: read
    whole after the parts, the summary took 0.22 s on one core (100,000
    customers; most of it PostgreSQL converting numbers to text). If one part
    fails the error is raised and the caller drops the stage (a run's start
    drops it on any failure).
    """
    table = connection.ops.quote_name(stage_table(run_id))
    empty = queries.customer_aggregates(
        window=window, config=config, rates=rates, first_id=1, last_id=0
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE UNLOGGED TABLE {table} AS {empty.sql} WITH NO DATA", empty.params)
        # The key before the rows: the parts fill it as they insert, at once, where adding
        # it afterwards took 46 ms on one core (100,000 customers).
        _add_key(cursor, run_id, analyze=False)

    def insert(bounds: tuple[int, int]) -> pd.DataFrame:
        statement = queries.customer_aggregates(
            window=window, config=config, rates=rates, first_id=bounds[0], last_id=bounds[1]
        )
        with transaction.atomic(), connection.cursor() as cursor:
            _tune(cursor)
            # One process per part: the parts already keep the cores busy. The invoices
            # are grouped as the customer index gives them either way; hashing the small
            # sources' groups or not made no difference beyond noise (1.24-1.29 s for
            # one half of 2M invoices, alternated six times).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL enable_hashagg = on")
            cursor.execute(f"INSERT INTO {table} {statement.sql}", statement.params)
        return stage_summary(run_id=run_id, first_id=bounds[0], last_id=bounds[1])

    summaries = dict(
        each_on_own_connection(insert, parts, workers=len(parts), name="analytics-stage")
    )
    with connection.cursor() as cursor:
        _analyze_key(cursor, run_id)
    summary = pd.concat([summaries[bounds] for bounds in sorted(summaries)])
    return StageBuilt(problems=empty.problems, summary=summary)


def stage_drop(*, run_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(stage_table(run_id))}")


def stage_drop_orphans() -> list[int]:
    """Drop the stages of runs that are no longer running (left by a crash); returns their run ids."""
    with connection.cursor() as cursor:
        run_ids = [
            int(name.removeprefix(PREFIX))
            for name in connection.introspection.table_names(cursor)
            if name.startswith(PREFIX) and name.removeprefix(PREFIX).isdigit()
        ]
    running = set(
        PipelineRun.objects.filter(pk__in=run_ids, status=RunStatus.RUNNING).values_list(
            "pk", flat=True
        )
    )
    orphans = [run_id for run_id in run_ids if run_id not in running]
    for run_id in orphans:
        stage_drop(run_id=run_id)
    return orphans


def stage_ensure(*, run: PipelineRun, config: PipelineConfig) -> None:
    """Rebuild the stage of ``run`` from the current data when it is gone (a retry after finalising).

    The run's row is locked while building, so concurrent chunks build it once.
    """
    if stage_exists(run_id=run.pk):
        return
    with transaction.atomic():
        PipelineRun.objects.select_for_update().filter(pk=run.pk).first()
        if stage_exists(run_id=run.pk):
            return
        bounds = run.chunks.order_by("index").values_list("first_customer_id", "last_customer_id")
        if not bounds:
            return
        stage_create(
            run_id=run.pk,
            config=config,
            window=Window.trailing(run.as_of, config.window_days),
            rates=fx_rates_as_of(as_of=run.as_of, base_currency=run.base_currency),
            first_id=bounds[0][0],
            last_id=bounds[len(bounds) - 1][1],
        )


def stage_summary(
    *, run_id: int, first_id: int | None = None, last_id: int | None = None
) -> pd.DataFrame:
    """Every customer of the run (or of an id range): counts, days and float money (for the
    portfolio's fits)."""
    return summary_read(connection.ops.quote_name(stage_table(run_id)), first_id, last_id)


@contextmanager
def summary_for_jobs(run_id: int, summary: pd.DataFrame | None) -> Iterator[None]:
    """Within the block, the chunks of ``run_id`` take their stage rows from ``summary``
    (every customer's :func:`stage_summary`, as the stage's parts read it back, unchanged)
    instead of reading them from the stage again.

    For the jobs a run forks right after building its stage: they inherit the summary
    with the process, where each chunk would read its 10,000 rows back from the stage
    (when they came through COPY in CSV: 56-65 ms of a chunk's 0.3 s, against 27-29 ms
    from the summary, the oid check included). The summary is tied to the
    stage table it was read from (its oid): a stage rebuilt meanwhile, by a retry in
    any process, is a new table and is read instead. Celery workers and retries,
    which do not have the summary, read the stage. One run at a time per process:
    the block is the process's (threads share it), and it restores what was there.
    """
    global _jobs_summary
    previous = _jobs_summary
    oid = _stage_oid(run_id) if summary is not None else None
    _jobs_summary = None if oid is None else (run_id, oid, summary)
    try:
        yield
    finally:
        _jobs_summary = previous


def _stage_oid(run_id: int) -> int | None:
    """The stage table's object id on PostgreSQL (None when there is none)."""
    if not dialect.is_postgresql():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::oid", [stage_table(run_id)])
        return cursor.fetchone()[0]


def stage_chunk(*, run_id: int, first_id: int, last_id: int) -> pd.DataFrame:
    """The chunk's customers from the stage, with their tiering inputs read now."""
    if (
        _jobs_summary is not None
        and _jobs_summary[0] == run_id
        and _stage_oid(run_id) == _jobs_summary[1]
    ):
        summary = _jobs_summary[2]
    else:
        summary = stage_summary(run_id=run_id, first_id=first_id, last_id=last_id)
    return _chunk_with_inputs(summary, first_id=first_id, last_id=last_id)


_TIERING_INPUTS = ["risk_grade", "current_tier", "is_on_hold"]


def _tiering_typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["is_on_hold"] = frame["is_on_hold"].fillna(0).astype(bool)
    for column in ("risk_grade", "current_tier"):
        frame[column] = frame[column].fillna("")
    return frame


def _chunk_with_inputs(summary: pd.DataFrame, *, first_id: int, last_id: int) -> pd.DataFrame:
    """The range's rows of a stage summary (the run's, or the range's own) joined to the
    tiering inputs, read now for the customers of the range: those no longer in the
    customer table are left out."""
    sql = f"""
        SELECT c.id, c.risk_grade, c.tier, CASE WHEN h.is_on_hold THEN 1 ELSE 0 END
          FROM {Customer._meta.db_table} c
          LEFT JOIN {CreditProfile._meta.db_table} h
            ON h.customer_id = c.id AND h.customer_id BETWEEN %s AND %s
         WHERE c.id BETWEEN %s AND %s
         ORDER BY c.id
    """
    inputs = read_frame(sql, [first_id, last_id] * 2, ["customer_id", *_TIERING_INPUTS])
    rows = summary.loc[first_id:last_id]
    return _tiering_typed(rows.join(inputs, how="inner"))
