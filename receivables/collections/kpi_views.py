"""The clerk KPIs page (and its CSV download)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from receivables.collections.forms import KpiFilterForm
from receivables.collections.kpis import clerk_kpis, kpi_table
from receivables.collections.selectors import clerk_choices
from receivables.collections.services import WORK_PERMISSION
from receivables.exports import table_response

DEFAULT_WEEKS = 8


@login_required
@permission_required(WORK_PERMISSION, raise_exception=True)
def worklist_kpis(request: HttpRequest) -> HttpResponse:
    form = KpiFilterForm(request.GET or None, clerks=clerk_choices())
    if form.is_bound and not form.is_valid():
        return render(
            request, "receivables/worklist_kpis.html", {"form": form, "kpis": None}, status=400
        )
    data = form.cleaned_data if form.is_bound else {}
    today = timezone.localdate()
    date_to = data.get("date_to") or today
    date_from = data.get("date_from") or (
        date_to - timedelta(days=date_to.weekday()) - timedelta(weeks=DEFAULT_WEEKS - 1)
    )
    clerk = data.get("clerk")
    kpis = clerk_kpis(date_from=date_from, date_to=date_to, clerk_id=clerk.pk if clerk else None)
    if request.GET.get("format") == "csv":
        headers, rows = kpi_table(kpis)
        return table_response(
            headers=headers,
            rows=rows,
            filename=f"clerk-kpis-{date_from}-{date_to}",
            file_format="csv",
        )
    query = request.GET.copy()
    query.pop("format", None)
    context = {"form": form, "kpis": kpis, "query": query.urlencode()}
    return render(request, "receivables/worklist_kpis.html", context)
