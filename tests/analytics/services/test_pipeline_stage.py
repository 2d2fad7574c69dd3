"""The run's stage: built once at the start, read by the chunks, dropped at the end."""

import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics.models import ChunkStatus, CustomerMetrics, FxRate, PipelineRun, RunStatus
from analytics.pipeline import dialect, write
from analytics.pipeline.stage import stage_exists, stage_table
from analytics.services import pipeline as services
from analytics.services.pipeline import (
    pipeline_chunk_process,
    pipeline_run_finalize,
    pipeline_run_start,
)
from analytics.services.pipeline_execute import pipeline_run_execute, pipeline_run_retry_failed
from tests.analytics.conftest import AS_OF, open_invoice, paid_invoice
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import CreditNoteFactory

pytestmark = pytest.mark.django_db


def _stage_rows(run_id: int, *columns: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, {', '.join(columns)} FROM {stage_table(run_id)}"  # noqa: S608
            " ORDER BY customer_id"
        )
        return cursor.fetchall()


def test_the_start_stages_every_customer_and_finalisation_drops_the_stage(settings):
    # given two customers in two chunks, one without invoices
    settings.ANALYTICS_CHUNK_SIZE = 1
    buyer = CustomerFactory()
    paid_invoice(buyer, issued=AS_OF - datetime.timedelta(days=40))
    silent = CustomerFactory()

    # when the run starts
    run = pipeline_run_start(as_of=AS_OF)

    # then the stage holds one row per customer of the run
    assert stage_exists(run_id=run.pk)
    assert [row[:2] for row in _stage_rows(run.pk, "invoices_all")] == [
        (buyer.pk, 1),
        (silent.pk, 0),
    ]

    # and when every chunk is done and the run finalised, the stage is gone
    for chunk in run.chunks.all():
        pipeline_chunk_process(chunk_id=chunk.pk)
    run = pipeline_run_finalize(run_id=run.pk)
    assert run.status == RunStatus.SUCCEEDED
    assert not stage_exists(run_id=run.pk)


def test_a_start_that_fails_drops_its_stage(monkeypatch):
    # given the portfolio fit breaks
    paid_invoice(CustomerFactory(), issued=AS_OF - datetime.timedelta(days=40))

    def broken(**kwargs):
        raise RuntimeError("fit exploded")

    monkeypatch.setattr(services, "portfolio_pass", broken)

    # when
    with pytest.raises(RuntimeError, match="fit exploded"):
        pipeline_run_start(as_of=AS_OF)

    # then the run is failed and left no stage behind
    run = PipelineRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert "fit exploded" in run.error
    assert not stage_exists(run_id=run.pk)


def test_a_chunk_reads_the_figures_staged_at_the_start_even_on_its_retry(monkeypatch):
    # given a started run whose only chunk fails on its first attempt
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=40))
    run = pipeline_run_start(as_of=AS_OF)
    chunk = run.chunks.get()
    real = write.metrics_upsert
    calls = []

    def flaky(customers, run):
        calls.append(len(customers))
        if len(calls) == 1:
            raise RuntimeError("connection reset")
        return real(customers, run)

    monkeypatch.setattr(write, "metrics_upsert", flaky)
    with pytest.raises(RuntimeError, match="connection reset"):
        pipeline_chunk_process(chunk_id=chunk.pk)
    assert not CustomerMetrics.objects.exists()  # the failed attempt wrote nothing
    # and an invoice arrives after the start
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=5))

    # when the chunk is retried
    written = pipeline_chunk_process(chunk_id=chunk.pk)

    # then it used the stage: the run's figures are those of the start
    assert written == 1
    assert stage_exists(run_id=run.pk)
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.frequency_12m == 1
    assert metrics.revenue_net == Decimal("1000.00")
    run.chunks.update()  # refresh
    assert run.chunks.get().attempts == 2


