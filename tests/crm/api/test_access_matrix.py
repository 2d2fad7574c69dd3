"""Who may do what on every route under /api/v1/: one table, checked route by route.

The routes are discovered from the URL resolver, so a route added to a router
(or any other view under /api/v1/) without a row in MATRIX fails this test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import CustomerMetrics, PipelineRun
from credit.services import credit_limit_request_create, credit_limit_request_decide
from crm import roles
from receivables.services import allocation_create, dispute_open, promise_to_pay_create
from tests.factories.accounts import UserFactory
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    CreditNoteFactory,
    InvoiceFactory,
    PaymentFactory,
    WriteOffFactory,
)

ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
CLERK = roles.COLLECTIONS_CLERK
CREDIT = roles.CREDIT_MANAGER
REP = roles.SALES_REP
ADMIN = roles.FINANCE_ADMIN
INTEGRATOR = roles.INTEGRATOR
EVERY_ROLE = frozenset(roles.ROLES)
PUBLIC = "public"  # open to anyone, authenticated or not

# (basename or URL name, action or HTTP method) -> who may do it.
MATRIX: dict[tuple[str, str], frozenset[str] | str] = {
    ("customer", "list"): EVERY_ROLE,
    ("customer", "retrieve"): EVERY_ROLE,
    ("customer", "create"): frozenset({ADMIN, INTEGRATOR}),
    ("customer", "partial_update"): frozenset({ADMIN, INTEGRATOR}),
    ("contact", "list"): EVERY_ROLE,
    ("contact", "retrieve"): EVERY_ROLE,
    ("contact", "create"): frozenset({CLERK, REP, ADMIN, INTEGRATOR}),
    ("contact", "partial_update"): frozenset({CLERK, REP, ADMIN, INTEGRATOR}),
    ("contact", "destroy"): frozenset({ADMIN}),
    ("invoice", "list"): EVERY_ROLE,
    ("invoice", "retrieve"): EVERY_ROLE,
    ("invoice", "create"): frozenset({ADMIN, INTEGRATOR}),
    ("payment", "list"): EVERY_ROLE,
    ("payment", "retrieve"): EVERY_ROLE,
    ("payment", "create"): frozenset({ADMIN, INTEGRATOR}),
    ("allocation", "list"): EVERY_ROLE,
    ("allocation", "retrieve"): EVERY_ROLE,
    ("allocation", "create"): frozenset({ADMIN, INTEGRATOR}),
    ("invoice", "void"): frozenset({ADMIN, INTEGRATOR}),
    ("allocation", "unapply"): frozenset({ADMIN}),
    ("payment", "apply"): frozenset({ADMIN, INTEGRATOR}),
    ("credit-note", "list"): EVERY_ROLE,
    ("credit-note", "retrieve"): EVERY_ROLE,
    ("credit-note", "create"): frozenset({ADMIN, INTEGRATOR}),
    ("write-off", "list"): EVERY_ROLE,
    ("write-off", "retrieve"): EVERY_ROLE,
    ("write-off", "create"): frozenset({ADMIN}),
    ("dispute", "list"): EVERY_ROLE,
    ("dispute", "retrieve"): EVERY_ROLE,
    ("dispute", "create"): frozenset({CLERK, ADMIN}),
    ("dispute", "resolve"): frozenset({CLERK, ADMIN}),
    ("promise", "list"): EVERY_ROLE,
    ("promise", "retrieve"): EVERY_ROLE,
    ("promise", "create"): frozenset({CLERK, ADMIN}),
    ("promise", "cancel"): frozenset({CLERK, ADMIN}),
    ("aging", "list"): EVERY_ROLE,
    ("customer-statement", "list"): EVERY_ROLE,
    ("auth-token", "post"): PUBLIC,
    # credit scoring (#5): scores scoped like customers; backtests for credit and finance
    ("credit-score", "list"): EVERY_ROLE,
    ("credit-score", "retrieve"): EVERY_ROLE,
    ("credit-backtest", "list"): frozenset({CREDIT, ADMIN}),
    ("credit-backtest", "retrieve"): frozenset({CREDIT, ADMIN}),
    ("credit-backtest", "latest"): frozenset({CREDIT, ADMIN}),
    # credit operations (#5): credit checks and open orders
    ("credit-check", "list"): EVERY_ROLE,
    ("credit-check", "create"): frozenset({CREDIT, REP, ADMIN, INTEGRATOR}),
    ("open-order", "list"): EVERY_ROLE,
    ("open-order", "retrieve"): EVERY_ROLE,
    ("open-order", "create"): frozenset({ADMIN, INTEGRATOR}),
    ("open-order", "replace"): frozenset({ADMIN, INTEGRATOR}),
    ("open-order", "close"): frozenset({ADMIN, INTEGRATOR}),
    # Credit-limit requests (issue #5): the world's request waits for the caller's step
    # (a finance admin's world has one awaiting the second approval).
    ("credit-limit-request", "list"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("credit-limit-request", "retrieve"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("credit-limit-request", "create"): frozenset({CLERK, CREDIT, REP}),
    ("credit-limit-request", "approve"): frozenset({CREDIT, ADMIN}),
    ("credit-limit-request", "reject"): frozenset({CREDIT, ADMIN}),
    ("credit-limit-request", "cancel"): frozenset({CLERK, CREDIT, REP}),
    # Dunning (#4): pins to a policy; bounce reports from the mail provider's webhook.
    ("dunning-pin", "list"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("dunning-pin", "retrieve"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("dunning-pin", "create"): frozenset({ADMIN}),
    ("dunning-pin", "destroy"): frozenset({ADMIN}),
    ("dunning-bounce", "report"): frozenset({CLERK, ADMIN, INTEGRATOR}),
    # Collections worklist (#4)
    ("worklist", "list"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("worklist", "retrieve"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("worklist", "claim"): frozenset({CLERK, CREDIT, ADMIN}),
    ("worklist", "release"): frozenset({CLERK, CREDIT, ADMIN}),
    ("worklist", "assign"): frozenset({CREDIT, ADMIN}),
    ("worklist", "follow_up"): frozenset({CLERK, CREDIT, ADMIN}),
    ("worklist", "preview"): frozenset({CLERK, CREDIT, ADMIN}),
    ("worklist", "send_notice"): frozenset({CREDIT, ADMIN}),
    ("collection-activity", "list"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("collection-activity", "create"): frozenset({CLERK, CREDIT, ADMIN}),
    ("worklist-kpi", "list"): frozenset({CLERK, CREDIT, ADMIN}),
    # analytics (#6): portfolio KPIs for finance; customer figures scoped like customers
    ("analytics-kpi-snapshot", "list"): frozenset({CREDIT, ADMIN}),
    ("analytics-customer-metrics", "list"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("analytics-customer-metrics", "retrieve"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("analytics-loss-maker", "list"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("analytics-churn-warning", "list"): frozenset({CLERK, CREDIT, REP, ADMIN}),
    ("analytics-pipeline-run", "list"): frozenset({CREDIT, ADMIN}),
    ("analytics-pipeline-run", "retrieve"): frozenset({CREDIT, ADMIN}),
    ("worklist", "promise"): frozenset({CLERK, ADMIN}),
    ("worklist", "dispute"): frozenset({CLERK, ADMIN}),
}

CALLERS = (ANONYMOUS, NO_ROLE, *roles.ROLES)


@dataclass
class World:
    """One customer with a contact, an invoice, a payment and an allocation; an
    unsettled invoice (to void), a credit note, a write-off, a disputed invoice and
    an open promise to pay."""

    user: Any
    customer: Any
    contact: Any
    invoice: Any
    payment: Any
    allocation: Any
    spare_invoice: Any
    credit_note: Any
    write_off: Any
    dispute: Any
    promise: Any
    limit_request: Any = None
    own_limit_request: Any = None


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route, pattern


def _discovered_routes() -> list[tuple[str, str]]:
    """Every (basename, action) of a viewset and (URL name, method) of another view
    under /api/v1/."""
    found: set[tuple[str, str]] = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        callback = pattern.callback
        if hasattr(callback, "actions"):
            basename = callback.initkwargs["basename"]
            found.update((basename, action) for action in callback.actions.values())
        else:
            view_class = callback.view_class
            methods = [
                method
                for method in view_class.http_method_names
                if method not in ("options", "head") and hasattr(view_class, method)
            ]
            found.update((pattern.name, method) for method in methods)
    return sorted(found)


ROUTES = _discovered_routes()


def _detail(basename: str, pk: int) -> str:
    return reverse(f"{basename}-detail", args=[pk])


def _credit_score_pk(world: World) -> int:
    from credit.scoring.services import credit_scores_compute

    credit_scores_compute(customer_ids=[world.customer.pk])
    return world.customer.latest_credit_score.score_id


def _credit_backtest_pk() -> int:
    from credit.scoring.services import credit_backtest_run

    return credit_backtest_run().pk


def _in_a_week() -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


# (basename, action) -> (method, url, body) for a request that succeeds when allowed.
REQUESTS: dict[tuple[str, str], Callable[[World], tuple[str, str, dict | None]]] = {
    ("customer", "list"): lambda w: ("get", reverse("customer-list"), None),
    ("customer", "retrieve"): lambda w: ("get", _detail("customer", w.customer.pk), None),
    ("customer", "create"): lambda w: (
        "post",
        reverse("customer-list"),
        {
            "code": "NEW-1",
            "name": "New Co",
            "industry": "retail",
            "region": "europe",
            "sales_channel": "direct",
            "currency": "EUR",
        },
    ),
    ("customer", "partial_update"): lambda w: (
        "patch",
        _detail("customer", w.customer.pk),
        {"name": "Renamed Co"},
    ),
    ("contact", "list"): lambda w: ("get", reverse("contact-list"), None),
    ("contact", "retrieve"): lambda w: ("get", _detail("contact", w.contact.pk), None),
    ("contact", "create"): lambda w: (
        "post",
        reverse("contact-list"),
        {"customer": w.customer.pk, "name": "Ann Payer", "email": "ann@example.com"},
    ),
    ("contact", "partial_update"): lambda w: (
        "patch",
        _detail("contact", w.contact.pk),
        {"phone": "+1 555 0100"},
    ),
    ("contact", "destroy"): lambda w: ("delete", _detail("contact", w.contact.pk), None),
    ("invoice", "list"): lambda w: ("get", reverse("invoice-list"), None),
    ("invoice", "retrieve"): lambda w: ("get", _detail("invoice", w.invoice.pk), None),
    ("invoice", "create"): lambda w: (
        "post",
        reverse("invoice-list"),
        {
            "customer": w.customer.pk,
            "number": "INV-NEW-1",
            "issue_date": "2026-09-01",
            "total": "100.00",
        },
    ),
    ("payment", "list"): lambda w: ("get", reverse("payment-list"), None),
    ("payment", "retrieve"): lambda w: ("get", _detail("payment", w.payment.pk), None),
    ("payment", "create"): lambda w: (
        "post",
        reverse("payment-list"),
        {"customer": w.customer.pk, "received_date": "2026-10-01", "amount": "100.00"},
    ),
    ("allocation", "list"): lambda w: ("get", reverse("allocation-list"), None),
    ("allocation", "retrieve"): lambda w: ("get", _detail("allocation", w.allocation.pk), None),
    ("allocation", "create"): lambda w: (
        "post",
        reverse("allocation-list"),
        {"payment": w.payment.pk, "invoice": w.invoice.pk, "amount": "10.00"},
    ),
    ("invoice", "void"): lambda w: (
        "post",
        reverse("invoice-void", args=[w.spare_invoice.pk]),
        {"reason": "Posted twice"},
    ),
    ("allocation", "unapply"): lambda w: (
        "post",
        reverse("allocation-unapply", args=[w.allocation.pk]),
        None,
    ),
    ("payment", "apply"): lambda w: ("post", reverse("payment-apply", args=[w.payment.pk]), None),
    ("credit-note", "list"): lambda w: ("get", reverse("credit-note-list"), None),
    ("credit-note", "retrieve"): lambda w: (
        "get",
        _detail("credit-note", w.credit_note.pk),
        None,
    ),
    ("credit-note", "create"): lambda w: (
        "post",
        reverse("credit-note-list"),
        {"customer": w.customer.pk, "number": "CN-NEW-1", "amount": "10.00", "reason": "Damaged"},
    ),
    ("write-off", "list"): lambda w: ("get", reverse("write-off-list"), None),
    ("write-off", "retrieve"): lambda w: ("get", _detail("write-off", w.write_off.pk), None),
    ("write-off", "create"): lambda w: (
        "post",
        reverse("write-off-list"),
        {"invoice": w.invoice.pk, "amount": "10.00", "reason": "Small balance"},
    ),
    ("dispute", "list"): lambda w: ("get", reverse("dispute-list"), None),
    ("dispute", "retrieve"): lambda w: ("get", _detail("dispute", w.dispute.pk), None),
    ("dispute", "create"): lambda w: (
        "post",
        reverse("dispute-list"),
        {"invoice": w.invoice.pk, "reason": "Wrong quantity"},
    ),
    ("dispute", "resolve"): lambda w: (
        "post",
        reverse("dispute-resolve", args=[w.dispute.pk]),
        {"resolution": "Credit note issued"},
    ),
    ("promise", "list"): lambda w: ("get", reverse("promise-list"), None),
    ("promise", "retrieve"): lambda w: ("get", _detail("promise", w.promise.pk), None),
    ("promise", "create"): lambda w: (
        "post",
        reverse("promise-list"),
        {"customer": w.customer.pk, "amount": "100.00", "promised_date": _in_a_week()},
    ),
    ("promise", "cancel"): lambda w: (
        "post",
        reverse("promise-cancel", args=[w.promise.pk]),
        None,
    ),
    ("aging", "list"): lambda w: ("get", reverse("aging-list"), None),
    ("customer-statement", "list"): lambda w: (
        "get",
        reverse("customer-statement-list", kwargs={"customer_id": w.customer.pk}),
        None,
    ),
    ("auth-token", "post"): lambda w: (
        "post",
        reverse("auth-token"),
        {"username": w.user.username, "password": "correct horse battery staple"},
    ),
    ("credit-score", "list"): lambda w: ("get", reverse("credit-score-list"), None),
    ("credit-score", "retrieve"): lambda w: (
        "get",
        _detail("credit-score", _credit_score_pk(w)),
        None,
    ),
    ("credit-backtest", "list"): lambda w: ("get", reverse("credit-backtest-list"), None),
    ("credit-backtest", "retrieve"): lambda w: (
        "get",
        _detail("credit-backtest", _credit_backtest_pk()),
        None,
    ),
    ("credit-backtest", "latest"): lambda w: (
        "get",
        reverse("credit-backtest-latest") if _credit_backtest_pk() else "",
        None,
    ),
    ("credit-limit-request", "list"): lambda w: (
        "get",
        reverse("credit-limit-request-list"),
        None,
    ),
    ("credit-limit-request", "retrieve"): lambda w: (
        "get",
        _detail("credit-limit-request", w.limit_request.pk),
        None,
    ),
    ("credit-limit-request", "create"): lambda w: (
        "post",
        reverse("credit-limit-request-list"),
        {"customer": w.customer.pk, "requested_limit": "20000.00", "reason": "More orders"},
    ),
    ("credit-limit-request", "approve"): lambda w: (
        "post",
        reverse("credit-limit-request-approve", args=[w.limit_request.pk]),
        {"comment": "Fine"},
    ),
    ("credit-limit-request", "reject"): lambda w: (
        "post",
        reverse("credit-limit-request-reject", args=[w.limit_request.pk]),
        {"comment": "Too risky"},
    ),
    ("credit-limit-request", "cancel"): lambda w: (
        "post",
        reverse("credit-limit-request-cancel", args=[w.own_limit_request.pk]),
        None,
    ),
    ("dunning-pin", "list"): lambda w: ("get", reverse("dunning-pin-list"), None),
    ("dunning-pin", "retrieve"): lambda w: ("get", _detail("dunning-pin", _dunning_pin(w)), None),
    ("dunning-pin", "create"): lambda w: (
        "post",
        reverse("dunning-pin-list"),
        {"customer": w.customer.pk, "policy": _dunning_policy()},
    ),
    ("dunning-pin", "destroy"): lambda w: (
        "delete",
        _detail("dunning-pin", _dunning_pin(w)),
        None,
    ),
    ("dunning-bounce", "report"): lambda w: (
        "post",
        reverse("dunning-bounce-report"),
        {"message_id": _sent_dunning_notice(w), "reason": "550 5.1.1 unknown user"},
    ),
    # Collections worklist (#4)
    ("worklist", "list"): lambda w: ("get", reverse("worklist-list"), None),
    ("worklist", "retrieve"): lambda w: ("get", _detail("worklist", w.customer.pk), None),
    ("worklist", "claim"): lambda w: (
        "post",
        reverse("worklist-claim", args=[w.customer.pk]),
        None,
    ),
    ("worklist", "release"): lambda w: (
        "post",
        reverse("worklist-release", args=[w.customer.pk]),
        None,
    ),
    ("worklist", "assign"): lambda w: (
        "post",
        reverse("worklist-assign", args=[w.customer.pk]),
        {"assignee": w.user.pk},
    ),
    ("worklist", "follow_up"): lambda w: (
        "post",
        reverse("worklist-follow-up", args=[w.customer.pk]),
        {"follow_up_on": _in_a_week()},
    ),
    ("worklist", "preview"): lambda w: (
        "get",
        reverse("worklist-preview", args=[w.customer.pk]),
        None,
    ),
    ("worklist", "send_notice"): lambda w: _worklist_send_notice(),
    ("worklist-kpi", "list"): lambda w: ("get", reverse("worklist-kpi-list"), None),
    ("worklist", "promise"): lambda w: (
        "post",
        reverse("worklist-promise", args=[w.customer.pk]),
        {"amount": "100.00", "promised_date": _in_a_week()},
    ),
    ("worklist", "dispute"): lambda w: (
        "post",
        reverse("worklist-dispute", args=[w.customer.pk]),
        {"invoice": w.spare_invoice.pk, "reason": "Goods not received"},
    ),
    ("collection-activity", "list"): lambda w: ("get", reverse("collection-activity-list"), None),
    ("collection-activity", "create"): lambda w: (
        "post",
        reverse("collection-activity-list"),
        {"customer": w.customer.pk, "kind": "call", "outcome": "Will pay Friday"},
    ),
}


def _open_order(world: World) -> Any:
    """A credit profile and an open order of the world's customer (credit operations)."""
    from credit.models import OpenOrder
    from tests.factories.credit import CreditProfileFactory

    CreditProfileFactory(customer=world.customer)
    return OpenOrder.objects.create(
        customer=world.customer, external_reference="SO-1", amount=Decimal("10.00"),
        currency=world.customer.currency,
    )  # fmt: skip


