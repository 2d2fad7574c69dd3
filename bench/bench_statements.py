"""Customer statement PDFs per second on the demo portfolio, one process and one per core.

Target (issue #3): >= 5 PDFs per second on 2 cores. Baseline: weasyprint
rendering a one-line document, measured in the same run (its fixed cost).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, Result, print_result, save
from _portfolio import child_setup, measure_in_django, portfolio_url

STATEMENTS = {"small": 40, "full": 80}


def _render(customer_ids: list[int]) -> int:
    from customers.models import Customer
    from receivables.statements import statement_data, statement_pdf

    for customer in Customer.objects.filter(pk__in=customer_ids).order_by("pk"):
        statement_pdf(statement_data(customer=customer))
    return len(customer_ids)


def _child() -> None:
    arguments = child_setup()  # Django must be set up before models are imported
    import json
    import multiprocessing

    from django.db import connections
    from weasyprint import HTML

    from receivables.models import Invoice

    count = arguments["statements"]
    ids = list(
        Invoice.objects.filter(open_amount__gt=0)
        .values_list("customer_id", flat=True)
        .order_by("customer_id")
        .distinct()[:count]
    )
    lines = Invoice.objects.filter(customer_id__in=ids, open_amount__gt=0).count()
    _render(ids[:2])  # warm up fonts and templates

    started = time.perf_counter()
    for _ in range(count):
        HTML(string="<p>Statement</p>").write_pdf()
    trivial = count / (time.perf_counter() - started)

    started = time.perf_counter()
    _render(ids)
    one_process = len(ids) / (time.perf_counter() - started)

    workers = os.cpu_count() or 1
    connections.close_all()
    chunks = [ids[index::workers] for index in range(workers)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        rendered = sum(pool.map(_render, chunks))
    all_cores = rendered / (time.perf_counter() - started)
    print(json.dumps({
        "trivial_per_second": trivial, "one_process_per_second": one_process,
        "all_cores_per_second": all_cores, "workers": workers, "statements": len(ids),
        "open_items_per_statement": lines / max(len(ids), 1),
    }))  # fmt: skip


def run(*, scale: str = "small", keep_database: bool = False) -> Result:
    measured = measure_in_django(Path(__file__), portfolio_url(scale), statements=STATEMENTS[scale])
    trivial = measured["trivial_per_second"]
    return Result(
        name="statements",
        scale=scale,
        figures=[
            Figure("one-line PDF per second (baseline)", trivial, "PDF/s"),
            Figure(
                "statements per second, 1 process",
                measured["one_process_per_second"],
                "PDF/s",
                trivial,
                "one-line PDF",
            ),
            Figure(
                f"statements per second, {measured['workers']} processes",
                measured["all_cores_per_second"],
                "PDF/s",
                trivial,
                "one-line PDF",
                ">= 5 PDF/s on 2 cores",
            ),
            Figure("open items per statement (mean)", measured["open_items_per_statement"], ""),
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