def test_retrying_a_finalised_run_rebuilds_the_stage_then_drops_it_again(monkeypatch):
    # given a run whose chunk failed and which was finalised (stage dropped)
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=40))

    def broken(customers, run):
        raise RuntimeError("disk full")

    real = write.metrics_upsert
    monkeypatch.setattr(write, "metrics_upsert", broken)
    run = pipeline_run_execute(as_of=AS_OF)
    assert run.status == RunStatus.FAILED
    assert not stage_exists(run_id=run.pk)
    monkeypatch.setattr(write, "metrics_upsert", real)

    # when
    run = pipeline_run_retry_failed(run_id=run.pk)

    # then
    assert run.status == RunStatus.SUCCEEDED
    assert run.chunks.get().status == ChunkStatus.DONE
    assert CustomerMetrics.objects.get(customer=customer).revenue_net == Decimal("1000.00")
    assert not stage_exists(run_id=run.pk)


def test_stages_left_by_crashed_runs_are_dropped_by_the_next_start():
    # given a run that died while running (its row says running), then was marked failed
    paid_invoice(CustomerFactory(), issued=AS_OF - datetime.timedelta(days=40))
    crashed = pipeline_run_start(as_of=AS_OF)
    PipelineRun.objects.filter(pk=crashed.pk).update(status=RunStatus.FAILED)
    running = pipeline_run_start(as_of=AS_OF)

    # when another run starts
    latest = pipeline_run_start(as_of=AS_OF)

    # then only the failed run's stage is gone
    assert not stage_exists(run_id=crashed.pk)
    assert stage_exists(run_id=running.pk)
    assert stage_exists(run_id=latest.pk)


def test_a_run_whose_process_died_is_marked_failed_and_its_stage_dropped():
    # given a run left "running" 13 hours ago with no chunk activity since (its process
    # died), and one started as long ago whose chunk finished an hour ago (still working)
    paid_invoice(CustomerFactory(), issued=AS_OF - datetime.timedelta(days=40))
    dead = pipeline_run_start(as_of=AS_OF)
    slow = pipeline_run_start(as_of=AS_OF)
    long_ago = timezone.now() - datetime.timedelta(hours=13)
    PipelineRun.objects.filter(pk__in=[dead.pk, slow.pk]).update(started_at=long_ago)
    slow.chunks.update(finished_at=timezone.now() - datetime.timedelta(hours=1))

    # when the next run starts
    latest = pipeline_run_start(as_of=AS_OF)

    # then the dead run is failed with the reason, its stage is gone; the others stay
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED
    assert "Abandoned" in dead.error
    assert dead.finished_at is not None
    assert not stage_exists(run_id=dead.pk)
    assert PipelineRun.objects.get(pk=slow.pk).status == RunStatus.RUNNING
    assert stage_exists(run_id=slow.pk)
    assert stage_exists(run_id=latest.pk)


def test_money_in_several_currencies_is_converted_exactly_in_sql():
    # given a USD customer with a EUR invoice, at a rate with ten decimals
    FxRate.objects.create(date=AS_OF, currency="EUR", rate="1.0833333333")
    customer = CustomerFactory(currency="USD")
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30), total="100.00", cost="50")
    euros = open_invoice(customer, issued=AS_OF - datetime.timedelta(days=20), total="333.33")
    type(euros).objects.filter(pk=euros.pk).update(currency="EUR")

    # when
    run = pipeline_run_start(as_of=AS_OF)

    # then the staged revenue is 100 + 333.33 × 1.0833333333, exactly where numbers are exact
    [(_, revenue, missing)] = _stage_rows(run.pk, "revenue_12m", "fx_missing")
    expected = Decimal("100.00") + Decimal("333.33") * Decimal("1.0833333333")
    assert missing is None
    if dialect.is_postgresql():
        assert revenue == expected  # 461.107499988889, not rounded yet
    else:
        assert revenue == pytest.approx(float(expected))
    # and it is stored rounded once, half to even
    pipeline_chunk_process(chunk_id=run.chunks.get().pk)
    assert CustomerMetrics.objects.get(customer=customer).revenue_net == Decimal("461.11")


