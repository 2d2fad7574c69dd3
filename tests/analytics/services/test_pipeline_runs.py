"""Chunks, progress, retries, tier changes with digests, the Celery fan-out and the command."""

import datetime
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from analytics import tasks
from analytics.models import (
    ChunkStatus,
    CustomerMetrics,
    PipelineChunk,
    PipelineRun,
    RunStatus,
    TierChange,
)
from analytics.pipeline import compute
from analytics.services.pipeline import pipeline_jobs_default
from analytics.services.pipeline_execute import pipeline_run_execute, pipeline_run_retry_failed
from analytics.stats import bgnbd
from credit.models import CreditProfile
from crm import roles
from customers.models import Customer
from notifications.models import Notification
from receivables.models import Invoice
from tests.analytics.conftest import AS_OF, paid_invoice
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def _customers_with_history(count: int, **kwargs) -> list:
    customers = []
    for _ in range(count):
        customer = CustomerFactory(**kwargs)
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=90))
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=40))
        customers.append(customer)
    return customers


def test_customers_are_processed_in_chunks_with_progress_stored(settings):
    # given five customers and chunks of two
    settings.ANALYTICS_CHUNK_SIZE = 2
    customers = _customers_with_history(5)

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    assert run.status == RunStatus.SUCCEEDED
    assert run.chunks_total == 3
    assert run.chunks_done == 3
    assert run.progress_percent == 100
    assert run.customers_total == 5
    assert run.customers_done == 5
    chunks = list(run.chunks.order_by("index"))
    assert [chunk.customer_count for chunk in chunks] == [2, 2, 1]
    assert chunks[0].first_customer_id == customers[0].pk
    assert chunks[2].last_customer_id == customers[4].pk
    assert all(chunk.status == ChunkStatus.DONE and chunk.attempts == 1 for chunk in chunks)
    assert CustomerMetrics.objects.filter(run=run).count() == 5


def test_a_failed_chunk_is_retried_without_redoing_the_others(settings, monkeypatch):
    # given the second of three chunks fails once
    settings.ANALYTICS_CHUNK_SIZE = 2
    customers = _customers_with_history(5)
    real = compute.chunk_frame

    def flaky(**kwargs):
        if kwargs["first_id"] == customers[2].pk:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(compute, "chunk_frame", flaky)
    run = pipeline_run_execute(as_of=AS_OF)
    assert run.status == RunStatus.PARTIAL
    assert run.chunks_failed == 1
    assert any("Chunk 1" in problem and "database went away" in problem for problem in run.problems)
    assert not CustomerMetrics.objects.filter(customer__in=customers[2:4]).exists()

    # when the cause is gone and the failed chunks are retried
    monkeypatch.setattr(compute, "chunk_frame", real)
    run = pipeline_run_retry_failed(run_id=run.pk)

    # then only the failed chunk ran again and the run is complete
    attempts = list(run.chunks.order_by("index").values_list("attempts", flat=True))
    assert attempts == [1, 2, 1]
    assert run.status == RunStatus.SUCCEEDED
    assert run.problems == list(run.parameters["problems_at_start"])
    assert CustomerMetrics.objects.filter(run=run).count() == 5


def test_tier_changes_go_through_customers_are_recorded_and_each_rep_gets_one_digest():
    # given a rep with three customers put on credit hold, and a second rep with one
    rep = UserFactory(roles=[roles.SALES_REP])
    other_rep = UserFactory(roles=[roles.SALES_REP])
    held = _customers_with_history(3, sales_rep=rep, tier="normal")
    others = _customers_with_history(1, sales_rep=other_rep, tier="normal")
    for customer in [*held, *others]:
        CreditProfile.objects.update_or_create(
            customer=customer,
            defaults={"currency": "USD", "is_on_hold": True, "hold_reason": "Test"},
        )

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    assert run.tier_changes == 4
    assert set(Customer.objects.values_list("tier", flat=True)) == {"high_risk"}
    change = TierChange.objects.get(customer=held[0])
    assert (change.old_tier, change.new_tier, change.run_id) == ("normal", "high_risk", run.pk)
    assert change.rule_name == "High risk: on credit hold"
    assert change.notified_at is not None
    metrics = CustomerMetrics.objects.get(customer=held[0])
    assert metrics.tier == "high_risk"
    assert metrics.tier_rule.name == "High risk: on credit hold"
    digests = Notification.objects.filter(kind="analytics_tier_changes")
    assert digests.filter(recipient=rep).count() == 1
    assert digests.filter(recipient=other_rep).count() == 1
    digest = digests.get(recipient=rep)
    assert digest.title == "3 of your customers changed tier"
    assert all(customer.code in digest.body for customer in held)


