"""Void, write off, dispute and credit an invoice from the admin (actions calling services)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm import roles
from receivables.models import CreditNote, Dispute, InvoiceStatus, WriteOff
from receivables.services import allocation_create, credit_note_create, dispute_open
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory
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

INVOICES = changelist("invoice")


def _settled(invoice, amount: str = "100.00") -> None:
    payment = PaymentFactory(customer=invoice.customer, amount=Decimal(amount))
    allocation_create(payment=payment, invoice=invoice, amount=amount)


# --- void ---------------------------------------------------------------------


def test_void_asks_for_a_reason_then_voids_the_invoice(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(number="INV-V1")

    # when
    page = start_action(client, INVOICES, "invoice_void", [invoice])
    response = apply_action(client, INVOICES, "invoice_void", [invoice], reason="Posted twice")

    # then
    assert page.status_code == 200
    content = page.content.decode()
    assert "Invoice INV-V1" in content
    assert 'name="reason"' in content
    assert 'name="csrfmiddlewaretoken"' in content
    assert "autofocus" in content
    assert response.status_code == 302
    assert messages_of(response) == [("success", "Invoice INV-V1 was voided.")]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert invoice.open_amount == Decimal("0.00")
    assert invoice.description.endswith("void: Posted twice")


def test_void_without_a_reason_shows_the_form_again(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()

    # when
    response = apply_action(client, INVOICES, "invoice_void", [invoice], reason="")

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["This field is required."]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_void_reports_each_row_and_refuses_a_settled_invoice(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    clean = InvoiceFactory(number="INV-CLEAN")
    paid = InvoiceFactory(number="INV-PAID")
    _settled(paid)

    # when
    response = apply_action(client, INVOICES, "invoice_void", [clean, paid], reason="Mistake")

    # then
    assert response.status_code == 302
    assert messages_of(response) == [
        ("success", "Invoice INV-CLEAN was voided."),
        (
            "error",
            "Invoice INV-PAID was not voided: Invoice INV-PAID has 100.00 USD paid, credited or "
            "written off; unapply the payments and reverse the credits before voiding it.",
        ),
    ]
    paid.refresh_from_db()
    assert (paid.status, paid.open_amount) == (InvoiceStatus.PARTIALLY_PAID, Decimal("900.00"))


def test_void_needs_the_change_invoice_permission(staff_client):
    # given a clerk may view invoices but not change them
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()

    # when
    offered = offered_actions(client, INVOICES)
    response = apply_action(client, INVOICES, "invoice_void", [invoice], reason="x")

    # then
    assert "invoice_void" not in offered
    assert response.status_code == 302
    assert messages_of(response) == [("warning", "No action selected.")]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_an_invoice_the_user_may_not_see_is_not_voided(staff_client, make_user):
    # given a sales rep granted the permission, and another rep's invoice
    client, rep = staff_client(roles.SALES_REP)
    rep.user_permissions.add(Permission.objects.get(codename="change_invoice"))
    theirs = InvoiceFactory(customer=CustomerFactory(sales_rep=make_user(roles.SALES_REP)))

    # when
    response = apply_action(client, INVOICES, "invoice_void", [theirs], reason="x")

    # then
    assert response.status_code == 302
    assert messages_of(response) == [
        ("warning", "None of the selected invoices is one you may see; nothing was changed.")
    ]
    theirs.refresh_from_db()
    assert theirs.status == InvoiceStatus.OPEN


# --- write off ----------------------------------------------------------------


def test_write_off_proposes_the_open_amount_and_writes_it_off(staff_client):
    # given
    client, user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(number="INV-W1", total=Decimal("1000.00"))
    _settled(invoice, "400.00")

    # when
    page = start_action(client, INVOICES, "invoice_write_off", [invoice])
    response = apply_action(
        client,
        INVOICES,
        "invoice_write_off",
        [invoice],
        amount="600.00",
        reason="Customer insolvent",
        written_off_on="2026-11-30",
    )

    # then
    assert page.context["form"].initial["amount"] == Decimal("600.00")
    assert response.status_code == 302
    assert messages_of(response) == [("success", "Wrote off 600.00 USD of invoice INV-W1.")]
    write_off = WriteOff.objects.get()
    assert (write_off.amount, write_off.written_off_on, write_off.created_by) == (
        Decimal("600.00"),
        datetime.date(2026, 11, 30),
        user,
    )
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.amount_written_off) == (Decimal("0.00"), Decimal("600.00"))


def test_write_off_above_the_open_amount_is_refused_on_the_amount(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(number="INV-W2", total=Decimal("1000.00"))

    # when
    response = apply_action(
        client, INVOICES, "invoice_write_off", [invoice], amount="1500.00", reason="Bad debt"
    )

    # then
    message = "Cannot write off 1500.00 USD: only 1000.00 is open on INV-W2."
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert messages_of(response) == [("error", f"Invoice INV-W2 was not written off: {message}")]
    assert not WriteOff.objects.exists()
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("1000.00")


def test_write_off_works_on_one_invoice_at_a_time(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoices = InvoiceFactory.create_batch(2)

    # when
    response = start_action(client, INVOICES, "invoice_write_off", invoices)

    # then
    assert response.status_code == 302
    assert messages_of(response) == [
        ("error", "“Write off an invoice…” works on one invoice at a time; select exactly one.")
    ]


def test_write_off_is_offered_only_to_whom_the_service_lets_write_off(staff_client):
    # given a clerk granted the model permission is still no finance admin
    client, clerk = staff_client(roles.COLLECTIONS_CLERK)
    clerk.user_permissions.add(Permission.objects.get(codename="add_writeoff"))
    finance, _admin = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()

    # when
    offered_to_clerk = offered_actions(client, INVOICES)
    offered_to_finance = offered_actions(finance, INVOICES)
    response = apply_action(
        client, INVOICES, "invoice_write_off", [invoice], amount="10.00", reason="x"
    )

    # then
    assert "invoice_write_off" not in offered_to_clerk
    assert "invoice_write_off" in offered_to_finance
    assert response.status_code == 302
    assert not WriteOff.objects.exists()


# --- disputes -----------------------------------------------------------------


def test_open_dispute_on_several_invoices_reports_each(staff_client):
    # given
    client, user = staff_client(roles.COLLECTIONS_CLERK)
    fresh = InvoiceFactory(number="INV-D1")
    disputed = InvoiceFactory(number="INV-D2")
    dispute_open(invoice=disputed, reason="First")

    # when
    response = apply_action(
        client, INVOICES, "invoice_dispute_open", [fresh, disputed], reason="Short delivery"
    )

    # then
    assert messages_of(response) == [
        ("success", "Opened a dispute on invoice INV-D1; dunning pauses on it."),
        (
            "error",
            "Invoice INV-D2 was not disputed: Invoice INV-D2 already has an open dispute.",
        ),
    ]
    assert Dispute.objects.filter(invoice=fresh, reason="Short delivery", opened_by=user).exists()
    assert Dispute.objects.filter(invoice=disputed).count() == 1


def test_open_dispute_needs_the_add_dispute_permission(staff_client):
    # given
    client, _user = staff_client(roles.CREDIT_MANAGER)
    invoice = InvoiceFactory()

    # when
    offered = offered_actions(client, INVOICES)
    apply_action(client, INVOICES, "invoice_dispute_open", [invoice], reason="x")

    # then
    assert "invoice_dispute_open" not in offered
    assert not Dispute.objects.exists()


# --- credit notes -------------------------------------------------------------


def test_issue_a_credit_note_against_the_invoice(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(number="INV-C1", total=Decimal("1000.00"))

    # when
    response = apply_action(
        client,
        INVOICES,
        "invoice_credit_note",
        [invoice],
        number="CN-1",
        amount="250.00",
        reason="Damaged goods",
        issue_date="",
    )

    # then
    assert response.status_code == 302
    assert messages_of(response) == [
        ("success", "Issued credit note CN-1 of 250.00 USD on invoice INV-C1.")
    ]
    note = CreditNote.objects.get()
    assert (note.invoice, note.customer, note.amount) == (
        invoice,
        invoice.customer,
        Decimal("250.00"),
    )
    invoice.refresh_from_db()
    assert (invoice.amount_credited, invoice.open_amount) == (
        Decimal("250.00"),
        Decimal("750.00"),
    )


def test_a_used_credit_note_number_is_refused_on_the_number(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    first = InvoiceFactory()
    invoice = InvoiceFactory(number="INV-C2")
    credit_note_create(
        customer=first.customer, invoice=first, number="CN-9", amount="1", reason="x"
    )

    # when
    response = apply_action(
        client, INVOICES, "invoice_credit_note", [invoice], number="CN-9", amount="5", reason="y"
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"] == [
        "Credit note number 'CN-9' is already used."
    ]
    assert CreditNote.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("0.00")


def test_issue_credit_note_needs_the_add_creditnote_permission(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()

    # when
    offered = offered_actions(client, INVOICES)
    apply_action(
        client, INVOICES, "invoice_credit_note", [invoice], number="CN-X", amount="1", reason="x"
    )

    # then
    assert "invoice_credit_note" not in offered
    assert not CreditNote.objects.exists()


# --- buttons on the invoice's page --------------------------------------------


def test_invoice_page_has_a_button_per_allowed_action(staff_client):
    # given
    finance, _admin = staff_client(roles.FINANCE_ADMIN)
    clerk, _clerk = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()
    url = reverse("admin:receivables_invoice_change", args=[invoice.pk])

    # when
    for_finance = finance.get(url).content.decode()
    for_clerk = clerk.get(url).content.decode()

    # then
    for name in (
        "invoice_void",
        "invoice_write_off",
        "invoice_dispute_open",
        "invoice_credit_note",
    ):
        assert f'value="{name}"' in for_finance
    assert 'value="invoice_dispute_open"' in for_clerk
    assert 'value="invoice_void"' not in for_clerk
    assert 'value="invoice_write_off"' not in for_clerk


def test_an_action_started_on_the_invoice_page_returns_there(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory()
    url = reverse("admin:receivables_invoice_change", args=[invoice.pk])

    # when
    page = client.post(
        INVOICES,
        {"action": "invoice_void", "_selected_action": str(invoice.pk), "_origin": "change"},
    )
    response = apply_action(
        client, INVOICES, "invoice_void", [invoice], reason="Duplicate", _origin="change"
    )

    # then
    assert page.status_code == 200
    assert 'name="_origin" value="change"' in page.content.decode()
    assert f'href="{url}"' in page.content.decode()  # "No, take me back"
    assert response.status_code == 302
    assert response["Location"] == url


def test_a_void_invoice_page_offers_no_void(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(status=InvoiceStatus.VOID, open_amount=Decimal("0"))

    # when
    content = client.get(reverse("admin:receivables_invoice_change", args=[invoice.pk])).content

    # then
    assert b'value="invoice_void"' not in content
