"""Chunks at the same time on PostgreSQL (real threads): a duplicate delivery is written once,
two chunks of one run do not wait for each other, an in-process run with several jobs gives
the figures of a run with one."""

import datetime
import multiprocessing
import os
import threading
import time
from decimal import Decimal
from functools import partial
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection

from analytics.models import (
    CustomerMetrics,
    FxRate,
    PipelineChunk,
    PipelineRun,
    TierChange,
    TierRule,
)
from analytics.pipeline import compute, queries, stage, stage_read
from analytics.pipeline.config import PipelineConfig
from analytics.pipeline.portfolio import portfolio_pass
from analytics.pipeline.rates import fx_rates_as_of
from analytics.services.pipeline import (
    pipeline_chunk_process,
    pipeline_jobs_default,
    pipeline_run_start,
)
from analytics.services.pipeline_execute import pipeline_run_execute
from customers.models import Customer
from receivables.services import allocation_create
from tests.analytics.conftest import AS_OF, open_invoice, paid_invoice
from tests.factories.credit import CreditProfileFactory
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _customers_one_per_chunk(settings, count: int) -> list:
    """``count`` customers with an invoice each, planned one per chunk."""
    settings.ANALYTICS_CHUNK_SIZE = 1
    customers = [CustomerFactory() for _ in range(count)]
    for customer in customers:
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30))
    return customers


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
    _customers_one_per_chunk(settings, 2)
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


def _figures() -> dict:
    fields = [
        "customer_id", "tier", "clv", "clv_method", "contribution", "rfm_segment",
        "probability_alive", "notes", "is_churn_warning", "value_percentile",
    ]  # fmt: skip
    return {row[0]: row[1:] for row in CustomerMetrics.objects.values_list(*fields)}


def test_a_run_with_several_jobs_writes_what_a_run_with_one_writes(settings):
    # given customers over five chunks, one of them failing, and a run done with one job
    settings.ANALYTICS_CHUNK_SIZE = 2
    for index in range(9):
        customer = CustomerFactory()
        for days in (200, 90, 30 + index):
            paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=days))
    # one customer billed in pounds (no rate: no money figures, a note) and one in two
    # currencies, one of them without a rate
    unrated = CustomerFactory(currency="GBP")
    open_invoice(unrated, issued=AS_OF - datetime.timedelta(days=20), total="70.00")
    mixed = Customer.objects.order_by("pk").first()
    InvoiceFactory(customer=mixed, currency="GBP", issue_date=AS_OF - datetime.timedelta(days=9),
                   due_date=AS_OF + datetime.timedelta(days=21), total=Decimal("50.00"),
                   cost_of_goods=Decimal("20.00"))  # fmt: skip
    single = pipeline_run_execute(as_of=AS_OF, jobs=1)
    expected = _figures()
    seen: list[int] = []

    # when the same is run with three jobs
    run = pipeline_run_execute(as_of=AS_OF, jobs=3, on_chunk=lambda chunk: seen.append(chunk.pk))

    # then every chunk is done, reported once on this thread, and every figure is the same,
    # the unrated customers' notes included
    assert single.status == run.status == "succeeded"
    assert run.chunks_done == run.chunks_total == 5
    assert run.customers_done == 10
    assert sorted(seen) == sorted(run.chunks.values_list("pk", flat=True))
    assert _figures() == expected
    for customer in (unrated, mixed):
        clv_method, notes = expected[customer.pk][2], expected[customer.pk][6]
        assert clv_method == "none"
        assert any("No FX rate for GBP" in note for note in notes)
    assert CustomerMetrics.objects.filter(run=run).count() == 10


def test_a_failing_chunk_among_parallel_jobs_leaves_the_others_done(settings, monkeypatch):
    # given three chunks of one customer each, the second of which fails
    customers = _customers_one_per_chunk(settings, 3)
    real = compute.chunk_frame

    def failing(**kwargs):
        if kwargs["first_id"] == customers[1].pk:
            raise RuntimeError("boom")
        return real(**kwargs)

    monkeypatch.setattr(compute, "chunk_frame", failing)

    # when run with two jobs
    run = pipeline_run_execute(as_of=AS_OF, jobs=2)

    # then the run is partial: the failed chunk is recorded, the others are written
    assert run.status == "partial"
    assert run.chunks_done == 2
    assert run.chunks_failed == 1
    assert "boom" in " ".join(run.problems)
    written = set(CustomerMetrics.objects.values_list("customer_id", flat=True))
    assert written == {customers[0].pk, customers[2].pk}


