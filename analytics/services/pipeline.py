"""Running the nightly pipeline: plan and first pass, chunks (retryable), finalisation.

``pipeline_run_start`` plans the chunks, builds the run's stage (every
customer's aggregates, once) and fits the portfolio's parameters;
``pipeline_chunk_process`` computes and writes one chunk (idempotent: a done
chunk is skipped, so a retried or twice-delivered task does no harm);
``pipeline_run_finalize`` settles the status, sends the tier digests and drops
the stage. The management command runs them in-process
(:mod:`analytics.services.pipeline_execute`); the Celery task fans the chunks
out as a chord.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import pairwise

import pandas as pd
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import ChunkStatus, PipelineChunk, PipelineRun, RunStatus
from analytics.pipeline import compute, write
from analytics.pipeline.config import PipelineConfig
from analytics.pipeline.portfolio import portfolio_pass
from analytics.pipeline.queries import Window
from analytics.pipeline.rates import fx_rates_as_of
from analytics.pipeline.stage import (
    stage_create,
    stage_drop,
    stage_drop_orphans,
    stage_ensure,
)
from analytics.services.digests import tier_change_digests_send
from crm.exceptions import ApplicationError, NotFound
from customers.models import Customer

logger = logging.getLogger(__name__)


def _chunk_ranges(chunk_size: int, last_customer_id: int | None) -> Iterator[tuple[int, int, int]]:
    """(first id, last id, count) of consecutive runs of ``chunk_size`` customer ids.

    One keyed query per chunk finds its last id and the next chunk's first (an
    index-only scan of ``chunk_size`` keys), rather than reading every id into
    Python (0.08 s for 100,000 customers).
    """
    ids = Customer.objects.order_by("pk").values_list("pk", flat=True)
    if last_customer_id is not None:
        ids = ids.filter(pk__lte=last_customer_id)
    first = ids.first()
    while first is not None:
        remaining = ids.filter(pk__gte=first)
        boundary = list(remaining[chunk_size - 1 : chunk_size + 1])
        if not boundary:  # the last chunk, shorter than chunk_size: its ids in one read
            tail = list(remaining[:chunk_size])
            yield tail[0], tail[-1], len(tail)
            return
        yield first, boundary[0], chunk_size
        first = boundary[1] if len(boundary) > 1 else None


# A run still "running" with no chunk started or finished for this long lost its
# process (killed, machine restarted): chunk retries back off for minutes, not hours.
ABANDONED_AFTER = timedelta(hours=12)


def pipeline_runs_abandon_stale(*, now: datetime | None = None) -> list[int]:
    """Mark as failed the runs left "running" by a process that died; returns their ids.

    Without this the dashboard's progress bar would show such a run forever and
    its stage would never be dropped (the next start drops stages of runs that
    are no longer running).
    """
    now = now or timezone.now()
    cutoff = now - ABANDONED_AFTER
    stale = (
        PipelineRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff)
        .exclude(chunks__started_at__gte=cutoff)
        .exclude(chunks__finished_at__gte=cutoff)
    )
    run_ids = list(stale.values_list("pk", flat=True).distinct())
    PipelineRun.objects.filter(pk__in=run_ids, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED,
        finished_at=now,
        error=(
            f"Abandoned: still running after {ABANDONED_AFTER} without any chunk activity"
            " (its process died). Start a new run."
        ),
    )
    for run_id in run_ids:
        logger.warning("analytics run %s abandoned: marked failed", run_id)
    return run_ids


def pipeline_run_start(
    *, as_of: date | None = None, last_customer_id: int | None = None, jobs: int = 1
) -> PipelineRun:
    """Create a run, plan its chunks and do the portfolio pass. Returns the run, ready for chunks.

    ``last_customer_id`` restricts the run to customers with ids up to it (a
    partial run: the benchmark's "half the data"); portfolio parameters are then
    fitted on those customers only. With ``jobs`` > 1 on PostgreSQL the stage is
    built in that many parts at once (consecutive chunks, one connection each).
    """
    run, _summary = pipeline_run_start_with_summary(
        as_of=as_of, last_customer_id=last_customer_id, jobs=jobs
    )
    return run


def pipeline_run_start_with_summary(
    *, as_of: date | None, last_customer_id: int | None, jobs: int
) -> tuple[PipelineRun, pd.DataFrame | None]:
    """:func:`pipeline_run_start`, with the stage's summary when its parts read it back
    (None otherwise): for a run whose jobs are forked from this process
    (:func:`analytics.services.pipeline_execute.pipeline_run_execute`)."""
    config = PipelineConfig.from_settings()
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise ApplicationError(
            f"As-of date {as_of} is in the future; use today or an earlier date.",
            code="as_of_in_future",
        )
    run = PipelineRun.objects.create(
        as_of=as_of,
        base_currency=config.base_currency,
        chunk_size=config.chunk_size,
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
    )
    try:
        chunks = [
            PipelineChunk(
                run=run,
                index=index,
                first_customer_id=first,
                last_customer_id=last,
                customer_count=count,
            )
            for index, (first, last, count) in enumerate(
                _chunk_ranges(config.chunk_size, last_customer_id)
            )
        ]
        PipelineChunk.objects.bulk_create(chunks, batch_size=1000)
        window = Window.trailing(as_of, config.window_days)
        pipeline_runs_abandon_stale()
        stage_drop_orphans()
        stage = stage_create(
            run_id=run.pk,
            config=config,
            window=window,
            rates=fx_rates_as_of(as_of=as_of, base_currency=config.base_currency),
            # An empty range when there are no customers: the stage is then empty.
            first_id=chunks[0].first_customer_id if chunks else 0,
            last_id=chunks[-1].last_customer_id if chunks else -1,
            parts=_stage_parts(chunks, jobs),
        )
        parameters, portfolio_problems = portfolio_pass(
            config=config,
            window=window,
            run_id=run.pk,
            seed=as_of.toordinal(),
            summary=stage.summary,
        )
        problems = [*portfolio_problems, *stage.problems]
    except BaseException as error:  # interrupted too: no stage or run left half-started
        stage_drop(run_id=run.pk)
        PipelineRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
        )
        raise
    run.chunks_total = len(chunks)
    run.customers_total = sum(chunk.customer_count for chunk in chunks)
    run.parameters = {**parameters, "problems_at_start": problems}
    run.problems = problems
    run.save(update_fields=["chunks_total", "customers_total", "parameters", "problems"])
    return run, stage.summary


def _stage_parts(chunks: list[PipelineChunk], jobs: int) -> list[tuple[int, int]]:
    """The chunks' id ranges in ``jobs`` runs of consecutive chunks (as even as they split)."""
    count = min(jobs, len(chunks))
    if count < 2:
        return []
    bounds = [len(chunks) * part // count for part in range(count + 1)]
    return [
        (chunks[start].first_customer_id, chunks[end - 1].last_customer_id)
        for start, end in pairwise(bounds)
        if end > start
    ]


def pipeline_chunk_process(*, chunk_id: int) -> int:
    """Compute and write one chunk; returns the customers written (0 when already done)."""
    updated = (
        PipelineChunk.objects.filter(pk=chunk_id)
        .exclude(status=ChunkStatus.DONE)
        .update(status=ChunkStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now())
    )
    if not updated:
        if not PipelineChunk.objects.filter(pk=chunk_id).exists():
            raise NotFound(f"Pipeline chunk {chunk_id} does not exist.", code="chunk_not_found")
        return 0
    try:
        return _chunk_write(chunk_id)
    except Exception as error:
        logger.exception("analytics chunk %s failed", chunk_id)
        PipelineChunk.objects.filter(pk=chunk_id).update(
            status=ChunkStatus.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
        )
        raise


@transaction.atomic
def _chunk_write(chunk_id: int) -> int:
    # of=("self",): lock the chunk only; locking the joined run row too serialised the chunks.
    chunk = (
        PipelineChunk.objects.select_for_update(of=("self",)).select_related("run").get(pk=chunk_id)
    )
    if chunk.status == ChunkStatus.DONE:
        return 0
    run = chunk.run
    config = PipelineConfig.from_settings()
    stage_ensure(run=run, config=config)
    frame = compute.chunk_frame(
        config=config,
        window=Window.trailing(run.as_of, config.window_days),
        parameters=run.parameters,
        run_id=run.pk,
        first_id=chunk.first_customer_id,
        last_id=chunk.last_customer_id,
    )
    write.metrics_upsert(frame, run)
    changed = write.tiers_apply(frame, run)
    chunk.status = ChunkStatus.DONE
    chunk.error = ""
    chunk.finished_at = timezone.now()
    chunk.save(update_fields=["status", "error", "finished_at"])
    PipelineRun.objects.filter(pk=run.pk).update(
        chunks_done=F("chunks_done") + 1,
        customers_done=F("customers_done") + len(frame),
        tier_changes=F("tier_changes") + changed,
    )
    return len(frame)


@transaction.atomic
def pipeline_run_finalize(*, run_id: int) -> PipelineRun:
    """Settle the run's status from its chunks and send the tier-change digests."""
    run = PipelineRun.objects.select_for_update().get(pk=run_id)
    chunks = list(run.chunks.order_by("index"))
    failed = [chunk for chunk in chunks if chunk.status != ChunkStatus.DONE]
    problems = list(run.parameters.get("problems_at_start", []))
    for chunk in failed:
        problems.append(
            _(
                "Chunk %(index)d (customers %(first)d-%(last)d) failed after %(attempts)d"
                " attempt(s): %(error)s. Its customers keep their previous figures; retry with"
                " `analytics_run --retry-failed %(run)d`."
            )
            % {
                "index": chunk.index,
                "first": chunk.first_customer_id,
                "last": chunk.last_customer_id,
                "attempts": chunk.attempts,
                "error": chunk.error or chunk.status,
                "run": run.pk,
            }
        )
    problems += sorted({c.error for c in chunks if c.status == ChunkStatus.DONE and c.error})
    run.problems = problems
    run.chunks_done = len(chunks) - len(failed)
    run.chunks_failed = len(failed)
    if not failed:
        run.status = RunStatus.SUCCEEDED
    elif run.chunks_done:
        run.status = RunStatus.PARTIAL
    else:
        run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "problems",
            "chunks_done",
            "chunks_failed",
            "status",
            "finished_at",
            "updated_at",
        ]
    )
    tier_change_digests_send(run=run)
    # Every chunk is done or out of attempts: the stage has served (a retry rebuilds it).
    stage_drop(run_id=run.pk)
    return run


def pipeline_jobs_default() -> int:
    """How many chunks an in-process run works on at once unless told: one per CPU (at
    most 4) on PostgreSQL; one on SQLite, which lets one connection write at a time,
    and inside a transaction, whose rows other connections cannot see."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def pipeline_run_is_complete(*, run_id: int, max_attempts: int) -> bool:
    """Whether every chunk is done or has failed its last attempt (time to finalise)."""
    open_chunks = (
        PipelineChunk.objects.filter(run_id=run_id)
        .exclude(status=ChunkStatus.DONE)
        .exclude(status=ChunkStatus.FAILED, attempts__gte=max_attempts)
    )
    return not open_chunks.exists()