def test_a_second_run_with_nothing_new_changes_no_tier_and_sends_nothing():
    # given a first run settled every tier
    rep = UserFactory(roles=[roles.SALES_REP])
    customer = _customers_with_history(1, sales_rep=rep, tier="vip")[0]
    pipeline_run_execute(as_of=AS_OF)
    changes = TierChange.objects.count()
    notifications = Notification.objects.count()

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    assert run.tier_changes == 0
    assert TierChange.objects.count() == changes
    assert Notification.objects.count() == notifications
    assert CustomerMetrics.objects.get(customer=customer).run == run


def test_the_digest_lists_at_most_the_configured_lines(settings):
    # given
    settings.ANALYTICS_TIER_DIGEST_MAX_LINES = 2
    rep = UserFactory(roles=[roles.SALES_REP])
    customers = _customers_with_history(4, sales_rep=rep, tier="vip")
    for customer in customers:
        CreditProfile.objects.update_or_create(
            customer=customer, defaults={"currency": "USD", "is_on_hold": True, "hold_reason": "x"}
        )

    # when
    pipeline_run_execute(as_of=AS_OF)

    # then
    digest = Notification.objects.get(kind="analytics_tier_changes")
    assert digest.body.count("\n") == 2
    assert digest.body.endswith("… and 2 more.")


def test_the_nightly_task_fans_out_the_chunks_and_finalises(settings):
    # given no result backend (tests): a group whose last chunk finalises
    settings.ANALYTICS_CHUNK_SIZE = 2
    _customers_with_history(3)

    # when
    run_id = tasks.pipeline_run.delay(as_of=AS_OF.isoformat()).get()

    # then
    run = PipelineRun.objects.get(pk=run_id)
    assert run.status == RunStatus.SUCCEEDED
    assert run.chunks_done == 2
    assert run.finished_at is not None


def test_a_chunk_task_that_keeps_failing_is_retried_then_reported(settings, monkeypatch):
    # given every attempt at the chunk fails
    settings.ANALYTICS_CHUNK_MAX_RETRIES = 2
    _customers_with_history(2)

    def broken(**kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(compute, "chunk_frame", broken)
    # as a worker does: a retry is re-run, not raised to the caller
    monkeypatch.setitem(tasks.pipeline_chunk_process.app.conf, "task_eager_propagates", False)

    # when
    run_id = tasks.pipeline_run.delay(as_of=AS_OF.isoformat()).get()

    # then the chunk was tried 1 + 2 times and the run finished as failed, saying why
    run = PipelineRun.objects.get(pk=run_id)
    chunk = PipelineChunk.objects.get(run=run)
    assert chunk.attempts == 3
    assert chunk.status == ChunkStatus.FAILED
    assert run.status == RunStatus.FAILED
    assert any("out of memory" in problem for problem in run.problems)
    assert CustomerMetrics.objects.count() == 0


def test_command_runs_in_process_and_reports():
    # given
    _customers_with_history(2)
    out = StringIO()

    # when (inside this test's transaction the default is one job: other connections could
    # not see its rows; parallel jobs are tested on PostgreSQL with committed data)
    call_command("analytics_run", "--as-of", AS_OF.isoformat(), stdout=out, stderr=StringIO())

    # then
    run = PipelineRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert f"Run {run.pk} as of 2026-11-20: succeeded, 2 customers" in out.getvalue()


@pytest.mark.parametrize("jobs", ["0", "-2"])
def test_command_refuses_fewer_than_one_job(jobs):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="jobs must be at least 1"):
        call_command("analytics_run", "--jobs", jobs, stdout=StringIO(), stderr=StringIO())
    assert PipelineRun.objects.count() == 0


