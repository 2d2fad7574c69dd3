"""Analytics pipeline on the demo portfolio: the whole nightly run against one SQL GROUP BY over every invoice.

Targets (issue #6): the whole pipeline <= 4x one GROUP BY over all invoices
measured in the same run; peak RSS of the process running it <= 1.5 GB; twice
the data <= 2.2x the time (the pipeline over the first half of the customers,
then over all of them, same run).

The pipeline is timed over all customers in two ways: from one process
(``pipeline_run_execute`` with the default number of jobs: what ``manage.py
analytics_run`` does, one chunk per CPU at a time on PostgreSQL, each in a
process forked for the run; the figure compared with the target and with half
the customers), and the way
production runs it: the run's start here, then the chord of chunk tasks over
2 Celery worker processes (one per core, ``--pool=solo``) against Redis
(broker db 7, results db 8; skipped when Redis does not answer), until the
chord's callback has finalised the run. Peak RSS is per process. Before each
timed run the metrics table is vacuumed and the server checkpointed, as
autovacuum and the checkpointer would between nights.

The GROUP BY (itself the middle of three executions after an unmeasured one),
the half, the whole in-process run and the chord are each measured three
times, in turns, and compared by their medians: on a shared 2-core host one slow moment otherwise decided a figure.
Each measurement runs in its own child process, so its peak RSS is its own;
the jobs' processes are reported apart.
The portfolio's invoices come in several currencies: the bench writes one FX
rate per currency (fixed, illustrative) before measuring, since a missing rate
would (correctly) leave money figures empty. A first run settles the tiers
(the demo data start all "normal"; skipped when the portfolio database
already has a succeeded run); the measured runs are the steady state of
a night, where few tiers change.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, Result, median_sample
from _portfolio import child_setup, measure_in_django, portfolio_url

GROUP_BY_ALL_INVOICES = """
SELECT customer_id, currency, COUNT(*), SUM(total), SUM(cost_of_goods), MIN(issue_date),
       MAX(issue_date), SUM(open_amount)
  FROM receivables_invoice
 WHERE status <> 'void'
 GROUP BY customer_id, currency
"""

# Illustrative rates to USD (the base currency of the demo); only their presence matters here.
RATES = {"EUR": "1.08", "GBP": "1.27", "CNY": "0.14", "JPY": "0.0067", "CHF": "1.13"}


def _child() -> None:
    import os

    if "workers" in sys.argv[-1]:
        os.environ["CELERY_BROKER_URL"] = BROKER
        os.environ["CELERY_RESULT_BACKEND"] = RESULTS
    else:
        os.environ["CELERY_BROKER_URL"] = "memory://"  # notifications' e-mails go nowhere
    arguments = child_setup()
    import json
    import resource
    import time

    from django.db import connection
    from django.utils import timezone

    from analytics.models import FxRate, PipelineRun
    from analytics.services.pipeline import pipeline_jobs_default
    from analytics.services.pipeline_execute import pipeline_run_execute
    from customers.models import Customer
    from receivables.models import Invoice

    today = timezone.localdate()
    mode = arguments["mode"]
    result: dict = {"mode": mode}
    if mode in ("half", "full", "workers"):
        _vacuum_metrics()
    if mode == "prepare":
        currencies = set(Invoice.objects.order_by().values_list("currency", flat=True).distinct())
        for currency in sorted(currencies - {"USD"}):
            FxRate.objects.update_or_create(
                currency=currency, date=today, defaults={"rate": RATES.get(currency, "1.00")}
            )
        result["currencies"] = sorted(currencies)
        if not PipelineRun.objects.filter(status="succeeded").exists():
            started = time.perf_counter()
            run = pipeline_run_execute(as_of=today)
            result["settle_seconds"] = time.perf_counter() - started
            result["settle_tier_changes"] = run.tier_changes
    elif mode == "workers":
        result.update(_with_workers(today))
    elif mode == "group_by":
        samples = []
        with connection.cursor() as cursor:  # unmeasured: the first reads the pages in
            cursor.execute(GROUP_BY_ALL_INVOICES)
            cursor.fetchall()
        for _ in range(3):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(GROUP_BY_ALL_INVOICES)
                rows = cursor.fetchall()
            samples.append(time.perf_counter() - started)
            del rows
        result["seconds"] = sorted(samples)[1]
    else:
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        last = ids[len(ids) // 2 - 1] if mode == "half" else None
        jobs = pipeline_jobs_default()  # as manage.py analytics_run
        started = time.perf_counter()
        run = pipeline_run_execute(as_of=today, last_customer_id=last, jobs=jobs)
        result["seconds"] = time.perf_counter() - started
        result["jobs"] = jobs
        result["customers"] = run.customers_done
        result["chunks"] = run.chunks_total
        result["status"] = run.status
        result["tier_changes"] = run.tier_changes
        result["problems"] = run.problems
        result["clv_method"] = run.parameters.get("clv_method")
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if mode in ("half", "full"):
        # The jobs' processes (forked by a run with several jobs), once they have ended.
        # A fork shares its parent's pages until it writes them: not to be added to the
        # parent's figure.
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result["jobs_peak_rss_mb"] = children
    print(json.dumps(result, default=str))


def _vacuum_metrics() -> None:
    """What autovacuum and the checkpointer do between two nights (the bench server runs
    without autovacuum).

    Every run rewrites each customer's metrics row; without a VACUUM the dead rows
    of earlier runs pile up in the table (and its indexes), and each bench run
    would be slower than the one before for that reason alone. The CHECKPOINT
    writes out what the previous run (and the VACUUM) dirtied, as hours between
    two nights would: otherwise whether a timed run evicts dirty pages or
    overlaps the checkpointer's writes depended on the moment. The run then
    writes a full page image for each page it first changes, as a night does.
    Not timed.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) analytics_customermetrics")
        cursor.execute("CHECKPOINT")


