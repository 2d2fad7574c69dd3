"""Analytics pages on the demo portfolio: dashboard and "my customers" first page p95 over HTTP, against /healthz/.

Targets (issue #6): finance dashboard p95 <= 300 ms on the full portfolio. The
pages are requested through Django's test client (the whole request/response
cycle: middleware, session, views, templates; no socket), after a real run of
the nightly pipeline (``pipeline_run_execute``, in this process) and 14 days of
KPI snapshots (``kpi_snapshot_take``) exist; both are made once per portfolio
database and reused, and their times are printed. Baseline: GET /healthz/
(one database round trip and a cache read) through the same client in the same
run; a second baseline for the snapshot is one SQL GROUP BY over all invoices.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, Result, print_result, save
from _portfolio import child_setup, measure_in_django, portfolio_url, timings

SNAPSHOT_DAYS = 14
GROUP_BY_ALL_INVOICES = (
    "SELECT customer_id, currency, SUM(total), COUNT(*) FROM receivables_invoice "
    "WHERE status <> 'void' GROUP BY customer_id, currency"
)


def _child() -> None:
    arguments = child_setup()  # Django must be set up before models are imported
    import json
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from analytics.kpis.services import kpi_snapshot_take
    from analytics.models import CustomerMetrics, KpiSnapshot, PipelineRun, RunStatus
    from analytics.services.pipeline_execute import pipeline_run_execute
    from crm import roles
    from customers.models import Customer

    runs = arguments["runs"]
    details: dict = {}
    today = timezone.localdate()

    # The pipeline's figures: made once per portfolio database.
    finished = PipelineRun.objects.filter(status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL])
    if not finished.exists():
        started = time.perf_counter()
        run = pipeline_run_execute()
        details["pipeline_seconds"] = time.perf_counter() - started
        details["pipeline_status"] = run.status
    details["customer_metrics_rows"] = CustomerMetrics.objects.count()

    # KPI snapshots of the last SNAPSHOT_DAYS days; the newest one is timed.
    last_day = today - timedelta(days=1)
    snapshot_seconds = []
    for offset in range(SNAPSHOT_DAYS - 1, -1, -1):
        day = last_day - timedelta(days=offset)
        if offset == 0 or not KpiSnapshot.objects.filter(as_of=day).exists():
            started = time.perf_counter()
            kpi_snapshot_take(as_of=day)
            snapshot_seconds.append(time.perf_counter() - started)
    details["kpi_snapshot_seconds_newest_day"] = snapshot_seconds[-1]
    details["kpi_snapshot_rows_per_day"] = KpiSnapshot.objects.filter(as_of=last_day).count()

    def group_by_all_invoices():
        with connection.cursor() as cursor:
            cursor.execute(GROUP_BY_ALL_INVOICES)
            return cursor.fetchall()

    started = time.perf_counter()
    group_by_all_invoices()
    details["group_by_all_invoices_seconds"] = time.perf_counter() - started

    # Who looks: a finance admin (whole portfolio) and the rep with the most customers.
    user_model = get_user_model()
    finance, _ = user_model.objects.get_or_create(username="bench-finance")
    finance.groups.add(Group.objects.get(name=roles.FINANCE_ADMIN))
    rep_id = (
        Customer.objects.exclude(sales_rep=None)
        .values("sales_rep")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("sales_rep", "n")
        .first()
    )
    rep = user_model.objects.get(pk=rep_id[0])
    rep.groups.add(Group.objects.get(name=roles.SALES_REP))
    details["rep_customers"] = rep_id[1]

    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    as_finance, as_rep = client_for(finance), client_for(rep)

    def get(client: Client, url: str, **query: str):
        def call():
            response = client.get(url, query, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, response.status_code)

        return call

    figures = {
        "healthz": timings(get(as_finance, "/healthz/"), runs=runs),
        "dashboard": timings(get(as_finance, "/analytics/"), runs=runs),
        "my_customers_finance": timings(get(as_finance, "/analytics/my-customers/"), runs=runs),
        "my_customers_rep": timings(get(as_rep, "/analytics/my-customers/"), runs=runs),
        "my_customers_rep_by_clv": timings(
            get(as_rep, "/analytics/my-customers/", sort="clv"), runs=runs
        ),
        "churn_warnings_rep": timings(get(as_rep, "/analytics/churn-warnings/"), runs=runs),
        "progress_json": timings(get(as_finance, "/analytics/pipeline/progress.json"), runs=runs),
        "details": details,
    }
    print(json.dumps(figures, default=str))


def run(*, scale: str = "small", keep_database: bool = False) -> Result:
    url = portfolio_url(scale)
    measured = measure_in_django(Path(__file__), url, runs=40)
    ms = {key: value["p95"] * 1000 for key, value in measured.items() if key != "details"}
    base = ms["healthz"]
    details = measured["details"]

    def page(name: str, key: str, target: str = "") -> Figure:
        return Figure(name, ms[key], "ms", base, "/healthz/", target)

    figures = [
        Figure("GET /healthz/ p95 (baseline)", base, "ms"),
        page("finance dashboard p95", "dashboard", "<= 300 ms"),
        page("my customers, finance, first page p95", "my_customers_finance"),
        page("my customers, sales rep, first page p95", "my_customers_rep"),
        page("my customers, sales rep, by CLV p95", "my_customers_rep_by_clv"),
        page("churn warnings, sales rep p95", "churn_warnings_rep"),
        page("pipeline progress JSON p95", "progress_json"),
        Figure(
            "KPI snapshot of one day",
            details["kpi_snapshot_seconds_newest_day"],
            "s",
            details["group_by_all_invoices_seconds"],
            "one GROUP BY over all invoices",
        ),
    ]
    if "pipeline_seconds" in details:
        figures.append(
            Figure("nightly pipeline (made for this database)", details["pipeline_seconds"], "s")
        )
    return Result(name="dashboard", scale=scale, figures=figures, details=measured)


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        result = run(scale=sys.argv[1] if len(sys.argv) > 1 else "small")
        print_result(result)
        save(result)