def _credit_check_body(world: World) -> dict:
    from tests.factories.credit import CreditProfileFactory

    CreditProfileFactory(customer=world.customer)
    return {
        "customer": world.customer.pk, "order_amount": "10.00",
        "currency": world.customer.currency, "order_reference": "SO-1",
    }  # fmt: skip


REQUESTS.update({
    ("credit-check", "list"): lambda w: ("get", reverse("credit-check-list"), None),
    ("credit-check", "create"): lambda w: (
        "post", reverse("credit-check-list"), _credit_check_body(w),
    ),
    ("open-order", "list"): lambda w: ("get", reverse("open-order-list"), None),
    ("open-order", "retrieve"): lambda w: ("get", _detail("open-order", _open_order(w).pk), None),
    ("open-order", "create"): lambda w: (
        "post", reverse("open-order-list"),
        {"customer": w.customer.pk, "external_reference": "SO-2", "amount": "10.00",
         "currency": w.customer.currency},
    ),
    ("open-order", "replace"): lambda w: (
        "post", reverse("open-order-replace"), {"customer": w.customer.pk, "orders": []},
    ),
    ("open-order", "close"): lambda w: (
        "post", reverse("open-order-close", args=[_open_order(w).pk]), None,
    ),
})  # fmt: skip


def _analytics_metrics(w: World) -> int:
    """The world's customer gets a row of pipeline figures (analytics, #6)."""
    row, _ = CustomerMetrics.objects.get_or_create(
        customer=w.customer,
        defaults={
            "as_of": timezone.localdate(),
            "computed_at": timezone.now(),
            "base_currency": "USD",
        },
    )
    return row.pk


