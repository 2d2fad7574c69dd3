"""The chunks fan out as a real Celery chord: a worker process, Redis as broker and result backend.

The test process plans the run and does the portfolio pass; a worker in its own
process computes the chunks and then runs the chord's finalisation callback.
"""

import datetime
import os
import time

import pytest
from django.conf import settings

from analytics.models import PipelineRun, RunStatus
from analytics.services.pipeline import pipeline_run_start
from analytics.tasks import pipeline_run_dispatch
from crm.celery import app as celery_app
from tests.analytics.conftest import AS_OF, paid_invoice
from tests.factories.customers import CustomerFactory
from tests.support.celery_worker import celery_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _result_backend_url() -> str:
    """The run's result backend (CI names one), else Redis on the broker's URL;
    the test process and the worker must use the same one."""
    return os.environ.get("CELERY_RESULT_BACKEND") or settings.CELERY_BROKER_URL


def _forget_backend() -> None:
    celery_app._local.__dict__.pop("backend", None)
    if getattr(celery_app, "_backend_cache", None) is not None:
        celery_app._backend_cache = None


@pytest.fixture
def worker():
    """A worker whose results go to Redis too (a chord needs a result backend)."""
    with celery_worker(env={"CELERY_RESULT_BACKEND": _result_backend_url()}) as queue:
        yield queue


def test_the_chord_computes_every_chunk_on_the_worker_then_finalises(worker, settings):
    # given three customers in chunks of one, and a result backend (so: a chord)
    settings.ANALYTICS_CHUNK_SIZE = 1
    settings.CELERY_RESULT_BACKEND = _result_backend_url()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for _ in range(3):
        paid_invoice(CustomerFactory(), issued=AS_OF - datetime.timedelta(days=30))
    run = pipeline_run_start(as_of=AS_OF)
    previous = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "task_default_queue": celery_app.conf.task_default_queue,
        "result_backend": celery_app.conf.result_backend,
    }
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = worker
    celery_app.conf.result_backend = _result_backend_url()
    _forget_backend()  # the app caches its backend (per thread) on first use
    try:
        # when
        pipeline_run_dispatch(run=run)

        # then the worker did the chunks and the chord's callback finished the run
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != RunStatus.RUNNING:
                break
            time.sleep(0.5)
    finally:
        for key, value in previous.items():
            setattr(celery_app.conf, key, value)
        _forget_backend()
    run = PipelineRun.objects.get(pk=run.pk)
    assert run.status == RunStatus.SUCCEEDED
    assert (run.chunks_total, run.chunks_done, run.customers_done) == (3, 3, 3)
    assert run.finished_at is not None