def test_the_command_runs_one_job_per_cpu_by_default_on_postgresql(monkeypatch):
    # given two customers and a machine of two CPUs
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    for _ in range(2):
        paid_invoice(CustomerFactory(), issued=AS_OF - datetime.timedelta(days=30))
    jobs = []
    real = pipeline_run_execute

    def recording(**kwargs):
        jobs.append(kwargs["jobs"])
        return real(**kwargs)

    monkeypatch.setattr("analytics.services.pipeline_execute.pipeline_run_execute", recording)

    # when
    out = StringIO()
    call_command("analytics_run", "--as-of", AS_OF.isoformat(), stdout=out, stderr=StringIO())

    # then
    assert pipeline_jobs_default() == 2
    assert jobs == [2]
    assert "succeeded, 2 customers" in out.getvalue()


def _columns(run_id: int, *names: str) -> list[tuple]:
    table = stage.stage_table(run_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT customer_id, {', '.join(names)} FROM {table}")  # noqa: S608
        return cursor.fetchall()


def _whole_stage(run_id: int) -> list[tuple]:
    table = stage.stage_table(run_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY customer_id")  # noqa: S608
        return cursor.fetchall()


def test_a_stage_built_in_parts_at_once_equals_the_stage_built_whole(monkeypatch):
    # given customers with paid, late and open invoices, one without any
    customers = [CustomerFactory() for _ in range(5)]
    for index, customer in enumerate(customers[:4]):
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=60 + index), days_late=index)
        open_invoice(customer, issued=AS_OF - datetime.timedelta(days=45), total="120.50")
    # a payment applied 12 days late, and a customer in euros with a rate
    late = open_invoice(customers[0], issued=AS_OF - datetime.timedelta(days=80), total="300.00")
    allocation_create(
        payment=PaymentFactory(customer=customers[0], amount=Decimal("300.00")),
        invoice=late,
        amount="300.00",
        allocated_on=late.due_date + datetime.timedelta(days=12),
    )
    euros = CustomerFactory(currency="EUR")
    open_invoice(euros, issued=AS_OF - datetime.timedelta(days=20), total="80.00")
    FxRate.objects.create(date=AS_OF, currency="EUR", rate="1.0833333333")
    customers.append(euros)
    ids = [customer.pk for customer in customers]
    config = PipelineConfig.from_settings()
    arguments = {
        "config": config,
        "window": queries.Window.trailing(AS_OF, config.window_days),
        "rates": fx_rates_as_of(as_of=AS_OF, base_currency=config.base_currency),
        "first_id": ids[0],
        "last_id": ids[-1],
    }

    in_parts = []
    real = stage._create_in_parts

    def spying(**kwargs):
        in_parts.append(kwargs["parts"])
        return real(**kwargs)

    monkeypatch.setattr(stage, "_create_in_parts", spying)

    # when it is built whole, then in three parts on three connections
    try:
        built_whole = stage.stage_create(run_id=900001, **arguments)
        built_in_parts = stage.stage_create(
            run_id=900002,
            parts=[(ids[0], ids[1]), (ids[2], ids[2]), (ids[3], ids[-1])],
            **arguments,
        )
        assert in_parts == [[(ids[0], ids[1]), (ids[2], ids[2]), (ids[3], ids[-1])]]

        # and the parts read every customer's summary as they finished, in customer order,
        # the same as read from the stage afterwards (built whole, it is read afterwards)
        assert built_whole.summary is None
        pd.testing.assert_frame_equal(built_in_parts.summary, stage.stage_summary(run_id=900001))
        assert list(built_in_parts.summary.index) == ids

        # then both hold the same rows, and the parts' stage has its key
        whole = _whole_stage(900001)
        assert len(whole) == 6
        paid_late = dict(_columns(900001, "paid_late_amount_days"))
        assert paid_late[customers[0].pk] == Decimal("3600.00")  # 300.00 x 12 days
        assert _whole_stage(900002) == whole
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_indexes WHERE tablename = %s",
                [stage.stage_table(900002)],
            )
            assert cursor.fetchone()[0] == 1
    finally:
        stage.stage_drop(run_id=900001)
        stage.stage_drop(run_id=900002)


