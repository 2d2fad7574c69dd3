"""The backtest page: does the score separate good customers from bad ones?"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.scoring.presentation import default_rate_chart, ks_chart, percent, roc_chart
from credit.scoring.selectors import credit_backtest_list

RUNS_SHOWN = 10


@login_required
@permission_required("credit.view_creditbacktest", raise_exception=True)
def backtest(request: HttpRequest) -> HttpResponse:
    runs = list(credit_backtest_list()[:RUNS_SHOWN])
    latest = runs[0] if runs else None
    context = {"backtest": latest, "runs": runs}
    if latest is not None:
        context.update(
            grades=[
                {**row, "default_rate_percent": percent(row["default_rate"]),
                 "pd_percent": percent(row["probability_of_default"])}
                for row in latest.grades
            ],
            grade_names=list(latest.migration),
            migration=[(before, list(row.values())) for before, row in latest.migration.items()],
            rate_chart=default_rate_chart(latest),
            roc_chart=roc_chart(latest) if latest.roc else None,
            ks_chart=ks_chart(latest) if latest.ks_curve else None,
        )  # fmt: skip
    return render(request, "credit/backtest.html", context)