def test_a_customer_billed_in_two_currencies_has_every_invoice_figure_of_both():
    # given a customer with a USD invoice paid 5 days late, and in EUR one paid 10 days
    # late and one open 20 days past due; beside it a customer billed in EUR only
    rate = Decimal("1.0833333333")
    FxRate.objects.create(date=AS_OF, currency="EUR", rate=str(rate))
    mixed = CustomerFactory(currency="USD")
    paid_invoice(mixed, issued=AS_OF - datetime.timedelta(days=100), days_late=5)
    euro_paid = paid_invoice(
        mixed, issued=AS_OF - datetime.timedelta(days=60), days_late=10, total="200", cost="150"
    )
    euro_open = open_invoice(
        mixed, issued=AS_OF - datetime.timedelta(days=50), total="300", cost="100"
    )
    type(euro_open).objects.filter(pk__in=[euro_paid.pk, euro_open.pk]).update(currency="EUR")
    single = CustomerFactory(currency="EUR")
    alone = paid_invoice(single, issued=AS_OF - datetime.timedelta(days=60), total="200", cost="50")
    type(alone).objects.filter(pk=alone.pk).update(currency="EUR")

    # when
    run = pipeline_run_start(as_of=AS_OF)

    # then each figure adds both currencies, the euros converted
    columns = [
        "invoices_all", "invoices_12m", "max_days_past_due", "margin_all", "revenue_12m",
        "cogs_12m", "late_amount_days", "paid_total_12m", "open_late_amount_days", "fx_missing",
    ]  # fmt: skip
    rows = {row[0]: row[1:] for row in _stage_rows(run.pk, *columns)}
    expected = [
        3, 3, 20,
        400 + 250 * rate, 1000 + 500 * rate, 600 + 250 * rate,
        5 * 1000 + 10 * 200 * rate, 1000 + 200 * rate, 20 * 300 * rate, None,
    ]  # fmt: skip
    assert _exact_or_close(rows[mixed.pk]) == _exact_or_close(expected)
    assert _exact_or_close(rows[single.pk][:5]) == _exact_or_close(
        [1, 1, 0, 150 * rate, 200 * rate]
    )


def _exact_or_close(values) -> list:
    """Money exact on PostgreSQL; SQLite sums REALs, compared to the cent."""
    if dialect.is_postgresql():
        return list(values)
    return [round(float(v), 2) if isinstance(v, (int, float, Decimal)) else v for v in values]


def test_a_currency_without_a_rate_leaves_only_that_customers_money_empty():
    # given one customer with a GBP invoice (no GBP rate) besides USD, and one in USD only
    mixed = CustomerFactory(currency="USD")
    paid_invoice(mixed, issued=AS_OF - datetime.timedelta(days=30))
    pounds = open_invoice(mixed, issued=AS_OF - datetime.timedelta(days=10))
    type(pounds).objects.filter(pk=pounds.pk).update(currency="GBP")
    note = CreditNoteFactory(customer=mixed, amount=Decimal("10.00"), issue_date=AS_OF)
    type(note).objects.filter(pk=note.pk).update(currency="GBP")  # GBP from two sources
    plain = CustomerFactory(currency="USD")
    paid_invoice(plain, issued=AS_OF - datetime.timedelta(days=30))

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then
    metrics = CustomerMetrics.objects.get(customer=mixed)
    assert metrics.revenue_net is None
    assert metrics.contribution is None
    assert metrics.cost_to_serve == Decimal("10.00")  # counts need no rate
    assert metrics.frequency_12m == 2
    assert metrics.notes == [
        "No FX rate for GBP on or before 2026-11-20: money figures not computed.",
        "Value percentile unknown (no converted margin): taken as 0 for tiers.",
    ]
    assert CustomerMetrics.objects.get(customer=plain).revenue_net == Decimal("1000.00")
    assert any("for GBP: the money figures of 1 customer(s)" in p for p in run.problems)


