"""Credit scoring of every customer on the demo portfolio, against the bare SQL aggregation of its inputs.

Target (issue #5): scoring every customer (100,000 customers / 2M invoices) in
at most 10 s: SQL inputs, vectorized scorecard, components and reasons, every
score stored and the latest-score table upserted, grades written to customers.
Baseline: the same GROUP BY aggregation queries alone (no scoring, no writes),
measured in the same run. Also measured: one customer rescored (the
event-driven path) and the backtest.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, Result, print_result, save
from _portfolio import child_setup, measure_in_django, portfolio_url, timings


def _child() -> None:
    arguments = child_setup()  # Django must be set up before models are imported
    import json
    import time

    from django.utils import timezone

    from credit.models import CreditScore
    from credit.scoring.inputs import score_inputs
    from credit.scoring.services import credit_backtest_run, credit_scores_compute
    from customers.models import Customer

    runs = arguments["runs"]
    today = timezone.localdate()
    some_customer = Customer.objects.order_by("pk").values_list("pk", flat=True)[500]

    first_started = time.perf_counter()
    first = credit_scores_compute()  # on a fresh portfolio: every customer's grade is written
    first_run = time.perf_counter() - first_started
    started = time.perf_counter()
    backtest = credit_backtest_run()
    backtest_seconds = time.perf_counter() - started
    figures = {
        "sql_inputs": timings(lambda: score_inputs(as_of=today), runs=runs, warmup=1),
        "score_all": timings(lambda: credit_scores_compute(), runs=runs, warmup=0),
        "score_one": timings(
            lambda: credit_scores_compute(customer_ids=[some_customer]), runs=20, warmup=2
        ),
        "first_run_seconds": first_run,
        "first_run_grade_changes": len(first.grade_changes),
        "backtest_seconds": backtest_seconds,
        "backtest": {"customers": backtest.customers, "defaults": backtest.defaults,
                     "auc": backtest.auc, "gini": backtest.gini, "ks": backtest.ks},
        "customers_scored": first.scored,
        "scores_stored": CreditScore.objects.count(),
    }  # fmt: skip
    print(json.dumps(figures, default=str))


def run(*, scale: str = "small", keep_database: bool = False) -> Result:
    url = portfolio_url(scale)
    measured = measure_in_django(Path(__file__), url, runs=3)
    base = measured["sql_inputs"]["p50"]
    return Result(
        name="scoring",
        scale=scale,
        figures=[
            Figure("bare SQL aggregation of the inputs, median (baseline)", base, "s"),
            Figure(
                "score every customer and store, median",
                measured["score_all"]["p50"],
                "s",
                base,
                "bare SQL",
                "<= 10 s",
            ),
            Figure(
                f"first run, {measured['first_run_grade_changes']:,} grade changes written",
                measured["first_run_seconds"],
                "s",
                base,
                "bare SQL",
            ),
            Figure("rescore one customer p95", measured["score_one"]["p95"] * 1000, "ms"),
            Figure("backtest (scores 6 months back + outcomes)", measured["backtest_seconds"], "s"),
            Figure("backtest AUC", measured["backtest"]["auc"] or 0, ""),
            Figure("customers scored", measured["customers_scored"], ""),
        ],
        details=measured,
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        result = run(scale=sys.argv[1] if len(sys.argv) > 1 else "small")
        print_result(result)
        save(result)
