"""A chunk delivered twice at once (at-least-once broker) is written once: real threads on PostgreSQL."""

import datetime
from functools import partial

import pytest
from django.db import connection

from analytics.models import CustomerMetrics, PipelineChunk, PipelineRun, TierChange, TierRule
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
