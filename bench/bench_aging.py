"""Aging on the demo portfolio: portfolio summary and the customer-level page, against a full-scan SQL aging.

Targets (issue #3): portfolio aging summary p95 <= 300 ms; customer-level aging
page (first page) p95 <= 500 ms; baseline: one SQL aging query that scans every
invoice, measured in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, Result, print_result, save
from _portfolio import child_setup, measure_in_django, portfolio_url, timings

FULL_SCAN_AGING = """
SELECT currency,
       SUM(CASE WHEN due_date >= %(as_of)s THEN open_now ELSE 0 END),
       SUM(CASE WHEN due_date < %(as_of)s AND due_date >= %(as_of)s - 30 THEN open_now ELSE 0 END),
       SUM(CASE WHEN due_date < %(as_of)s - 30 AND due_date >= %(as_of)s - 60 THEN open_now ELSE 0 END),
       SUM(CASE WHEN due_date < %(as_of)s - 60 AND due_date >= %(as_of)s - 90 THEN open_now ELSE 0 END),
       SUM(CASE WHEN due_date < %(as_of)s - 90 AND due_date >= %(as_of)s - 120 THEN open_now ELSE 0 END),
       SUM(CASE WHEN due_date < %(as_of)s - 120 THEN open_now ELSE 0 END)
FROM (
    SELECT currency, due_date, total - amount_paid - amount_credited - amount_written_off AS open_now
    FROM receivables_invoice WHERE status <> 'void'
) AS every_invoice
WHERE open_now > 0
GROUP BY currency
"""


def _child() -> None:
    arguments = child_setup()  # Django must be set up before models are imported
    import json

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from receivables.aging import aging_report
    from receivables.models import Invoice

    runs = arguments["runs"]
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    today = timezone.localdate()

    def full_scan():
        with connection.cursor() as cursor:
            cursor.execute(FULL_SCAN_AGING, {"as_of": today})
            return cursor.fetchall()

    client = Client()
    client.force_login(user)

    def page():
        response = client.get(
            "/receivables/aging/", {"group_by": "customer"}, HTTP_HOST="127.0.0.1"
        )
        assert response.status_code == 200, response.status_code

    report = aging_report(user=user, group_by="portfolio")
    open_total = {
        row["currency"]: row["s"]
        for row in Invoice.objects.filter(open_amount__gt=0)
        .values("currency")
        .annotate(s=Sum("open_amount"))
    }
    reconciles = all(report.totals[c].total == open_total[c] for c in open_total) and set(
        report.totals
    ) == set(open_total)
    figures = {
        "full_scan": timings(full_scan, runs=max(runs // 4, 3), warmup=1),
        "portfolio": timings(lambda: aging_report(user=user, group_by="portfolio"), runs=runs),
        "customer_first_page": timings(
            lambda: aging_report(user=user, group_by="customer", limit=50), runs=runs
        ),
        "customer_page_http": timings(page, runs=max(runs // 2, 5)),
        "open_invoices": Invoice.objects.filter(open_amount__gt=0).count(),
        "invoices": Invoice.objects.count(),
        "reconciles": reconciles,
    }
    print(json.dumps(figures, default=str))


def run(*, scale: str = "small", keep_database: bool = False) -> Result:
    url = portfolio_url(scale)
    measured = measure_in_django(Path(__file__), url, runs=20)
    base = measured["full_scan"]["p95"] * 1000
    ms = {
        key: measured[key]["p95"] * 1000
        for key in ("portfolio", "customer_first_page", "customer_page_http")
    }
    return Result(
        name="aging",
        scale=scale,
        figures=[
            Figure("full-scan SQL aging p95 (baseline)", base, "ms"),
            Figure(
                "portfolio aging summary p95",
                ms["portfolio"],
                "ms",
                base,
                "full-scan SQL",
                "<= 300 ms",
            ),
            Figure(
                "customer aging, first 50 rows p95",
                ms["customer_first_page"],
                "ms",
                base,
                "full-scan SQL",
                "<= 500 ms",
            ),
            Figure(
                "customer aging page over HTTP p95",
                ms["customer_page_http"],
                "ms",
                base,
                "full-scan SQL",
                "<= 500 ms",
            ),
            Figure("open invoices", measured["open_invoices"], ""),
            Figure("invoices", measured["invoices"], ""),
        ],
        details={**measured, "totals_reconcile_to_open_invoices": measured["reconciles"]},
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        result = run(scale=sys.argv[1] if len(sys.argv) > 1 else "small")
        print_result(result)
        save(result)