def _analytics_run() -> int:
    return PipelineRun.objects.create(
        as_of=timezone.localdate(), base_currency="USD", chunk_size=1000
    ).pk


REQUESTS.update({
    ("analytics-kpi-snapshot", "list"): lambda w: (
        "get", reverse("analytics-kpi-snapshot-list"), None
    ),
    ("analytics-customer-metrics", "list"): lambda w: (
        "get", reverse("analytics-customer-metrics-list"), None
    ),
    ("analytics-customer-metrics", "retrieve"): lambda w: (
        "get", _detail("analytics-customer-metrics", _analytics_metrics(w)), None
    ),
    ("analytics-loss-maker", "list"): lambda w: (
        "get", reverse("analytics-loss-maker-list"), None
    ),
    ("analytics-churn-warning", "list"): lambda w: (
        "get", reverse("analytics-churn-warning-list"), None
    ),
    ("analytics-pipeline-run", "list"): lambda w: (
        "get", reverse("analytics-pipeline-run-list"), None
    ),
    ("analytics-pipeline-run", "retrieve"): lambda w: (
        "get", _detail("analytics-pipeline-run", _analytics_run()), None
    ),
})  # fmt: skip

SUCCESS = {"create": 201, "destroy": 204}


def _worklist_send_notice() -> tuple[str, str, dict]:
    """A customer with an invoice overdue enough for the second level of its policy
    (the world's customer has an open promise on the account, which pauses dunning)."""
    from receivables.models import DunningLevel

    customer = CustomerFactory()
    ContactFactory(customer=customer)
    InvoiceFactory(customer=customer)
    level = DunningLevel.objects.get(policy__is_default_for_tier="normal", position=2)
    return (
        "post",
        reverse("worklist-send-notice", args=[customer.pk]),
        {"level": level.pk, "request_token": "matrix-token-1"},
    )


