"""Pages of the collections worklist: the queue and the customer panel.

Every action is a small POST form that calls one service and redirects back to
the panel (post/redirect/get), with the outcome or the service's error message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import roles
from crm.exceptions import ApplicationError
from customers.models import Customer
from customers.selectors import customer_get
from receivables.collections import services
from receivables.collections.forms import (
    ActivityForm,
    AssignForm,
    DisputeForm,
    FollowUpForm,
    PromiseForm,
    SendNoticeForm,
    WorklistFilterForm,
)
from receivables.collections.priority import WorklistFilters, worklist_page
from receivables.collections.reasons import worklist_reasons
from receivables.collections.selectors import clerk_choices, customer_panel
from receivables.dunning.manual import dunning_notice_send_manual, user_may_send_notices
from receivables.dunning.preview import dunning_preview
from receivables.models import Invoice
from receivables.services.balances import bucket_edges

VIEW = "receivables.view_collectioncase"


@login_required
@permission_required(VIEW, raise_exception=True)
def worklist(request: HttpRequest) -> HttpResponse:
    sales_reps = list(
        get_user_model()
        .objects.filter(groups__name=roles.SALES_REP, is_active=True)
        .order_by("username")
        .values_list("pk", "username")
    )
    form = WorklistFilterForm(request.GET or None, edges=bucket_edges(), sales_reps=sales_reps)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "rows": [], "page": 1, "has_next": False, "query": ""}
        return render(request, "receivables/worklist.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    page = data.get("page") or 1
    filters = WorklistFilters(
        assigned_to_me=bool(data.get("mine")),
        unassigned=bool(data.get("unassigned")),
        tier=data.get("tier") or "",
        bucket=data.get("bucket"),
        region=data.get("region") or "",
        sales_rep_id=data.get("sales_rep"),
        follow_up_due=bool(data.get("follow_up_due")),
    )
    rows, has_next = worklist_page(
        user=request.user, today=timezone.localdate(), filters=filters, page=page
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": [(row, worklist_reasons(row)) for row in rows],
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        "may_work": services.user_may_work_cases(request.user),
        "next_url": request.get_full_path(),
    }
    return render(request, "receivables/worklist.html", context)


def _visible_customer(request: HttpRequest, customer_id: int) -> Customer:
    customer = customer_get(user=request.user, customer_id=customer_id)
    if customer is None:
        raise Http404(_("No such customer, or not one of yours."))
    return customer


def _open_invoices(customer: Customer) -> Any:
    return Invoice.objects.filter(customer=customer, open_amount__gt=0).order_by("due_date", "pk")


@login_required
@permission_required(VIEW, raise_exception=True)
def worklist_customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _visible_customer(request, customer_id)
    panel = customer_panel(customer=customer)
    may_work = services.user_may_work_cases(request.user)
    may_send = user_may_send_notices(request.user)
    preview = (
        dunning_preview(customer=customer, run_date=timezone.localdate()) if may_work else None
    )
    invoices = _open_invoices(customer)
    context = {
        "panel": panel,
        "customer": customer,
        "may_work": may_work,
        "may_assign": services.user_may_assign_cases(request.user),
        "may_send": may_send,
        "is_mine": bool(panel.case and panel.case.assignee_id == request.user.pk),
        "preview": preview,
        "activity_form": ActivityForm(),
        "follow_up_form": FollowUpForm(
            initial={"follow_up_on": panel.case.next_follow_up_on if panel.case else None}
        ),
        "promise_form": PromiseForm(invoices=invoices),
        "dispute_form": DisputeForm(invoices=invoices.filter(is_disputed=False)),
        "assign_form": AssignForm(clerks=clerk_choices()),
        "send_form": SendNoticeForm(
            levels=preview.levels if preview else [],
            initial={"request_token": uuid.uuid4().hex},
        ),
    }
    return render(request, "receivables/worklist_panel.html", context)


def _act(
    request: HttpRequest,
    customer_id: int,
    form_class: type | None,
    call: Callable[[Customer, dict], str],
    form_kwargs: Callable[[Customer], dict] | None = None,
) -> HttpResponse:
    """Parse the form, call the service, say what happened, go back to the panel."""
    customer = _visible_customer(request, customer_id)
    panel_url = reverse("receivables:worklist-customer", args=[customer.pk])
    data: dict = {}
    if form_class is not None:
        form = form_class(request.POST, **(form_kwargs(customer) if form_kwargs else {}))
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.error(
                    request, f"{label}: {' '.join(errors)}" if label else " ".join(errors)
                )
            return HttpResponseRedirect(panel_url)
        data = form.cleaned_data
    try:
        done = call(customer, data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    target = request.POST.get("next", "")
    if target.startswith("/receivables/worklist/") and "//" not in target:
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(panel_url)


@login_required
@require_POST
def worklist_claim(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        services.collection_case_claim(customer=customer, user=request.user)
        return _("You now work %(customer)s.") % {"customer": customer.name}

    return _act(request, customer_id, None, call)


@login_required
@require_POST
def worklist_release(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        services.collection_case_release(customer=customer, user=request.user)
        return _("%(customer)s is back in the queue.") % {"customer": customer.name}

    return _act(request, customer_id, None, call)


@login_required
@require_POST
def worklist_assign(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        services.collection_case_assign(
            customer=customer, assignee=data["assignee"], user=request.user
        )
        return _("Assigned to %(clerk)s.") % {"clerk": data["assignee"].get_username()}

    return _act(
        request, customer_id, AssignForm, call, lambda customer: {"clerks": clerk_choices()}
    )


@login_required
@require_POST
def worklist_log(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        services.collection_activity_log(
            customer=customer, kind=data["kind"], outcome=data["outcome"], user=request.user
        )
        return _("Activity logged.")

    return _act(request, customer_id, ActivityForm, call)


@login_required
@require_POST
def worklist_follow_up(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        services.collection_case_follow_up_set(
            customer=customer, follow_up_on=data["follow_up_on"], user=request.user
        )
        return _("Follow-up saved.")

    return _act(request, customer_id, FollowUpForm, call)


@login_required
@require_POST
def worklist_promise(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        services.collection_promise_record(
            customer=customer,
            amount=data["amount"],
            promised_date=data["promised_date"],
            invoices=list(data["invoices"]),
            note=data["note"],
            user=request.user,
        )
        return _("Promise to pay recorded.")

    return _act(
        request,
        customer_id,
        PromiseForm,
        call,
        lambda customer: {"invoices": _open_invoices(customer)},
    )


@login_required
@require_POST
def worklist_dispute(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        services.collection_dispute_open(
            customer=customer, invoice=data["invoice"], reason=data["reason"], user=request.user
        )
        return _("Dispute opened; dunning pauses on %(number)s.") % {
            "number": data["invoice"].number
        }

    return _act(
        request,
        customer_id,
        DisputeForm,
        call,
        lambda customer: {"invoices": _open_invoices(customer)},
    )


@login_required
@require_POST
def worklist_send(request: HttpRequest, customer_id: int) -> HttpResponse:
    def call(customer: Customer, data: dict) -> str:
        created = dunning_notice_send_manual(
            customer=customer,
            level=data["level"],
            request_token=data["request_token"],
            user=request.user,
        )[1]
        if not created:
            return _("This form was already sent; the notice was not sent twice.")
        return _("Level %(level)s notice queued for sending.") % {"level": data["level"].position}

    def levels(customer: Customer) -> dict:
        return {"levels": dunning_preview(customer=customer, run_date=timezone.localdate()).levels}

    return _act(request, customer_id, SendNoticeForm, call, levels)