def _stage_built(run_id: int, first_id: int, last_id: int, parts=None) -> stage.StageBuilt:
    """The stage of ``run_id`` built as of AS_OF (in ``parts`` when given)."""
    config = PipelineConfig.from_settings()
    return stage.stage_create(
        run_id=run_id,
        config=config,
        window=queries.Window.trailing(AS_OF, config.window_days),
        rates=fx_rates_as_of(as_of=AS_OF, base_currency=config.base_currency),
        first_id=first_id,
        last_id=last_id,
        parts=parts,
    )


def _summary_as_text(run_id: int, first_id: int, last_id: int) -> pd.DataFrame:
    """The stage's summary read through the portable path (SQL numbers as text), on
    PostgreSQL: what the binary read must give."""
    expressions, names = stage_read.stage_columns("s")
    table = connection.ops.quote_name(stage.stage_table(run_id))
    sql = (
        f"SELECT {', '.join(expressions)} FROM {table} s"  # noqa: S608
        " WHERE s.customer_id BETWEEN %s AND %s ORDER BY s.customer_id"
    )
    return stage_read.typed(stage_read.read_frame(sql, [first_id, last_id], names))


def test_the_summary_read_in_binary_is_the_summary_read_as_text(monkeypatch):
    # given customers with and without invoices, with money of many digits, one billed in
    # a currency without a rate, and batches of two customers (several values to join,
    # not read in customer order)
    monkeypatch.setattr(stage_read, "_BINARY_BATCH", 2)
    customers = [CustomerFactory() for _ in range(3)]
    for index, customer in enumerate(customers):
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=70 + index), days_late=index)
        open_invoice(customer, issued=AS_OF - datetime.timedelta(days=40), total="1234567.89")
    idle = CustomerFactory()
    unrated = CustomerFactory(currency="GBP")
    open_invoice(unrated, issued=AS_OF - datetime.timedelta(days=15), total="70.00")
    ids = sorted(customer.pk for customer in [*customers, idle, unrated])
    _stage_built(900006, ids[0], ids[-1])
    try:
        # when the summary is read in binary, whole and for a range, and through text
        whole = stage.stage_summary(run_id=900006, first_id=ids[0], last_id=ids[-1])
        some = stage.stage_summary(run_id=900006, first_id=ids[1], last_id=ids[3])
        none = stage.stage_summary(run_id=900006, first_id=ids[-1] + 1, last_id=ids[-1] + 9)

        # then the frames are the same, bit for bit, NaN where SQL has NULL
        pd.testing.assert_frame_equal(whole, _summary_as_text(900006, ids[0], ids[-1]))
        pd.testing.assert_frame_equal(some, _summary_as_text(900006, ids[1], ids[3]))
        assert list(whole.index) == ids
        assert whole.loc[idle.pk, ["recency_days", "age_days"]].isna().all()
        assert whole.loc[idle.pk, "invoices_all"] == 0
        assert whole.loc[unrated.pk, "fx_missing"] == "GBP,"
        assert whole["fx_missing"].isna().sum() == len(ids) - 1
        assert none.empty
        assert list(none.columns) == list(whole.columns)
    finally:
        stage.stage_drop(run_id=900006)


def test_a_whole_number_missing_from_the_stage_reads_as_zero_not_as_a_lost_customer():
    # given a staged customer whose whole-number figure is NULL (the stage's statement
    # gives 0; a NULL would have made the whole binary record NULL, and the customer
    # would have vanished from the summary)
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30))
    other = CustomerFactory()
    _stage_built(900007, customer.pk, other.pk)
    try:
        table = connection.ops.quote_name(stage.stage_table(900007))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET max_days_past_due = NULL, invoices_12m = NULL"  # noqa: S608
                " WHERE customer_id = %s",
                [customer.pk],
            )

        # when the summary is read
        summary = stage.stage_summary(run_id=900007)

        # then the customer is there, the missing figures as 0 (as the text path reads them)
        assert list(summary.index) == [customer.pk, other.pk]
        assert summary.loc[customer.pk, ["max_days_past_due", "invoices_12m"]].tolist() == [0, 0]
        assert summary.loc[customer.pk, "invoices_all"] == 1
        pd.testing.assert_frame_equal(summary, _summary_as_text(900007, customer.pk, other.pk))
    finally:
        stage.stage_drop(run_id=900007)