def test_an_activity_model_that_does_not_exist_is_reported_once(settings):
    # given
    settings.ANALYTICS_ACTIVITY_MODEL = "receivables.NoSuchModel"
    customer = CustomerFactory()
    paid_invoice(customer, issued=AS_OF - datetime.timedelta(days=30))

    # when
    run = pipeline_run_execute(as_of=AS_OF)

    # then the run says so and the rest is computed
    assert run.status == RunStatus.SUCCEEDED
    assert (
        run.problems.count(
            "Collector activities not counted in cost to serve: ANALYTICS_ACTIVITY_MODEL"
            " 'receivables.NoSuchModel' is not a model."
        )
        == 1
    )
    assert CustomerMetrics.objects.get(customer=customer).cost_to_serve == Decimal("5.00")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("0.125", 2, "0.12"),
        ("0.375", 2, "0.38"),
        ("-0.625", 2, "-0.62"),
        ("0.126", 2, "0.13"),
        ("2.5", 0, "2"),
        ("3.5", 0, "4"),
        ("-2.5", 0, "-2"),
        ("12.25", 1, "12.2"),
        ("-12.75", 1, "-12.8"),
        ("-0.375", 2, "-0.38"),
        ("0.0625", 3, "0.062"),
        ("1.00390625", 2, "1.00"),
        ("-1.99609375", 2, "-2.00"),
    ],
)
def test_sql_rounding_is_half_to_even_like_crm_money(value, places, expected):
    # given values that are exactly halfway in binary too (the same on SQLite and PostgreSQL)
    expression = dialect.round_half_even("v", places)

    # when
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {expression} FROM (SELECT {dialect.exact_number('%s')} AS v) x",  # noqa: S608
            [Decimal(value)],
        )
        [rounded] = cursor.fetchone()

    # then
    assert Decimal(str(rounded)).quantize(Decimal(1).scaleb(-places)) == Decimal(expected)


# Values as the nightly write meets them: whole numbers, two-decimal money, six-decimal
# statistics, converted sums with many decimals, and values exactly halfway.
_unrounded = st.one_of(
    st.decimals(min_value=-(10**9), max_value=10**9, places=places, allow_nan=False)
    for places in (0, 1, 2, 3, 5, 6, 12)
)


@st.composite
def _halfway(draw) -> tuple[Decimal, int]:
    places = draw(st.integers(min_value=0, max_value=4))
    whole = draw(st.integers(min_value=-(10**9), max_value=10**9))
    # whole/10^places plus half a step, written with 0-6 trailing zeros (the text's scale)
    value = (Decimal(whole) + Decimal("0.5")).scaleb(-places)
    return value.quantize(Decimal(1).scaleb(-(places + 1 + draw(st.integers(0, 6))))), places


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.one_of(
            st.tuples(_unrounded, st.integers(min_value=0, max_value=4)),
            _halfway(),
        ),
        min_size=1,
        max_size=40,
    )
)
@example(values=[(Decimal("0.125"), 2), (Decimal("0.135000"), 2), (Decimal("-2.5"), 0)])
@example(values=[(Decimal("7"), 2), (Decimal("-0.0050"), 2), (Decimal("0.00"), 2)])
def test_sql_rounding_on_postgresql_is_exactly_python_half_even(values):
    # given any numeric values, halfway ones included, with any number of trailing zeros
    expected = [
        value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        for value, places in values
    ]

    # when each is rounded by the SQL fragment (one statement per number of places)
    rounded = []
    with connection.cursor() as cursor:
        for value, places in values:
            cursor.execute(
                f"SELECT {dialect.round_half_even('v', places)} FROM (SELECT %s::numeric AS v) x",  # noqa: S608
                [value],
            )
            rounded.append(cursor.fetchone()[0])

    # then every result is the exact Decimal that crm.money's rule gives
    assert [r.quantize(e) for r, e in zip(rounded, expected, strict=True)] == expected
    assert rounded == expected
