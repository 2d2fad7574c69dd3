"""Pages of the analytics app: the finance dashboard, my customers, churn warnings, loss makers.

Thin views over the selectors in ``analytics.kpis``; every table can be
downloaded as CSV or XLSX through ``export``.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import exports
from analytics.charts import line_chart
from analytics.forms import KpiFilterForm, MyCustomersFilterForm, TierWhatIfForm
from analytics.kpis.customers import (
    churn_warning_list,
    churn_warning_top,
    customer_amounts_rounded,
    loss_maker_list,
    loss_maker_top,
    my_customer_list,
    pipeline_progress,
)
from analytics.kpis.selectors import (
    kpi_latest_list,
    kpi_snapshot_list,
    kpi_trend,
    tier_distribution,
)
from analytics.models import KpiDimension, KpiSnapshot
from analytics.tiering.rules import RuleSpec
from analytics.tiering.services import tier_what_if_for_rule as what_if_for_rule
from crm.charts import bar_chart
from crm.db import PAGE_MAX
from crm.exceptions import ApplicationError, ValidationFailed
from customers.models import Region, Tier

PAGE_SIZE = 50
DASHBOARD_LIST_SIZE = 10
_TIER_CLASS = {Tier.VIP: "vip", Tier.NORMAL: "", Tier.HIGH_RISK: "late"}


def kpi_label(row: KpiSnapshot) -> str:
    """What a person reads for a snapshot row: translated tier and region names, the rep's name."""
    if row.dimension == KpiDimension.TIER and row.key in Tier.values:
        return str(Tier(row.key).label)
    if row.dimension == KpiDimension.REGION and row.key in Region.values:
        return str(Region(row.key).label)
    if row.dimension == KpiDimension.SALES_REP:
        return row.label or _("No sales rep")
    return _("Whole portfolio")


def _bucket_class(index: int) -> str:
    if index == 0:
        return ""
    return "overdue" if index <= 2 else "late"


