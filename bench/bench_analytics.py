"""Analytics pipeline on the demo portfolio: the whole nightly run against one SQL GROUP BY over every invoice.

Targets (issue #6): the whole pipeline (in one process, chunks in sequence)
<= 4x one GROUP BY over all invoices measured in the same run; peak RSS of the
process running it <= 1.5 GB; twice the data <= 2.2x the time (the pipeline
over the first half of the customers, then over all of them, same run).

Each measurement runs in its own child process, so its peak RSS is its own.
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

from _common import Figure, Result
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

    os.environ["CELERY_BROKER_URL"] = "memory://"  # notifications' e-mails go nowhere
    arguments = child_setup()
    import json
    import resource
    import time

    from django.db import connection
    from django.utils import timezone

    from analytics.models import FxRate, PipelineRun
    from analytics.services.pipeline import pipeline_run_execute
    from customers.models import Customer
    from receivables.models import Invoice

    today = timezone.localdate()
    mode = arguments["mode"]
    result: dict = {"mode": mode}
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
    elif mode == "group_by":
        samples = []
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
        started = time.perf_counter()
        run = pipeline_run_execute(as_of=today, last_customer_id=last)
        result["seconds"] = time.perf_counter() - started
        result["customers"] = run.customers_done
        result["chunks"] = run.chunks_total
        result["status"] = run.status
        result["tier_changes"] = run.tier_changes
        result["problems"] = run.problems
        result["clv_method"] = run.parameters.get("clv_method")
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


def run(*, scale: str, keep_database: bool) -> Result:
    url = portfolio_url(scale)
    script = Path(__file__)
    prepare = measure_in_django(script, url, mode="prepare")
    group_by = measure_in_django(script, url, mode="group_by")
    half = measure_in_django(script, url, mode="half")
    full = measure_in_django(script, url, mode="full")
    figures = [
        Figure("one GROUP BY over all invoices", group_by["seconds"], "s"),
        Figure(
            "whole pipeline (all customers)",
            full["seconds"],
            "s",
            baseline=group_by["seconds"],
            baseline_name="one GROUP BY",
            target="<= 4x",
        ),
        Figure("peak RSS of the pipeline process", full["peak_rss_mb"], "MB", target="<= 1536 MB"),
        Figure(
            "twice the data (all vs half the customers)",
            full["seconds"],
            "s",
            baseline=half["seconds"],
            baseline_name="half the customers",
            target="<= 2.2x",
        ),
    ]
    result = Result(
        name="analytics",
        scale=scale,
        figures=figures,
        details={"prepare": prepare, "group_by": group_by, "half": half, "full": full},
    )
    return result


if __name__ == "__main__" and "--child" in sys.argv:
    _child()
