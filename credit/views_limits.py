"""Pages for credit-limit requests: the approvals inbox and a customer's limits.

Thin views: each parses a form, calls one service or selector and renders. A
refusal of a service is shown on the page with its HTTP status (403 own
request, 409 already decided, 400 bad input).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credit.forms_limits import DecisionForm, LimitRequestForm
from credit.selectors import credit_profile_get
from credit.selectors_limits import (
    credit_limit_history,
    credit_limit_request_inbox,
    credit_limit_request_list,
    credit_limit_request_waiting_statuses,
    customer_payment_histories,
)
from credit.services import (
    credit_limit_request_cancel,
    credit_limit_request_create,
    credit_limit_request_decide,
)
from crm.exceptions import ApplicationError
from customers.selectors import customer_get

VIEW_PERMISSION = "credit.view_creditlimitrequest"


def _inbox_context(request: HttpRequest) -> dict:
    return {"rows": credit_limit_request_inbox(user=request.user), "decision_form": DecisionForm()}


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """Requests waiting for the user's decision (credit managers; finance admins
    for second approvals)."""
    if not credit_limit_request_waiting_statuses(user=request.user):
        raise DjangoPermissionDenied(_("Only credit managers and finance admins decide limits."))
    return render(request, "credit/approvals.html", _inbox_context(request))


@login_required
@require_POST
def approval_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    if not credit_limit_request_waiting_statuses(user=request.user):
        raise DjangoPermissionDenied(_("Only credit managers and finance admins decide limits."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if "decision" in form.errors:
            messages.error(request, _("Choose approve or reject."))
        else:
            messages.error(request, _("This page is out of date; reload it and decide again."))
        return redirect("credit_limits:approvals")
    try:
        decided = credit_limit_request_decide(
            request_id=request_id,
            user=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            expected_status=form.cleaned_data["expected_status"],
            comment=form.cleaned_data["comment"],
        )
    except ApplicationError as error:
        context = {**_inbox_context(request), "error": error, "error_request_id": request_id}
        return render(request, "credit/approvals.html", context, status=error.status_code)
    messages.success(
        request,
        _("Request #%(number)s for %(customer)s: %(status)s.")
        % {
            "number": decided.pk,
            "customer": decided.customer.code,
            "status": decided.get_status_display(),
        },
    )
    return redirect("credit_limits:approvals")


def _customer_or_404(request: HttpRequest, customer_id: int):
    customer = customer_get(user=request.user, customer_id=customer_id)
    if customer is None:
        raise Http404(_("No such customer, or not one of yours."))
    return customer


def _limits_context(request: HttpRequest, customer, form: LimitRequestForm | None = None) -> dict:
    return {
        "customer": customer,
        "profile": credit_profile_get(customer=customer),
        "requests": credit_limit_request_list(user=request.user).filter(customer=customer)[:50],
        "history": credit_limit_history(customer=customer),
        "payment_history": customer_payment_histories(customer_ids=[customer.pk])[customer.pk],
        "form": form or LimitRequestForm(),
        "can_request": request.user.has_perm("credit.add_creditlimitrequest"),
    }


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def customer_limits(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's limit, its requests and the history of limit and hold changes."""
    customer = _customer_or_404(request, customer_id)
    return render(request, "credit/limit_requests.html", _limits_context(request, customer))


@login_required
@require_POST
@permission_required("credit.add_creditlimitrequest", raise_exception=True)
def limit_request_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(request, customer_id)
    form = LimitRequestForm(request.POST)
    if form.is_valid():
        try:
            created = credit_limit_request_create(
                customer_id=customer.pk, user=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            for field, texts in (error.extra.get("fields") or {}).items():
                if field in form.fields:
                    for text in texts:
                        form.add_error(field, str(text))
            if not form.errors:
                form.add_error(None, error.message)
            context = _limits_context(request, customer, form)
            return render(request, "credit/limit_requests.html", context, status=error.status_code)
        messages.success(
            request,
            _("Limit request #%(number)s sent; a credit manager will decide it.")
            % {"number": created.pk},
        )
        return redirect("credit_limits:customer-limits", customer_id=customer.pk)
    context = _limits_context(request, customer, form)
    return render(request, "credit/limit_requests.html", context, status=400)


@login_required
@require_POST
@permission_required("credit.add_creditlimitrequest", raise_exception=True)
def limit_request_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    visible = credit_limit_request_list(user=request.user).filter(pk=request_id).first()
    if visible is None:
        raise Http404(_("No such limit request."))
    try:
        credit_limit_request_cancel(request_id=visible.pk, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Limit request #%(number)s cancelled.") % {"number": visible.pk}
        )
    return redirect("credit_limits:customer-limits", customer_id=visible.customer_id)
