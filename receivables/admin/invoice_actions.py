"""What can happen to a posted invoice, as admin actions calling the services:
void, write off, open a dispute, issue a credit note against it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from crm.admin import PerRowAction
from receivables.admin.forms import CreditNoteForm, DisputeOpenForm, VoidForm, WriteOffForm
from receivables.models import Invoice, InvoiceStatus
from receivables.services import (
    credit_note_create,
    dispute_open,
    invoice_void,
    user_may_write_off,
    write_off_create,
)

_CLOSED = (InvoiceStatus.VOID, InvoiceStatus.WRITTEN_OFF)


class _InvoiceAction(PerRowAction):
    on_change_page = True

    def label(self, row: Model) -> str:
        return _t("invoice %(number)s") % {"number": row.number}

    def offered_for(self, row: Model) -> bool:
        return row.status not in _CLOSED and row.open_amount > 0


class InvoiceVoid(_InvoiceAction):
    name = "invoice_void"
    description = _("Void selected invoices…")
    button_label = _("Void…")
    title = _("Void invoices")
    submit_label = _("Void")
    failed = _("was not voided")
    permission = "receivables.change_invoice"
    form_class = VoidForm

    def offered_for(self, row: Model) -> bool:
        return row.status != InvoiceStatus.VOID

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        invoice_void(invoice=row, reason=data["reason"], user=request.user)
        return _t("%(invoice)s was voided.") % {"invoice": capfirst(self.label(row))}


class InvoiceWriteOff(_InvoiceAction):
    name = "invoice_write_off"
    description = _("Write off an invoice…")
    button_label = _("Write off…")
    title = _("Write off an invoice")
    submit_label = _("Write off")
    failed = _("was not written off")
    permission = "receivables.add_writeoff"
    form_class = WriteOffForm
    single_row = True

    def is_allowed(self, request: HttpRequest) -> bool:
        return super().is_allowed(request) and user_may_write_off(request.user)

    def initial(self, rows: Sequence[Model]) -> dict[str, Any]:
        return {"amount": rows[0].open_amount}

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        write_off = write_off_create(
            invoice=row,
            amount=data["amount"],
            reason=data["reason"],
            written_off_on=data.get("written_off_on"),
            user=request.user,
        )
        values = {"amount": write_off.amount, "currency": row.currency, "invoice": self.label(row)}
        return _t("Wrote off %(amount)s %(currency)s of %(invoice)s.") % values


class InvoiceDisputeOpen(_InvoiceAction):
    name = "invoice_dispute_open"
    description = _("Open a dispute on selected invoices…")
    button_label = _("Open dispute…")
    title = _("Open a dispute")
    submit_label = _("Open dispute")
    failed = _("was not disputed")
    permission = "receivables.add_dispute"
    form_class = DisputeOpenForm

    def offered_for(self, row: Model) -> bool:
        return super().offered_for(row) and not row.is_disputed

    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str:
        dispute_open(
            invoice=row, reason=data["reason"], opened_on=data.get("opened_on"), user=request.user
        )
        return _t("Opened a dispute on %(invoice)s; dunning pauses on it.") % {
            "invoice": self.label(row)
        }


class InvoiceCreditNote(_InvoiceAction):
    name = "invoice_credit_note"
    description = _("Issue a credit note on an invoice…")
    button_label = _("Issue credit note…")
    title = _("Issue a credit note")
    submit_label = _("Issue credit note")
    failed = _("was not credited")
    permission = "receivables.add_creditnote"
    form_class = CreditNoteForm
    single_row = True

    def initial(self, rows: Sequence[Model]) -> dict[str, Any]:
        return {"amount": rows[0].open_amount}

    def run(self, request: HttpRequest, row: Invoice, data: dict[str, Any]) -> str:
        note = credit_note_create(
            customer=row.customer,
            invoice=row,
            number=data["number"],
            amount=data["amount"],
            reason=data["reason"],
            issue_date=data.get("issue_date"),
        )
        values = {
            "number": note.number,
            "amount": note.amount,
            "currency": note.currency,
            "invoice": self.label(row),
        }
        return (
            _t("Issued credit note %(number)s of %(amount)s %(currency)s on %(invoice)s.") % values
        )


INVOICE_ACTIONS = (InvoiceVoid(), InvoiceWriteOff(), InvoiceDisputeOpen(), InvoiceCreditNote())
