"""Credit notes and write-offs are view-only in the admin; disputes can be opened."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.models import CreditNote, Dispute, DisputeStatus, PromiseToPay, WriteOff
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import (
    CreditNoteFactory,
    DisputeFactory,
    InvoiceFactory,
    WriteOffFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ADD_DISPUTE = reverse("admin:receivables_dispute_add")


def test_opening_a_dispute_flags_the_invoice_through_dispute_open(staff_client):
    # given
    client, user = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()

    # when
    response = client.post(
        ADD_DISPUTE,
        {"invoice": str(invoice.pk), "reason": "Short delivery", "opened_on": "2026-10-05"},
    )

    # then
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.opened_on, dispute.opened_by) == (
        DisputeStatus.OPEN,
        datetime.date(2026, 10, 5),
        user,
    )
    invoice.refresh_from_db()
    assert invoice.is_disputed is True


def test_a_second_open_dispute_is_refused_on_the_form(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory(number="INV-DSP")
    DisputeFactory(invoice=invoice)

    # when
    response = client.post(ADD_DISPUTE, {"invoice": str(invoice.pk), "reason": "Again"})

    # then
    assert response.status_code == 200
    assert "Invoice INV-DSP already has an open dispute." in response.content.decode()
    assert Dispute.objects.count() == 1


def test_a_dispute_cannot_be_changed_or_deleted(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    dispute = DisputeFactory()

    # when
    changed = client.post(
        reverse("admin:receivables_dispute_change", args=[dispute.pk]), {"reason": "x"}
    )
    deleted = client.post(
        reverse("admin:receivables_dispute_delete", args=[dispute.pk]), {"post": "yes"}
    )

    # then
    assert (changed.status_code, deleted.status_code) == (403, 403)


@pytest.mark.parametrize(
    ("model_name", "factory"),
    [("creditnote", CreditNoteFactory), ("writeoff", WriteOffFactory)],
)
def test_credit_notes_and_write_offs_are_view_only(staff_client, model_name, factory):
    # given finance admins hold add permissions, yet the admin offers no writes
    client, _user = staff_client(roles.FINANCE_ADMIN)
    row = factory()

    # when
    add = client.get(reverse(f"admin:receivables_{model_name}_add"))
    view = client.get(reverse(f"admin:receivables_{model_name}_change", args=[row.pk]))
    changed = client.post(reverse(f"admin:receivables_{model_name}_change", args=[row.pk]), {})
    deleted = client.post(
        reverse(f"admin:receivables_{model_name}_delete", args=[row.pk]), {"post": "yes"}
    )

    # then
    assert add.status_code == 403
    assert view.status_code == 200
    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert CreditNote.objects.count() + WriteOff.objects.count() == 1


def test_sales_rep_sees_only_adjustments_of_own_customers(staff_client, make_user):
    # given
    client, rep = staff_client(roles.SALES_REP)
    mine = CustomerFactory(sales_rep=rep)
    theirs = CustomerFactory(sales_rep=make_user(roles.SALES_REP))
    CreditNoteFactory(customer=mine, number="CN-MINE")
    CreditNoteFactory(customer=theirs, number="CN-THEIRS")
    DisputeFactory(invoice=InvoiceFactory(customer=mine, number="INV-MINE"))
    DisputeFactory(invoice=InvoiceFactory(customer=theirs, number="INV-THEIRS"))

    # when
    notes = client.get(reverse("admin:receivables_creditnote_changelist"))
    disputes = client.get(reverse("admin:receivables_dispute_changelist"))

    # then
    assert [note.number for note in notes.context["cl"].result_list] == ["CN-MINE"]
    assert [d.invoice.number for d in disputes.context["cl"].result_list] == ["INV-MINE"]


def test_recording_a_promise_to_pay_goes_through_promise_to_pay_create(staff_client):
    # given
    client, user = staff_client(roles.COLLECTIONS_CLERK)
    invoice = InvoiceFactory()
    today = timezone.localdate()

    # when
    response = client.post(
        reverse("admin:receivables_promisetopay_add"),
        {
            "customer": str(invoice.customer_id),
            "invoices": [str(invoice.pk)],
            "amount": "400.00",
            "promised_date": str(today + datetime.timedelta(days=7)),
            "made_on": "",
            "note": "Will wire on Friday",
        },
    )

    # then
    assert response.status_code == 302
    promise = PromiseToPay.objects.get()
    assert (promise.amount, promise.made_on, promise.created_by) == (
        Decimal("400.00"),
        today,
        user,
    )
    assert list(promise.invoices.all()) == [invoice]


def test_a_promise_in_the_past_is_refused_on_its_date(staff_client):
    # given
    client, _user = staff_client(roles.COLLECTIONS_CLERK)
    customer = CustomerFactory()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    # when
    response = client.post(
        reverse("admin:receivables_promisetopay_add"),
        {"customer": str(customer.pk), "amount": "400.00", "promised_date": str(yesterday)},
    )

    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["promised_date"] == [
        f"The promised date {yesterday} is in the past; a promise is for today or later."
    ]
    assert not PromiseToPay.objects.exists()


def test_credit_note_and_write_off_lists_link_to_the_invoice(staff_client):
    # given
    client, _user = staff_client(roles.FINANCE_ADMIN)
    invoice = InvoiceFactory(number="INV-LINK")
    CreditNoteFactory(customer=invoice.customer, invoice=invoice, number="CN-LINK")
    CreditNoteFactory(number="CN-CREDIT")  # customer credit: no invoice
    WriteOffFactory(invoice=invoice)
    invoice_url = reverse("admin:receivables_invoice_change", args=[invoice.pk])

    # when
    notes = client.get(reverse("admin:receivables_creditnote_changelist")).content.decode()
    write_offs = client.get(reverse("admin:receivables_writeoff_changelist")).content.decode()

    # then
    assert f'<a href="{invoice_url}">INV-LINK</a>' in notes
    assert f'<a href="{invoice_url}">INV-LINK</a>' in write_offs
