"""Chunks at the same time on PostgreSQL (real threads): a duplicate delivery is written once,
two chunks of one run do not wait for each other."""

import datetime
import threading
from functools import partial

import pytest
from django.db import connection

from analytics.models import CustomerMetrics, PipelineChunk, PipelineRun, TierChange, TierRule
from analytics.pipeline import compute
from analytics.services.pipeline import pipeline_chunk_process, pipeline_run_start
from customers.models import Customer
from tests.analytics.conftest import AS_OF, paid_invoice
from tests.factories.customers import CustomerFactory
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_chunk_processed_twice_concurrently_is_written_once():
    # given a run of one chunk whose customers will all change tier
    assert connection.vendor == "postgresql"
    TierRule.objects.all().delete()
    TierRule.objects.create(name="Everyone is high risk", tier="high_risk")
    customers = [CustomerFactory(tier="normal") for _ in range(3)]
    for customer in customers:
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30))
    run = pipeline_run_start(as_of=AS_OF)
    chunk = PipelineChunk.objects.get(run=run)

    # when two workers process it at the same time
    written = run_concurrently([partial(pipeline_chunk_process, chunk_id=chunk.pk)] * 2)

    # then one wrote the three customers, the other found it done
    assert sorted(written) == [0, 3]
    run = PipelineRun.objects.get(pk=run.pk)
    assert run.chunks_done == 1
    assert run.customers_done == 3
    assert run.tier_changes == 3
    assert TierChange.objects.count() == 3
    assert CustomerMetrics.objects.count() == 3
    assert set(Customer.objects.values_list("tier", flat=True)) == {"high_risk"}


def test_two_chunks_of_a_run_are_computed_at_the_same_time(settings, monkeypatch):
    # given a run of two chunks, whose computation waits until both chunks are inside it
    settings.ANALYTICS_CHUNK_SIZE = 1
    for _ in range(2):
        paid_invoice(CustomerFactory(), issued=AS_OF - datetime.timedelta(days=30))
    run = pipeline_run_start(as_of=AS_OF)
    both_inside = threading.Barrier(2)
    real = compute.chunk_frame

    def meeting(**kwargs):
        both_inside.wait(timeout=10)  # broken if one chunk waits for the other's lock
        return real(**kwargs)

    monkeypatch.setattr(compute, "chunk_frame", meeting)
    chunks = list(PipelineChunk.objects.filter(run=run).values_list("pk", flat=True))

    # when both are processed at once, as two workers do
    written = run_concurrently([partial(pipeline_chunk_process, chunk_id=pk) for pk in chunks])

    # then neither waited for the other's transaction
    assert written == [1, 1]
    assert PipelineRun.objects.get(pk=run.pk).chunks_done == 2