def test_a_chunk_taken_from_the_summary_is_the_chunk_read_from_the_stage():
    # given a stage built in parts over customers with and without invoices, one on hold,
    # one graded E and high risk, one without a credit profile, one billed in two
    # currencies and one in a currency without a rate
    customers = [CustomerFactory() for _ in range(4)]
    for index, customer in enumerate(customers):
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=70 + index), days_late=index)
        open_invoice(customer, issued=AS_OF - datetime.timedelta(days=40), total="99.95")
    CreditProfileFactory(customer=customers[0], is_on_hold=True, hold_reason="Test hold")
    CreditProfileFactory(customer=customers[1])
    Customer.objects.filter(pk=customers[2].pk).update(risk_grade="E", tier="high_risk")
    mixed = CustomerFactory()
    open_invoice(mixed, issued=AS_OF - datetime.timedelta(days=10), total="40.00")
    InvoiceFactory(customer=mixed, currency="EUR", issue_date=AS_OF - datetime.timedelta(days=5),
                   due_date=AS_OF + datetime.timedelta(days=25), total=Decimal("60.00"),
                   cost_of_goods=Decimal("30.00"))  # fmt: skip
    FxRate.objects.create(date=AS_OF, currency="EUR", rate="1.0833333333")
    unrated = CustomerFactory(currency="GBP")
    open_invoice(unrated, issued=AS_OF - datetime.timedelta(days=15), total="70.00")
    idle = CustomerFactory()
    ids = sorted(customer.pk for customer in [*customers, mixed, unrated, idle])
    built = _stage_built(900003, ids[0], ids[-1], parts=[(ids[0], ids[3]), (ids[4], ids[-1])])
    ranges = [(ids[0], ids[-1]), (ids[1], ids[2]), (ids[3], ids[5]), (ids[-1], ids[-1] + 5)]
    try:
        # and the portfolio pass done on it first, as at a run's start, leaving it as it was
        read_back = built.summary.copy()
        config = PipelineConfig.from_settings()
        portfolio_pass(
            config=config,
            window=queries.Window.trailing(AS_OF, config.window_days),
            run_id=900003,
            seed=1,
            summary=built.summary,
        )
        pd.testing.assert_frame_equal(built.summary, read_back, check_exact=True)

        # when each chunk's rows are read from the stage, then taken from the summary
        from_stage = [stage.stage_chunk(run_id=900003, first_id=a, last_id=b) for a, b in ranges]
        with stage.summary_for_jobs(900003, built.summary):
            from_summary = [
                stage.stage_chunk(run_id=900003, first_id=a, last_id=b) for a, b in ranges
            ]

        # then they are the same frames, tiering inputs read now included
        for expected, taken in zip(from_stage, from_summary, strict=True):
            pd.testing.assert_frame_equal(taken, expected, check_exact=True)
        whole = from_summary[0]
        assert list(whole.index) == ids
        assert whole.loc[customers[0].pk, "is_on_hold"]
        assert not whole.loc[idle.pk, "is_on_hold"]  # no credit profile
        assert whole.loc[customers[2].pk, ["risk_grade", "current_tier"]].tolist() == [
            "E",
            "high_risk",
        ]
    finally:
        stage.stage_drop(run_id=900003)


