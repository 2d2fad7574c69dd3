"""Unapply allocations, apply payments oldest due first, resolve disputes and cancel
promises to pay from the admin lists (actions calling services)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import roles
from receivables.models import (
    Allocation,
    DisputeStatus,
    InvoiceStatus,
    PaymentStatus,
    PromiseStatus,
    PromiseToPay,
)
from receivables.services import allocation_create, allocation_unapply
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import (
    DisputeFactory,
    InvoiceFactory,
    PaymentFactory,
    PromiseToPayFactory,
)
from tests.receivables.admin.support import (
    apply_action,
    changelist,
    messages_of,
    offered_actions,
    start_action,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ALLOCATIONS = changelist("allocation")
PAYMENTS = changelist("payment")
DISPUTES = changelist("dispute")
PROMISES = changelist("promisetopay")


# --- allocations --------------------------------------------------------------


def test_unapply_reopens_each_invoice_and_reports_every_row(staff_client):
    # given one active allocation and one already unapplied
    client, user = staff_client(roles.FINANCE_ADMIN)
    payment = PaymentFactory(reference="WIRE-1", amount=Decimal("1000.00"))
    first = InvoiceFactory(number="INV-U1", customer=payment.customer)
    second = InvoiceFactory(number="INV-U2", customer=payment.customer)
    active = allocation_create(payment=payment, invoice=first, amount="300.00")
    gone = allocation_create(payment=payment, invoice=second, amount="200.00")
    allocation_unapply(allocation=gone)

    # when
    response = start_action(client, ALLOCATIONS, "allocation_unapply", [active, gone])

    # then
    assert response.status_code == 302
    (success, refusal) = messages_of(response)
    assert success == (
        "success",
        "Allocation of 300.00 from payment WIRE-1 1000.00 USD to invoice INV-U1 was unapplied; "
        "the invoice is open again for that amount.",
    )
    assert refusal[0] == "error"
    assert refusal[1].startswith(
        "Allocation of 200.00 from payment WIRE-1 1000.00 USD to invoice INV-U2 was not "
        "unapplied: This allocation was already unapplied at "
    )
    active.refresh_from_db()
    assert (active.is_active, active.unapplied_by) == (False, user)
    first.refresh_from_db()
    payment.refresh_from_db()
    assert (first.open_amount, first.status) == (Decimal("1000.00"), InvoiceStatus.OPEN)
    assert payment.amount_allocated == Decimal("0.00")


def test_unapply_needs_the_change_allocation_permission(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    payment = PaymentFactory()
    allocation = allocation_create(
        payment=payment, invoice=InvoiceFactory(customer=payment.customer), amount="10.00"
    )

    # when
    offered = offered_actions(client, ALLOCATIONS)
    start_action(client, ALLOCATIONS, "allocation_unapply", [allocation])

    # then
    assert "allocation_unapply" not in offered
    allocation.refresh_from_db()
    assert allocation.is_active


def test_allocation_page_offers_unapply_only_while_active(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    payment = PaymentFactory()
    active = allocation_create(
        payment=payment, invoice=InvoiceFactory(customer=payment.customer), amount="10.00"
    )
    gone = allocation_create(
        payment=payment, invoice=InvoiceFactory(customer=payment.customer), amount="10.00"
    )
    allocation_unapply(allocation=gone)

    # when
    pages = [
        client.get(reverse("admin:receivables_allocation_change", args=[row.pk])).content
        for row in (active, gone)
    ]

    # then
    assert b'value="allocation_unapply"' in pages[0]
    assert b'value="allocation_unapply"' not in pages[1]


# --- payments -----------------------------------------------------------------


def test_apply_oldest_due_first_settles_the_oldest_invoice_first(staff_client):
    # given
    client, user = staff_client(roles.FINANCE_ADMIN)
    customer = CustomerFactory()
    payment = PaymentFactory(customer=customer, reference="WIRE-7", amount=Decimal("1500.00"))
    later = InvoiceFactory(
        customer=customer, number="INV-LATER", due_date=datetime.date(2026, 10, 30)
    )
    older = InvoiceFactory(
        customer=customer, number="INV-OLDER", due_date=datetime.date(2026, 9, 30)
    )

    # when
    response = start_action(client, PAYMENTS, "payment_apply_oldest_first", [payment])

    # then
    assert messages_of(response) == [
        (
            "success",
            "Payment WIRE-7 1500.00 USD: applied 1500.00 USD to INV-OLDER, INV-LATER; "
            "0.00 USD left unapplied.",
        )
    ]
    older.refresh_from_db()
    later.refresh_from_db()
    assert (older.open_amount, later.open_amount) == (Decimal("0.00"), Decimal("500.00"))
    assert set(Allocation.objects.values_list("created_by", flat=True)) == {user.pk}


def test_apply_refuses_a_bounced_payment_and_warns_when_nothing_is_open(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    bounced = PaymentFactory(reference="BOUNCE", status=PaymentStatus.BOUNCED)
    InvoiceFactory(customer=bounced.customer)
    idle = PaymentFactory(reference="IDLE")

    # when
    response = start_action(client, PAYMENTS, "payment_apply_oldest_first", [bounced, idle])

    # then
    assert messages_of(response) == [
        (
            "warning",
            "Payment IDLE 1000.00 USD: nothing was applied (nothing unapplied on it, or no "
            "undisputed open invoice of the customer in USD).",
        ),
        (
            "error",
            "Payment BOUNCE 1000.00 USD was not applied: The payment bounced; it cannot be "
            "applied.",
        ),
    ]
    assert not Allocation.objects.exists()


def test_apply_needs_the_add_allocation_permission(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    payment = PaymentFactory()
    InvoiceFactory(customer=payment.customer)

    # when
    offered = offered_actions(client, PAYMENTS)
    start_action(client, PAYMENTS, "payment_apply_oldest_first", [payment])

    # then
    assert "payment_apply_oldest_first" not in offered
    assert not Allocation.objects.exists()


# --- disputes -----------------------------------------------------------------


def test_resolve_asks_for_the_resolution_then_resolves(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    dispute = DisputeFactory(invoice=InvoiceFactory(number="INV-R1", is_disputed=True))

    # when
    page = start_action(client, DISPUTES, "dispute_resolve", [dispute])
    response = apply_action(
        client,
        DISPUTES,
        "dispute_resolve",
        [dispute],
        resolution="Credit note CN-42 issued",
        resolved_on="2026-10-20",
    )

    # then
    assert page.status_code == 200
    assert "The dispute on invoice INV-R1" in page.content.decode()
    assert messages_of(response) == [
        ("success", "The dispute on invoice INV-R1 was resolved; dunning resumes on the invoice.")
    ]
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_on, dispute.resolution) == (
        DisputeStatus.RESOLVED,
        datetime.date(2026, 10, 20),
        "Credit note CN-42 issued",
    )
    dispute.invoice.refresh_from_db()
    assert dispute.invoice.is_disputed is False


def test_resolving_a_resolved_dispute_is_refused_naming_it(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    dispute = DisputeFactory(
        invoice=InvoiceFactory(number="INV-R2"),
        status=DisputeStatus.RESOLVED,
        resolved_on=datetime.date(2026, 10, 9),
        resolution="Settled",
    )

    # when
    response = apply_action(client, DISPUTES, "dispute_resolve", [dispute], resolution="Again")

    # then
    assert messages_of(response) == [
        (
            "error",
            "The dispute on invoice INV-R2 was not resolved: This dispute is already resolved.",
        )
    ]
    dispute.refresh_from_db()
    assert dispute.resolution == "Settled"


def test_resolve_needs_the_change_dispute_permission(staff_client):
    # given
    client, rep = staff_client(roles.SALES_REP)
    dispute = DisputeFactory(invoice=InvoiceFactory(customer=CustomerFactory(sales_rep=rep)))

    # when
    offered = offered_actions(client, DISPUTES)
    apply_action(client, DISPUTES, "dispute_resolve", [dispute], resolution="x")

    # then
    assert "dispute_resolve" not in offered
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


# --- promises to pay ----------------------------------------------------------


def test_cancel_closes_open_promises_and_refuses_closed_ones(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    open_promise = PromiseToPayFactory(customer=CustomerFactory(code="PTP-1"))
    kept = PromiseToPayFactory(
        customer=CustomerFactory(code="PTP-2"),
        status=PromiseStatus.KEPT,
        closed_on=datetime.date(2026, 10, 10),
    )

    # when
    response = start_action(client, PROMISES, "promise_to_pay_cancel", [open_promise, kept])

    # then
    assert messages_of(response) == [
        (
            "success",
            "The promise of PTP-1 to pay 500.00 USD by 2026-10-15 was cancelled; dunning "
            "resumes on its invoices.",
        ),
        (
            "error",
            "The promise of PTP-2 to pay 500.00 USD by 2026-10-15 was not cancelled: This "
            "promise is already kept.",
        ),
    ]
    open_promise.refresh_from_db()
    kept.refresh_from_db()
    assert (open_promise.status, kept.status) == (PromiseStatus.CANCELLED, PromiseStatus.KEPT)


def test_cancel_needs_the_change_promise_permission(staff_client):
    # given
    client, _user = staff_client(roles.CREDIT_MANAGER)
    promise = PromiseToPayFactory()

    # when
    offered = offered_actions(client, PROMISES)
    start_action(client, PROMISES, "promise_to_pay_cancel", [promise])

    # then
    assert "promise_to_pay_cancel" not in offered
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN


def test_an_action_on_too_many_rows_is_refused_whole(staff_client, monkeypatch):
    # given
    from receivables.admin.adjustments import PromiseToPayCancel

    monkeypatch.setattr(PromiseToPayCancel, "max_rows", 2)
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    promises = PromiseToPayFactory.create_batch(3)

    # when
    response = start_action(client, PROMISES, "promise_to_pay_cancel", promises)

    # then
    assert messages_of(response) == [
        (
            "error",
            "“Cancel selected promises to pay” works on at most 2 promises to pay at a time; "
            "select fewer (filter the list first). Nothing was changed.",
        )
    ]
    assert set(PromiseToPay.objects.values_list("status", flat=True)) == {PromiseStatus.OPEN}