def test_command_refuses_more_jobs_than_connections_allow():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="jobs must be at most 32 \\(got 33\\)"):
        call_command("analytics_run", "--jobs", "33", stdout=StringIO(), stderr=StringIO())
    assert PipelineRun.objects.count() == 0


def test_parallel_jobs_inside_a_transaction_are_refused_with_the_reason():
    from django.db import connection

    from crm.exceptions import ApplicationError

    if connection.vendor != "postgresql":
        pytest.skip("on SQLite parallel jobs are refused for SQLite's single writer")
    # this test runs inside a transaction: other connections could not see the run
    with pytest.raises(ApplicationError, match="cannot run inside a transaction") as raised:
        pipeline_run_execute(as_of=AS_OF, jobs=2)
    assert raised.value.code == "jobs_in_transaction"
    assert pipeline_jobs_default() == 1
    assert PipelineRun.objects.count() == 0


@pytest.mark.parametrize("other", ["--async", "--retry-failed=1"])
def test_command_refuses_jobs_with_async_or_retry(other):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--jobs sets how many chunks this process runs"):
        call_command("analytics_run", "--jobs", "2", other, stdout=StringIO())
    assert PipelineRun.objects.count() == 0


def test_parallel_jobs_are_refused_on_sqlite(settings):
    from django.db import connection

    from crm.exceptions import ApplicationError

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single writer is what is refused")
    with pytest.raises(ApplicationError, match="needs PostgreSQL") as raised:
        pipeline_run_execute(as_of=AS_OF, jobs=2)
    assert raised.value.code == "jobs_unsupported"
    assert pipeline_jobs_default() == 1
    assert PipelineRun.objects.count() == 0


def test_command_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--as-of must be a date"):
        call_command("analytics_run", "--as-of", "yesterday")
    assert PipelineRun.objects.count() == 0


def test_bgnbd_gamma_gamma_clv_on_a_simulated_portfolio(settings):
    # given 300 customers whose invoices follow BG/NBD with known parameters
    settings.ANALYTICS_CLV_MIN_REPEAT_CUSTOMERS = 50
    truth = bgnbd.BgNbdParameters(r=0.8, alpha=6.0, a=1.5, b=4.0)
    rng = np.random.default_rng(5)
    ages = rng.uniform(40, 100, size=300)  # weeks since the first invoice
    x, t_x, _ = bgnbd.simulate(truth, ages, rng)
    invoices = []
    # each customer's own typical invoice size differs (Gamma-Gamma's heterogeneity)
    scales = 1.0 / rng.gamma(shape=4.0, scale=1.0 / 600.0, size=300)
    for index, (repeats, last, age) in enumerate(zip(x, t_x, ages, strict=True)):
        customer = CustomerFactory()
        first = AS_OF - datetime.timedelta(days=int(age * 7))
        times = [*sorted(rng.uniform(0, last, size=int(repeats) - 1)), last] if repeats else []
        for number, weeks in enumerate([0.0, *times]):
            issued = first + datetime.timedelta(days=int(weeks * 7))
            total = Decimal(int(rng.gamma(5, scales[index])) + 10)
            invoices.append(
                Invoice(
                    customer=customer,
                    number=f"SIM-{index}-{number}",
                    issue_date=issued,
                    due_date=issued + datetime.timedelta(days=30),
                    currency="USD",
                    total=total,
                    cost_of_goods=(total * Decimal("0.6")).quantize(Decimal("0.01")),
                    amount_paid=total,
                    open_amount=Decimal(0),
                    status="paid",
                    paid_date=issued + datetime.timedelta(days=30),
                )
            )
    Invoice.objects.bulk_create(invoices)

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then the model was fitted and used for every customer
    assert run.parameters["clv_method"] == "bgnbd_gg", run.problems
    assert abs(run.parameters["bgnbd"]["r"] - truth.r) / truth.r < 0.5
    methods = set(CustomerMetrics.objects.values_list("clv_method", flat=True))
    assert methods == {"bgnbd_gg"}
    # and the figures behave: P(alive) in [0, 1], CLV not negative, frequent buyers worth more
    rows = list(CustomerMetrics.objects.values_list("probability_alive", "clv", "frequency_12m"))
    assert all(Decimal(0) <= alive <= Decimal(1) for alive, _, _ in rows)
    assert all(clv >= 0 for _, clv, _ in rows)
    frequent = [clv for _, clv, frequency in rows if frequency >= 3]
    silent = [clv for _, clv, frequency in rows if frequency == 0]
    assert sum(frequent) / len(frequent) > 3 * sum(silent) / len(silent)
    assert not any(problem.startswith("CLV") for problem in run.problems)