def test_the_jobs_of_a_run_take_their_chunks_from_the_summary_they_inherit(
    settings, monkeypatch, tmp_path
):
    # given three chunks, and a record of each chunk's rows joined to their tiering inputs
    # and of each read of the stage's rows, written by the processes doing them (the jobs'
    # are forked after the spies are in place)
    _customers_one_per_chunk(settings, 3)
    record = tmp_path / "reads.txt"
    joined, read = stage._chunk_with_inputs, stage.stage_summary

    def joining(summary, *, first_id, last_id):
        with record.open("a") as lines:
            lines.write(f"chunk {os.getpid()} {first_id}\n")
        return joined(summary, first_id=first_id, last_id=last_id)

    def reading(**kwargs):
        with record.open("a") as lines:
            lines.write(f"stage {os.getpid()} {kwargs.get('first_id')}\n")
        return read(**kwargs)

    monkeypatch.setattr(stage, "_chunk_with_inputs", joining)
    monkeypatch.setattr(stage, "stage_summary", reading)

    # when the run executes with two jobs
    run = pipeline_run_execute(as_of=AS_OF, jobs=2)

    # then every chunk was computed in the jobs' processes, none of which read the stage's
    # rows: the stage's parts read them back here, and the jobs took them from that summary
    assert run.status == "succeeded"
    lines = [line.split() for line in record.read_text().splitlines()]
    chunks = [(int(pid), int(first)) for kind, pid, first in lines if kind == "chunk"]
    stage_readers = {int(pid) for kind, pid, _ in lines if kind == "stage"}
    assert sorted(first for _, first in chunks) == sorted(
        run.chunks.values_list("first_customer_id", flat=True)
    )
    assert os.getpid() not in {pid for pid, _ in chunks}
    assert stage_readers == {os.getpid()}
    assert CustomerMetrics.objects.filter(run=run).count() == 3


def test_the_summary_serves_only_its_run_and_only_inside_the_block():
    # given a built stage and a summary doctored to tell its figures apart
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30))
    parts = [(customer.pk, customer.pk), (customer.pk + 1, customer.pk + 1)]
    built = _stage_built(900004, customer.pk, customer.pk, parts=parts)
    doctored = built.summary.copy()
    doctored["invoices_all"] = 99

    def invoices() -> int:
        frame = stage.stage_chunk(run_id=900004, first_id=customer.pk, last_id=customer.pk)
        return int(frame.loc[customer.pk, "invoices_all"])

    try:
        # when the chunk is read inside the block, for another run, and after it
        with stage.summary_for_jobs(900004, doctored):
            inside = invoices()
        with stage.summary_for_jobs(900005, doctored):
            other_run = invoices()
        after = invoices()

        # then only the first came from the summary
        assert (inside, other_run, after) == (99, 1, 1)
    finally:
        stage.stage_drop(run_id=900004)


def test_a_stage_rebuilt_while_jobs_run_is_read_rather_than_the_older_summary(settings):
    # given a run whose jobs hold its summary (doctored to tell apart)
    settings.ANALYTICS_CHUNK_SIZE = 10
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30))
    run = pipeline_run_start(as_of=AS_OF)
    doctored = stage.stage_summary(run_id=run.pk)
    doctored["invoices_all"] = 99
    try:
        with stage.summary_for_jobs(run.pk, doctored):
            # when the stage is dropped and built again from the data as they are now, as
            # another process would (a retry finalising and retrying the run): nothing here
            # is told, the summary stays held
            stage.stage_drop(run_id=run.pk)
            _stage_built(run.pk, customer.pk, customer.pk)
            held = stage._jobs_summary
            frame = stage.stage_chunk(run_id=run.pk, first_id=customer.pk, last_id=customer.pk)

        # then the chunk reads the rebuilt stage (a new table), not the older summary
        assert held is not None
        assert held[2] is doctored
        assert int(frame.loc[customer.pk, "invoices_all"]) == 1
    finally:
        stage.stage_drop(run_id=run.pk)


def test_the_block_restores_what_was_there_and_needs_a_stage():
    # given a stage and its summary
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30))
    run = pipeline_run_start(as_of=AS_OF)
    summary = stage.stage_summary(run_id=run.pk)
    try:
        # when blocks are nested, and one is opened for a run without a stage
        with stage.summary_for_jobs(run.pk, summary):
            outer = stage._jobs_summary
            with stage.summary_for_jobs(run.pk + 1000, summary):
                without_stage = stage._jobs_summary
            restored = stage._jobs_summary

        # then the inner one holds nothing, and the outer one is back after it
        assert outer is not None
        assert outer[0] == run.pk
        assert without_stage is None
        assert restored is outer
        assert stage._jobs_summary is None
    finally:
        stage.stage_drop(run_id=run.pk)