SUCCESS = {"create": 201, "destroy": 204, "send_notice": 201, "promise": 201, "dispute": 201}


def _limit_requests(caller: str, user: Any) -> tuple[Any, Any]:
    """A request someone else made, waiting for the caller's step, and one the caller
    made (when the caller's role may request), each for another customer of theirs."""
    rep = user if caller == REP else None
    clerk = UserFactory(roles=[CLERK])
    other = credit_limit_request_create(
        customer_id=CustomerFactory(sales_rep=rep).pk,
        user=clerk,
        requested_limit="99999999.00" if caller == ADMIN else "1000.00",
        reason="Larger orders",
    )
    if caller == ADMIN:
        manager = UserFactory(roles=[CREDIT])
        credit_limit_request_decide(request_id=other.pk, user=manager, approve=True)
    requester = user if caller in (CLERK, CREDIT, REP) else clerk
    own = credit_limit_request_create(
        customer_id=CustomerFactory(sales_rep=rep).pk,
        user=requester,
        requested_limit="1000.00",
        reason="Larger orders",
    )
    return other, own


def _world(caller: str) -> World:
    user = UserFactory(roles=[] if caller in (ANONYMOUS, NO_ROLE) else [caller])
    # A sales rep sees only their own customers, so the world belongs to the caller.
    customer = CustomerFactory(sales_rep=user if caller == REP else None)
    invoice = InvoiceFactory(customer=customer)
    payment = PaymentFactory(customer=customer)
    allocation = allocation_create(payment=payment, invoice=invoice, amount=Decimal("100.00"))
    contact = ContactFactory(customer=customer)
    spare_invoice = InvoiceFactory(customer=customer)
    credit_note = CreditNoteFactory(customer=customer)
    write_off = WriteOffFactory(invoice=InvoiceFactory(customer=customer))
    dispute = dispute_open(invoice=InvoiceFactory(customer=customer), reason="Wrong price")
    promise = promise_to_pay_create(
        customer=customer, amount=Decimal("50.00"), promised_date=timezone.localdate()
    )
    world = World(
        user, customer, contact, invoice, payment, allocation, spare_invoice, credit_note,
        write_off, dispute, promise,
    )  # fmt: skip
    world.limit_request, world.own_limit_request = _limit_requests(caller, user)
    return world


