"""Customer statements from the customer list: download one as PDF, or render
many in the background.

The actions belong to receivables (statements are a receivables document) but
show in the customers' admin. The customers app must not depend on receivables,
so they are contributed through ``crm.admin.contribute_actions``: the customer
admin (a ``RowActionsMixin``) offers whatever was contributed for its model,
and this module imports nothing of the customers' admin.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from crm.admin import AdminAction, contribute_actions
from customers.models import Customer
from receivables.statements import statement_data, statement_pdf
from receivables.tasks import statements_render as statements_render_task

BATCH_SIZE = 200  # customers per background task
_PERMISSION = "receivables.view_invoice"  # a statement lists the customer's invoices


class StatementDownload(AdminAction):
    name = "statement_download"
    description = _("Download the statement (PDF) of one customer")
    button_label = _("Statement (PDF)")
    permission = _PERMISSION
    single_row = True
    on_change_page = True

    def label(self, row: Model) -> str:
        return _t("customer %(code)s") % {"code": row.code}

    def perform(
        self, modeladmin: Any, request: HttpRequest, rows: list[Model], form: forms.Form | None
    ) -> HttpResponse:
        customer = rows[0]
        data = statement_data(customer=customer)
        response = HttpResponse(statement_pdf(data), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="statement-{customer.code}-{data.as_of}.pdf"'
        )
        return response


class StatementsRender(AdminAction):
    name = "statements_render"
    description = _("Render the statements of selected customers in the background")
    permission = _PERMISSION
    max_rows = None  # only ids are read: a whole filtered list is fine

    def selected_rows(
        self, modeladmin: Any, request: HttpRequest, queryset: QuerySet
    ) -> list[Model] | None:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return super().selected_rows(modeladmin, request, queryset.none())
        return [Customer(pk=pk) for pk in ids]  # ids only; the task re-fetches

    def perform(
        self, modeladmin: Any, request: HttpRequest, rows: list[Model], form: forms.Form | None
    ) -> None:
        as_of = timezone.localdate()
        ids = [row.pk for row in rows]
        batches = [ids[start : start + BATCH_SIZE] for start in range(0, len(ids), BATCH_SIZE)]
        for batch in batches:
            transaction.on_commit(
                partial(statements_render_task.delay, customer_ids=batch, as_of=as_of.isoformat())
            )
        text = _t(
            "Rendering the statements of %(count)d customers in the background "
            "(%(batches)d tasks of up to %(size)d). The PDFs go to the default file storage "
            "under statements/%(date)s/<customer code>.pdf; rendering again today replaces them."
        )
        values = {
            "count": len(ids),
            "batches": len(batches),
            "size": BATCH_SIZE,
            "date": f"{as_of:%Y-%m-%d}",
        }
        modeladmin.message_user(request, text % values, messages.SUCCESS)
        return None


contribute_actions(Customer, StatementDownload(), StatementsRender())