def test_a_part_that_fails_fails_the_start_and_leaves_no_stage(settings, monkeypatch):
    # given two chunks, and a second part whose statement is broken
    _customers_one_per_chunk(settings, 2)
    real = queries.customer_aggregates

    last = Customer.objects.order_by("-pk").first().pk

    def broken(**kwargs):
        statement = real(**kwargs)
        if kwargs["first_id"] != last:
            return statement
        return queries.Statement(
            sql=statement.sql + " WHERE no_such_column = 1",
            params=statement.params,
            problems=statement.problems,
        )

    monkeypatch.setattr(queries, "customer_aggregates", broken)

    # when the start builds the stage in two parts
    with pytest.raises(Exception, match="no_such_column"):
        pipeline_run_start(as_of=AS_OF, jobs=2)

    # then the run is failed and its stage is gone
    run = PipelineRun.objects.get()
    assert run.status == "failed"
    assert not stage.stage_exists(run_id=run.pk)


def test_an_interrupted_parallel_run_starts_no_more_chunks(settings, monkeypatch):
    # given twelve chunks that take a moment each, and Ctrl-C once the first is done (here
    # raised by the progress callback, which runs where the signal lands: this process)
    _customers_one_per_chunk(settings, 12)
    real = compute.chunk_frame

    def slow(**kwargs):
        time.sleep(1.0)  # long beside the time the pool takes to hand out the next chunk
        return real(**kwargs)

    monkeypatch.setattr(compute, "chunk_frame", slow)

    def interrupt(chunk):
        raise KeyboardInterrupt

    # when run with two jobs (the interruption's traceback kept alive, as it is at the top
    # of `manage.py analytics_run`)
    with pytest.raises(KeyboardInterrupt) as interruption:
        pipeline_run_execute(as_of=AS_OF, jobs=2, on_chunk=interrupt)

    # then the chunks already handed to the jobs finished (those running, and the few the
    # process pool queues for them), the others were not started, and no job process is left
    assert PipelineChunk.objects.filter(attempts=0).count() >= 4
    assert not multiprocessing.active_children()
    # and the run is settled, not left running: the chunks not done are failed, to retry
    run = PipelineRun.objects.get()
    assert run.status == "partial"
    assert not stage.stage_exists(run_id=run.pk)
    for chunk in run.chunks.exclude(status="done"):
        assert (chunk.status, chunk.error) == (
            "failed",
            "Interrupted (Ctrl-C) before this chunk was done.",
        )
    assert interruption.value is not None


def test_a_job_whose_process_dies_fails_its_chunks_and_the_run_is_finalised(settings, monkeypatch):
    # given four chunks, the first of whose customers kills the process computing it
    _customers_one_per_chunk(settings, 4)
    real = compute.chunk_frame
    first = Customer.objects.order_by("pk").first().pk

    def killed(**kwargs):
        if kwargs["first_id"] == first:
            os._exit(9)  # as the out-of-memory killer would
        time.sleep(0.2)
        return real(**kwargs)

    monkeypatch.setattr(compute, "chunk_frame", killed)

    # when run with two jobs
    run = pipeline_run_execute(as_of=AS_OF, jobs=2)

    # then the run is settled, not left running: the killed chunk (and any not finished)
    # failed with the reason, to be retried; no job process is left
    assert run.status in {"partial", "failed"}
    killed_chunk = run.chunks.get(first_customer_id=first)
    assert killed_chunk.status == "failed"
    assert "died" in killed_chunk.error
    assert set(run.chunks.values_list("status", flat=True)) <= {"done", "failed"}
    assert any("retry with" in problem for problem in run.problems)
    assert not multiprocessing.active_children()


def test_an_interrupted_stage_build_fails_the_run_and_drops_the_stage(settings, monkeypatch):
    # given two chunks, and the second part of the stage interrupted (Ctrl-C)
    _customers_one_per_chunk(settings, 2)
    last = Customer.objects.order_by("-pk").first().pk
    real = queries.customer_aggregates

    def interrupted(**kwargs):
        if kwargs["first_id"] == last:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(queries, "customer_aggregates", interrupted)

    # when the start builds the stage in two parts
    with pytest.raises(KeyboardInterrupt):
        pipeline_run_start(as_of=AS_OF, jobs=2)

    # then the run is failed, not left running, and its stage is gone
    run = PipelineRun.objects.get()
    assert run.status == "failed"
    assert not stage.stage_exists(run_id=run.pk)
    assert not [t for t in threading.enumerate() if t.name.startswith("analytics-stage")]