def test_matrix_lists_exactly_the_routes_that_exist():
    # given the routes under /api/v1/ and the matrix
    discovered = set(ROUTES)

    # then every route has a row, and no row names a route that is gone
    assert discovered - set(MATRIX) == set(), "add these routes to MATRIX and REQUESTS"
    assert set(MATRIX) - discovered == set(), "remove these rows: the routes are gone"
    assert set(REQUESTS) == set(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES, ids=[f"{name}.{action}" for name, action in ROUTES])
def test_role_action_matrix(route, caller):
    # given a route, a caller and data the caller could see
    if route not in MATRIX:
        pytest.fail(f"route {route} is not in MATRIX: say which roles may use it")
    allowed = MATRIX[route]
    world = _world(caller)
    client = APIClient()
    if caller != ANONYMOUS:
        client.force_authenticate(user=world.user)
    method, url, body = REQUESTS[route](world)

    # when the caller calls it
    response = getattr(client, method)(url, body, format="json")

    # then it is done, or refused with the error body
    action = route[1]
    if allowed == PUBLIC or caller in allowed:
        assert response.status_code == SUCCESS.get(action, 200), response.content
    elif caller == ANONYMOUS:
        assert response.status_code == 401, response.content
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"


# --- dunning (#4) -------------------------------------------------------------


def _dunning_policy() -> int:
    from tests.factories.receivables import DunningLevelFactory

    return DunningLevelFactory().policy_id


def _dunning_pin(w: World) -> int:
    from receivables.models import CustomerDunningPolicy

    return CustomerDunningPolicy.objects.create(customer=w.customer, policy_id=_dunning_policy()).pk


def _sent_dunning_notice(w: World) -> str:
    """The Message-ID of a notice sent to the world's customer."""
    from receivables.models import DunningNoticeStatus
    from tests.factories.receivables import DunningNoticeFactory

    notice = DunningNoticeFactory(
        customer=w.customer,
        status=DunningNoticeStatus.SENT,
        sent_at=timezone.now(),
        to_email=w.contact.email,
        message_id="<matrix.1@example.com>",
    )
    return notice.message_id
