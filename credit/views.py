"""Pages of the credit app: thin views over selectors and services."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credit.forms import CreditCheckForm, HoldForm, PageForm, ReviewForm
from credit.selectors import (
    CreditPosition,
    credit_hold_event_list,
    credit_position_get,
    credit_review_list,
    credit_review_queue,
    credit_review_schedule_get,
    customer_credit_checks,
    customer_open_orders,
)
from credit.services import (
    credit_check_run,
    credit_hold_place,
    credit_hold_release,
    credit_profile_ensure,
    credit_review_complete,
)
from crm.db import ID_MAX
from crm.exceptions import ApplicationError
from customers.selectors import customer_list

PAGE_SIZE = 50
HISTORY_SIZE = 20


def _position_or_404(request: HttpRequest, customer_id: int) -> CreditPosition:
    position = credit_position_get(customer_id=customer_id, user=request.user)
    if position is None and 0 < customer_id <= ID_MAX:
        # A visible customer without a profile yet (bulk-loaded): give it the default
        # one, as the hold services do, rather than a 404 for a customer that exists.
        visible = customer_list(user=request.user).filter(
            pk=customer_id, credit_profile__isnull=True
        )
        if visible.exists() and credit_profile_ensure(customer_id=customer_id):
            position = credit_position_get(customer_id=customer_id, user=request.user)
    if position is None:
        raise Http404(_("No such customer, or not one of yours."))
    return position


@login_required
@permission_required("credit.view_creditprofile", raise_exception=True)
def customer_credit(request: HttpRequest, customer_id: int) -> HttpResponse:
    position = _position_or_404(request, customer_id)
    customer = position.customer
    context = {
        "position": position,
        "customer": customer,
        "hold_events": credit_hold_event_list(customer=customer)[:HISTORY_SIZE],
        "open_orders": customer_open_orders(customer=customer)[:HISTORY_SIZE],
        "checks": customer_credit_checks(customer=customer)[:10],
        "schedule": credit_review_schedule_get(customer=customer),
        "reviews": credit_review_list(customer=customer)[:10],
        "hold_form": HoldForm(),
        "review_form": ReviewForm(),
    }
    return render(request, "credit/customer.html", context)


def _post_service(
    request: HttpRequest, customer_id: int, form: HoldForm | ReviewForm, call: Callable[[], object]
) -> HttpResponse:
    _position_or_404(request, customer_id)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        try:
            call()
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
    return redirect("credit:customer", customer_id=customer_id)


def _post_hold(
    request: HttpRequest, customer_id: int, service: Callable[..., object]
) -> HttpResponse:
    """Place or release the hold through ``service``, with the reason from the hold form."""
    form = HoldForm(request.POST)
    return _post_service(
        request,
        customer_id,
        form,
        lambda: service(
            customer_id=customer_id, reason=form.cleaned_data["reason"], user=request.user
        ),
    )


@login_required
@permission_required("credit.place_credit_hold", raise_exception=True)
@require_POST
def hold_place(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _post_hold(request, customer_id, credit_hold_place)


@login_required
@permission_required("credit.release_credit_hold", raise_exception=True)
@require_POST
def hold_release(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _post_hold(request, customer_id, credit_hold_release)


@login_required
@permission_required("credit.add_creditreview", raise_exception=True)
@require_POST
def review_complete(request: HttpRequest, customer_id: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    return _post_service(
        request,
        customer_id,
        form,
        lambda: credit_review_complete(
            customer_id=customer_id,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            user=request.user,
        ),
    )


@login_required
@permission_required("credit.add_creditcheck", raise_exception=True)
def credit_check(request: HttpRequest) -> HttpResponse:
    """A sales rep asks whether an order for one of their customers passes."""
    form = CreditCheckForm(request.POST or None)
    check = error = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            customer = (
                customer_list(user=request.user).filter(code=data["customer"].strip()).first()
            )
            if customer is None:
                form.add_error("customer", _("No customer with this code is one you can see."))
            else:
                try:
                    check, _created = credit_check_run(
                        customer_id=customer.pk,
                        order_amount=data["order_amount"],
                        currency=data["currency"] or customer.currency,
                        order_reference=data["order_reference"],
                        user=request.user,
                    )
                except ApplicationError as application_error:
                    error = application_error.message
        if check is None:
            status = 400
    customers = customer_list(user=request.user).order_by("code").values("code", "name")[:200]
    context = {"form": form, "check": check, "error": error, "customers": customers}
    return render(request, "credit/check.html", context, status=status)


@login_required
@permission_required("credit.add_creditreview", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    form = PageForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A page number that is not a whole number from 1 to PAGE_MAX: say so (400),
        # as the other list pages do, instead of guessing.
        context = {"rows": [], "page": 1, "has_next": False, "form": form}
        return render(request, "credit/reviews.html", context, status=400)
    page = (form.cleaned_data.get("page") if form.is_bound else None) or 1
    rows = list(
        credit_review_queue(user=request.user)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1]
    )
    context = {
        "rows": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
    }
    return render(request, "credit/reviews.html", context)