def test_command_async_dispatches_the_chunks_to_the_workers(settings):
    # given (eager Celery in tests: the "workers" run at once)
    settings.ANALYTICS_CHUNK_SIZE = 1
    _customers_with_history(2)
    out = StringIO()

    # when
    call_command("analytics_run", "--async", "--as-of", AS_OF.isoformat(), stdout=out)

    # then
    run = PipelineRun.objects.get()
    assert "2 chunk(s) of 2 customers sent to the workers" in out.getvalue()
    assert run.status == RunStatus.SUCCEEDED


def test_command_retry_failed_reprocesses_only_what_failed(settings, monkeypatch):
    # given a run whose only chunk failed
    _customers_with_history(1)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    real = compute.chunk_frame
    monkeypatch.setattr(compute, "chunk_frame", broken)
    run = pipeline_run_execute(as_of=AS_OF)
    assert run.status == RunStatus.FAILED
    monkeypatch.setattr(compute, "chunk_frame", real)
    out = StringIO()

    # when
    call_command("analytics_run", "--retry-failed", str(run.pk), stdout=out)

    # then
    assert PipelineRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED
    assert f"Run {run.pk} as of 2026-11-20: succeeded" in out.getvalue()


def test_an_interrupted_run_is_settled_with_its_unfinished_chunks_failed(settings, monkeypatch):
    # given three chunks, the second interrupted (Ctrl-C) while it computes
    settings.ANALYTICS_CHUNK_SIZE = 1
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=40))
    real = compute.chunk_frame

    def interrupted(**kwargs):
        if kwargs["first_id"] == customers[1].pk:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(compute, "chunk_frame", interrupted)

    # when
    with pytest.raises(KeyboardInterrupt):
        pipeline_run_execute(as_of=AS_OF)

    # then the first chunk's figures stay, the rest is failed to be retried, and the run is
    # finalised rather than left running
    run = PipelineRun.objects.get()
    assert run.status == RunStatus.PARTIAL
    statuses = dict(run.chunks.values_list("first_customer_id", "status"))
    assert statuses == {
        customers[0].pk: "done",
        customers[1].pk: "failed",
        customers[2].pk: "failed",
    }
    assert CustomerMetrics.objects.filter(customer=customers[0]).exists()
    assert not CustomerMetrics.objects.filter(customer=customers[1]).exists()
    assert all("Interrupted (Ctrl-C)" in problem for problem in run.problems[-2:])


def test_a_run_stopped_by_an_error_is_settled_and_the_error_raised(settings):
    # given two chunks, and a progress callback that breaks after the first
    settings.ANALYTICS_CHUNK_SIZE = 1
    for customer in [CustomerFactory() for _ in range(2)]:
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=40))

    def broken(chunk):
        raise ValueError("the progress bar broke")

    # when
    with pytest.raises(ValueError, match="the progress bar broke"):
        pipeline_run_execute(as_of=AS_OF, on_chunk=broken)

    # then the run is finalised, not left running, with the chunk not done failed and why
    run = PipelineRun.objects.get()
    assert run.status == RunStatus.PARTIAL
    [failed] = run.chunks.filter(status="failed")
    assert "the progress bar broke" in failed.error


def test_an_error_while_settling_does_not_hide_the_one_that_stopped_the_run(settings, monkeypatch):
    # given a run interrupted (Ctrl-C) in its progress callback, whose finalisation fails too
    from analytics.services import pipeline_execute

    settings.ANALYTICS_CHUNK_SIZE = 1
    for customer in [CustomerFactory() for _ in range(2)]:
        paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=40))

    def interrupt(chunk):
        raise KeyboardInterrupt

    def broken_finalize(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(pipeline_execute, "pipeline_run_finalize", broken_finalize)

    # when / then the interruption is what the caller gets, not the settling's error
    with pytest.raises(KeyboardInterrupt):
        pipeline_run_execute(as_of=AS_OF, on_chunk=interrupt)
