"""Pages of the receivables app: thin views over selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.charts import bar_chart
from customers.models import Region, Tier
from customers.selectors import customer_get
from receivables.aging import aging_report
from receivables.exports import CONTENT_TYPES, aging_table, table_response
from receivables.forms import AgingFilterForm
from receivables.statements import statement_data, statement_pdf

PAGE_SIZE = 50


@login_required
@permission_required("receivables.view_invoice", raise_exception=True)
def aging(request: HttpRequest) -> HttpResponse:
    form = AgingFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "receivables/aging.html", {"form": form, "report": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    as_of = data.get("as_of") or timezone.localdate()
    group_by = data.get("group_by") or "customer"
    file_format = request.GET.get("format")
    exporting = file_format in CONTENT_TYPES
    page = data.get("page") or 1
    report = aging_report(
        user=request.user,
        as_of=as_of,
        group_by=group_by,
        currency=data.get("currency") or None,
        limit=None if exporting else PAGE_SIZE,
        offset=0 if exporting else (page - 1) * PAGE_SIZE,
    )
    if exporting:
        headers, rows = aging_table(report)
        return table_response(
            headers=headers,
            rows=rows,
            filename=f"aging-{group_by}-{as_of}",
            file_format=file_format,
        )
    charts = [
        bar_chart(
            [
                (bucket.label, totals.buckets[bucket.key], _bucket_class(index))
                for index, bucket in enumerate(report.buckets)
            ],
            title=_("Open receivables by days past due, %(currency)s") % {"currency": currency},
        )
        for currency, totals in sorted(report.totals.items())
    ]
    labelled_rows = [(row, _group_label(row.group, group_by)) for row in report.rows]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "report": report,
        "rows": labelled_rows,
        "charts": charts,
        "as_of": as_of,
        "group_by": group_by,
        "page": page,
        "has_next": page * PAGE_SIZE < report.row_count,
        "query": query.urlencode(),
    }
    return render(request, "receivables/aging.html", context)


def _group_label(group: dict, group_by: str) -> str:
    """What a person reads for a group: names and labels, not ids and codes."""
    if group_by == "customer":
        return f"{group['customer__code']} · {group['customer__name']}"
    if group_by == "sales_rep":
        return group["customer__sales_rep__username"] or _("No sales rep")
    if group_by == "region":
        return str(Region(group["customer__region"]).label)
    if group_by == "tier":
        return str(Tier(group["customer__tier"]).label)
    return _("All customers")


def _bucket_class(index: int) -> str:
    if index == 0:
        return ""
    return "overdue" if index <= 2 else "late"


@login_required
@permission_required("receivables.view_invoice", raise_exception=True)
def customer_statement(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's statement as a PDF, in the customer's language."""
    customer = customer_get(user=request.user, customer_id=customer_id)
    if customer is None:
        raise Http404(_("No such customer, or not one of yours."))
    data = statement_data(customer=customer)
    response = HttpResponse(statement_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{customer.code}-{data.as_of}.pdf"'
    )
    return response
