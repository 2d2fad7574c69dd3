"""Celery tasks of analytics: thin wrappers around the pipeline services.

``pipeline_run`` (nightly, on the beat schedule) does the portfolio pass and
fans the chunks out: as a chord (chunk tasks, then ``pipeline_run_finalize``)
when a result backend is configured, else as a group whose last chunk to
finish triggers the finalisation. A chunk task retries a failure with backoff
and, after its last attempt, records the chunk as failed and returns — so the
chord's callback still runs and the run finishes as ``partial``.
"""

from __future__ import annotations

from datetime import date

from celery import chord, group, shared_task
from django.conf import settings

from analytics.models import PipelineRun
from analytics.services import pipeline as services


def _max_attempts() -> int:
    return settings.ANALYTICS_CHUNK_MAX_RETRIES + 1


def _has_result_backend() -> bool:
    return bool(getattr(settings, "CELERY_RESULT_BACKEND", None))


def pipeline_run_dispatch(*, run: PipelineRun) -> None:
    """Fan the run's chunks out over the workers."""
    use_chord = _has_result_backend()
    signatures = [
        pipeline_chunk_process.si(chunk_id=chunk_id, finalize=not use_chord)
        for chunk_id in run.chunks.order_by("index").values_list("pk", flat=True)
    ]
    if not signatures:
        pipeline_run_finalize.delay(run_id=run.pk)
    elif use_chord:
        chord(signatures)(pipeline_run_finalize.si(run_id=run.pk))
    else:
        group(signatures).apply_async()


@shared_task(name="analytics.pipeline_run", ignore_result=True)
def pipeline_run(*, as_of: str | None = None) -> int:
    """Nightly: start a run (portfolio pass) and dispatch its chunks; returns the run id.

    The stage is built in one part per CPU at once (PostgreSQL): the other workers
    wait for the chunks meanwhile.
    """
    run = services.pipeline_run_start(
        as_of=date.fromisoformat(as_of) if as_of else None, jobs=services.pipeline_jobs_default()
    )
    pipeline_run_dispatch(run=run)
    return run.pk


@shared_task(
    bind=True,
    name="analytics.pipeline_chunk_process",
    acks_late=True,
    max_retries=None,  # bounded below by ANALYTICS_CHUNK_MAX_RETRIES, read at run time
)
def pipeline_chunk_process(self, *, chunk_id: int, finalize: bool = False) -> int:
    """Compute one chunk; retried with backoff, then left failed for the run's report."""
    try:
        written = services.pipeline_chunk_process(chunk_id=chunk_id)
    except Exception as error:
        if self.request.retries < settings.ANALYTICS_CHUNK_MAX_RETRIES:
            raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 300)) from error
        written = -1
    if finalize:
        _finalize_if_complete(chunk_id)
    return written


def _finalize_if_complete(chunk_id: int) -> None:
    from analytics.models import PipelineChunk

    run_id = PipelineChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).first()
    if run_id is not None and services.pipeline_run_is_complete(
        run_id=run_id, max_attempts=_max_attempts()
    ):
        services.pipeline_run_finalize(run_id=run_id)


@shared_task(name="analytics.pipeline_run_finalize", ignore_result=True)
def pipeline_run_finalize(*, run_id: int) -> str:
    return services.pipeline_run_finalize(run_id=run_id).status