WORKERS = 2
BROKER = "redis://127.0.0.1:6379/7"
RESULTS = "redis://127.0.0.1:6379/8"


def _with_workers(today) -> dict:
    """Start + the chord over WORKERS solo workers, until finalised; RSS of each process."""
    import os
    import time
    import uuid

    from django.conf import settings

    from analytics.models import PipelineRun, RunStatus
    from analytics.services.pipeline import pipeline_jobs_default, pipeline_run_start
    from analytics.tasks import pipeline_run_dispatch
    from crm.celery import app

    # Broker db 7 is the bench's own: the default queue (where workers also send the
    # chord's callback), emptied of anything a crashed earlier bench left.
    app.control.purge()
    name = f"bench-analytics-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "CELERY_RESULT_BACKEND": RESULTS}
    workers = [_worker_start(f"{name}-{index}@%h", env) for index in range(WORKERS)]
    try:
        deadline = time.monotonic() + 60
        while len(app.control.ping(destination=None, timeout=0.5) or []) < WORKERS:
            if time.monotonic() > deadline:
                raise RuntimeError("the Celery workers did not start")
        assert settings.CELERY_RESULT_BACKEND  # a chord, as in production
        started = time.perf_counter()
        run = pipeline_run_start(as_of=today, jobs=pipeline_jobs_default())  # as the nightly task
        start_seconds = time.perf_counter() - started
        pipeline_run_dispatch(run=run)
        while PipelineRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists():
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        run.refresh_from_db()
        worker_rss = [_peak_rss_mb(worker.pid) for worker in workers]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    return {
        "seconds": seconds,
        "start_seconds": start_seconds,
        "workers": WORKERS,
        "customers": run.customers_done,
        "chunks": run.chunks_total,
        "status": run.status,
        "tier_changes": run.tier_changes,
        "worker_peak_rss_mb": worker_rss,
    }


def _worker_start(name: str, env: dict):
    import subprocess

    command = [
        sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo",
        "-n", name, "--loglevel=WARNING", "--without-heartbeat", "--without-gossip",
        "--without-mingle",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


# Each timed figure is the median of this many measurements, taken in turns (GROUP BY,
# half, whole pipeline, chord, then again), so that a slow moment of a shared host weighs on
# one sample of each rather than on one figure.
ROUNDS = 3


def _median_of(samples: list[dict]) -> dict:
    """The sample with the median time, with every time of the series beside it."""
    return {
        **median_sample(samples, "seconds"),
        "samples_seconds": [sample["seconds"] for sample in samples],
        "peak_rss_mb": max(sample["peak_rss_mb"] for sample in samples),
        "jobs_peak_rss_mb": max(sample.get("jobs_peak_rss_mb", 0.0) for sample in samples),
    }


def run(*, scale: str, keep_database: bool) -> Result:
    url = portfolio_url(scale)
    script = Path(__file__)
    prepare = measure_in_django(script, url, mode="prepare")
    series: dict[str, list[dict]] = {"group_by": [], "half": [], "full": []}
    if _redis_answers():
        series["workers"] = []
    for _ in range(ROUNDS):
        for mode, samples in series.items():
            samples.append(measure_in_django(script, url, mode=mode))
    group_by, half, full = (_median_of(series[mode]) for mode in ("group_by", "half", "full"))
    workers = None
    if "workers" in series:
        workers = {
            **_median_of(series["workers"]),
            "worker_peak_rss_mb": [
                max(sample["worker_peak_rss_mb"]) for sample in series["workers"]
            ],
        }
    figures = [
        Figure("one GROUP BY over all invoices (median)", group_by["seconds"], "s"),
        Figure(
            f"whole pipeline, {full['jobs']} jobs in process (median)",
            full["seconds"],
            "s",
            baseline=group_by["seconds"],
            baseline_name="one GROUP BY",
            target="<= 4x (compared)",
        ),
        Figure("peak RSS of the pipeline process", full["peak_rss_mb"], "MB", target="<= 1536 MB"),
        Figure(
            "peak RSS of the largest job process",
            full["jobs_peak_rss_mb"],
            "MB",
            target="<= 1536 MB",
        ),
        Figure(
            "twice the data (all vs half the customers)",
            full["seconds"],
            "s",
            baseline=half["seconds"],
            baseline_name="half the customers",
            target="<= 2.2x",
        ),
    ]
    if workers is not None:
        figures += [
            Figure(
                f"whole pipeline, chord over {workers['workers']} workers (median)",
                workers["seconds"],
                "s",
                baseline=group_by["seconds"],
                baseline_name="one GROUP BY",
                target="<= 4x",
            ),
            Figure("  of which the start (stage + fits)", workers["start_seconds"], "s"),
            Figure(
                "peak RSS of the largest worker",
                max(workers["worker_peak_rss_mb"]),
                "MB",
                target="<= 1536 MB",
            ),
            Figure("peak RSS of the process starting it", workers["peak_rss_mb"], "MB"),
        ]
    result = Result(
        name="analytics",
        scale=scale,
        figures=figures,
        notes=[
            f"{name}, each measurement in turn: "
            + ", ".join(f"{seconds:.2f}" for seconds in samples["samples_seconds"])
            + " s"
            for name, samples in (
                ("GROUP BY", group_by),
                ("half the customers", half),
                ("whole pipeline", full),
                *((("chord over the workers", workers),) if workers else ()),
            )
        ],
        details={
            "prepare": prepare,
            "group_by": group_by,
            "half": half,
            "full": full,
            "workers": workers,
        },
    )
    return result


if __name__ == "__main__" and "--child" in sys.argv:
    _child()