def _page(request: HttpRequest, rows: Any, page: int) -> dict[str, Any]:
    """One page of a queryset (one query; a look-ahead row says whether there is a next page)."""
    window = list(rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return {
        "rows": window[:PAGE_SIZE],
        "page": page,
        "has_next": len(window) > PAGE_SIZE,
        "query": query.urlencode(),
    }


@login_required
@permission_required("analytics.view_kpisnapshot", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    latest = kpi_latest_list(
        dimensions=(KpiDimension.PORTFOLIO, KpiDimension.TIER, KpiDimension.REGION)
    )
    portfolio = next((row for row in latest if row.dimension == KpiDimension.PORTFOLIO), None)
    # Tiers and regions here; the (many) sales reps on the KPI page, one link away.
    breakdown = [
        (row, kpi_label(row))
        for row in latest
        if row.dimension in (KpiDimension.TIER, KpiDimension.REGION)
    ]
    trend = kpi_trend(days=settings.ANALYTICS_DASHBOARD_TREND_DAYS)
    labels = [row.as_of.isoformat() for row in trend]
    dso_chart = line_chart(
        [
            (_("DSO"), "dso", [row.dso for row in trend]),
            (_("Countback DSO"), "countback", [row.countback_dso for row in trend]),
            (_("Best possible DSO"), "best", [row.best_possible_dso for row in trend]),
        ],
        labels=labels,
        title=_("Days sales outstanding, daily"),
    )
    cei_chart = line_chart(
        [(_("CEI (%)"), "cei", [row.collection_effectiveness_index for row in trend])],
        labels=labels,
        title=_("Collection effectiveness index (%), daily"),
    )
    # The aging of the snapshot day in the base currency (stored with the KPIs), so the
    # dashboard does not sum every customer's balance per request; the live aging
    # report is one link away.
    aging_charts = []
    if portfolio is not None and portfolio.aging_buckets:
        items = [
            (bucket["label"], Decimal(bucket["amount"]), _bucket_class(index))
            for index, bucket in enumerate(portfolio.aging_buckets)
        ]
        if any(amount for _label, amount, _css in items):
            title = _("Open receivables by days past due, %(currency)s") % {
                "currency": portfolio.currency
            }
            aging_charts.append(bar_chart(items, title=title))
    tiers = tier_distribution()
    tier_chart = bar_chart(
        [(str(Tier(tier).label), count, _TIER_CLASS[tier]) for tier, count in tiers],
        title=_("Customers per tier"),
        width=360,
    )
    context = {
        "portfolio": portfolio,
        "breakdown": breakdown,
        "dso_chart": dso_chart,
        "cei_chart": cei_chart,
        "has_trend": bool(trend),
        "aging_charts": aging_charts,
        "tier_chart": tier_chart,
        "tiers": [(Tier(tier).label, count) for tier, count in tiers],
        "loss_makers": loss_maker_top(user=request.user, limit=DASHBOARD_LIST_SIZE),
        "churn_warnings": churn_warning_top(user=request.user, limit=DASHBOARD_LIST_SIZE),
        "progress": pipeline_progress(),
    }
    return render(request, "analytics/dashboard.html", context)


@login_required
@permission_required("analytics.view_pipelinerun", raise_exception=True)
def pipeline_progress_json(request: HttpRequest) -> JsonResponse:
    """The latest pipeline run's progress, polled by the dashboard while a run is going."""
    return JsonResponse(asdict(pipeline_progress()))


def _my_customers(request: HttpRequest) -> tuple[MyCustomersFilterForm, Any]:
    form = MyCustomersFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    customers = my_customer_list(
        user=request.user,
        as_of=timezone.localdate(),
        tier=data.get("tier") or None,
        segment=data.get("segment") or None,
        churn_warning_only=bool(data.get("churn")),
        search=data.get("q") or "",
        sort=data.get("sort") or "code",
    )
    return form, customers


@login_required
@permission_required("analytics.view_customermetrics", raise_exception=True)
def my_customers(request: HttpRequest) -> HttpResponse:
    form, customers = _my_customers(request)
    if form.is_bound and not form.is_valid():
        return render(request, "analytics/my_customers.html", {"form": form}, status=400)
    page = (form.cleaned_data.get("page") or 1) if form.is_bound else 1
    context = {"form": form, **_page(request, customers, page)}
    context["rows"] = [customer_amounts_rounded(customer) for customer in context["rows"]]
    return render(request, "analytics/my_customers.html", context)


@login_required
@permission_required("analytics.view_customermetrics", raise_exception=True)
def churn_warnings(request: HttpRequest) -> HttpResponse:
    page = _page_number(request)
    context = _page(request, churn_warning_list(user=request.user), page)
    return render(request, "analytics/churn_warnings.html", context)


@login_required
@permission_required("analytics.view_customermetrics", raise_exception=True)
def loss_makers(request: HttpRequest) -> HttpResponse:
    page = _page_number(request)
    context = _page(request, loss_maker_list(user=request.user), page)
    return render(request, "analytics/loss_makers.html", context)


@login_required
@permission_required("analytics.view_kpisnapshot", raise_exception=True)
def kpis(request: HttpRequest) -> HttpResponse:
    """Every stored snapshot row, filtered by dimension and dates (newest first)."""
    form = KpiFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "analytics/kpis.html", {"form": form}, status=400)
    rows = _kpi_rows(form)
    context = {"form": form, **_page(request, rows, _page_number(request))}
    context["rows"] = [(row, kpi_label(row)) for row in context["rows"]]
    return render(request, "analytics/kpis.html", context)


def _kpi_rows(form: KpiFilterForm) -> Any:
    data = form.cleaned_data if form.is_bound else {}
    return kpi_snapshot_list(
        dimension=data.get("dimension") or None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def _page_number(request: HttpRequest) -> int:
    """The page asked for, from 1 to PAGE_MAX (anything else reads as the nearest end:
    a huge number would overflow the database's offset)."""
    try:
        return min(max(int(request.GET.get("page", 1)), 1), PAGE_MAX)
    except ValueError:
        return 1


# table -> the permission that opens its page
EXPORT_PERMISSIONS = {
    "kpis": "analytics.view_kpisnapshot",
    "tiers": "analytics.view_kpisnapshot",
    "loss-makers": "analytics.view_customermetrics",
    "churn-warnings": "analytics.view_customermetrics",
    "my-customers": "analytics.view_customermetrics",
}


def _export_source(request: HttpRequest, table: str) -> tuple[Any, list[exports.Column]]:
    user = request.user
    if table == "kpis":
        form = KpiFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            raise ValidationFailed(
                _("The filters are invalid: %(errors)s") % {"errors": form.errors.as_text()},
                code="invalid_filters",
            )
        return _kpi_rows(form).iterator(), exports.KPI_TABLE
    if table == "tiers":
        return tier_distribution(), exports.TIER_TABLE
    if table == "loss-makers":
        return loss_maker_list(user=user).iterator(chunk_size=2000), exports.LOSS_MAKER_TABLE
    if table == "churn-warnings":
        rows = churn_warning_list(user=user).iterator(chunk_size=2000)
        return rows, exports.CHURN_WARNING_TABLE
    _form, customers = _my_customers(request)
    rows = map(customer_amounts_rounded, customers.iterator(chunk_size=2000))
    return rows, exports.MY_CUSTOMERS_TABLE


@login_required
def export(request: HttpRequest, table: str) -> HttpResponse:
    """``/analytics/export/<table>/?format=csv|xlsx`` with the filters of the page."""
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.CONTENT_TYPES:
        raise Http404(_("Unknown format; use csv or xlsx."))
    if table not in EXPORT_PERMISSIONS:
        raise Http404(_("No such table."))
    if not request.user.has_perm(EXPORT_PERMISSIONS[table]):
        raise PermissionDenied
    try:
        rows, table_columns = _export_source(request, table)
    except ValidationFailed as error:
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    filename = f"{table}-{timezone.localdate().isoformat()}"
    return exports.export_response(
        table=table_columns, rows=rows, filename=filename, file_format=file_format
    )


@login_required
@permission_required("analytics.change_tierrule", raise_exception=True)
def tier_what_if(request: HttpRequest) -> HttpResponse:
    """Change one rule's thresholds and see how many customers would move between tiers.

    Nothing is saved: the preview calls the tiering service's what-if on the
    active rule set with this rule replaced; an overlap or a gap is shown with
    the reason. Rules are saved in the back office.
    """
    form = TierWhatIfForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "moves": None, "problem": ""}
    if "rule" in request.GET and "preview" not in request.GET and form.is_valid():
        rule = form.cleaned_data["rule"]
        # Chosen a rule: show its current thresholds to edit.
        initial = {name: getattr(rule, name) for name in TierWhatIfForm.BOUNDS}
        context["form"] = TierWhatIfForm(initial={"rule": rule.pk, **initial})
    elif "preview" in request.GET and form.is_valid():
        rule = form.cleaned_data["rule"]
        changed = replace(
            RuleSpec.from_model(rule),
            **{name: form.cleaned_data[name] for name in TierWhatIfForm.BOUNDS},
        )
        try:
            moves = what_if_for_rule(rule=changed, replacing_id=rule.pk)
        except ApplicationError as error:
            context["problem"] = error.message
        else:
            labels = dict(Tier.choices)
            context["moves"] = [
                (labels.get(old, old), labels.get(new, new), count, old != new)
                for (old, new), count in sorted(moves.items())
            ]
            context["moving"] = sum(count for (old, new), count in moves.items() if old != new)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "analytics/tier_what_if.html", context, status=status)
