"""Customer statements: what the customer owes, what they paid, and how to pay.

The balance due per currency is the open items less the credit on account: the
unapplied part of payments received (DESIGN §4: it stays on the payment as the
customer's credit) and credit notes issued to the customer rather than to an
invoice. Both as of the statement's date.

``statement_data`` gathers the figures (a selector); ``statement_pdf`` renders
them with weasyprint in the customer's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation

from crm.money import DECIMAL_PLACES, MAX_DIGITS, quantize
from customers.models import Contact, Customer
from receivables.aging import aging_buckets, invoice_open_on
from receivables.models import (
    Allocation,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
)

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)


@dataclass(frozen=True)
class StatementLine:
    invoice: Invoice
    days_past_due: int


@dataclass(frozen=True)
class CreditLine:
    """Money the customer has with us on the statement's date: the unapplied part of a
    payment, or a credit note not applied to an invoice."""

    kind: str  # "payment" or "credit_note"
    date: date
    reference: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class BalanceLine:
    """One currency's balance: open items less credit on account."""

    currency: str
    open_total: Decimal
    credit: Decimal
    balance: Decimal  # negative when the customer is in credit

    @property
    def in_customers_favour(self) -> bool:
        return self.balance < 0

    @property
    def magnitude(self) -> Decimal:
        return abs(self.balance)


@dataclass(frozen=True)
class StatementData:
    customer: Customer
    contact: Contact | None
    as_of: date
    period_start: date
    lines: list[StatementLine]
    aging: list[tuple[str, dict[str, Decimal]]]  # (bucket label, {currency: amount})
    totals: dict[str, Decimal]  # currency -> open total
    overdue: dict[str, Decimal]
    payments: list[Payment]
    credits: list[CreditLine]
    credit_totals: dict[str, Decimal]  # currency -> credit on account
    balances: list[BalanceLine]  # per currency with open items or credit
    company_name: str
    company_address: str
    remittance: str


def statement_data(
    *, customer: Customer, as_of: date | None = None, period_days: int = 90
) -> StatementData:
    """Open items on ``as_of`` with days past due, bucket totals per currency and
    the payments received in the preceding ``period_days``."""
    as_of = as_of or timezone.localdate()
    period_start = as_of - timedelta(days=period_days)
    invoices = _open_invoices(customer=customer, as_of=as_of)
    lines = [
        StatementLine(invoice, max((as_of - invoice.due_date).days, 0)) for invoice in invoices
    ]
    currencies = sorted({invoice.currency for invoice in invoices})
    aging = []
    for bucket in aging_buckets():
        amounts = {currency: Decimal("0") for currency in currencies}
        for line in lines:
            if _in_bucket(
                line.days_past_due, bucket.low, bucket.high, line.invoice.due_date, as_of
            ):
                amounts[line.invoice.currency] += line.invoice.open_amount
        aging.append((bucket.label, {c: quantize(a, c) for c, a in amounts.items()}))
    totals = {
        c: quantize(sum((i.open_amount for i in invoices if i.currency == c), Decimal("0")), c)
        for c in currencies
    }
    overdue = {
        c: quantize(
            sum(
                (i.open_amount for i in invoices if i.currency == c and i.due_date < as_of),
                Decimal("0"),
            ),
            c,
        )
        for c in currencies
    }
    payments = list(
        Payment.objects.filter(
            customer=customer,
            status=PaymentStatus.RECEIVED,
            received_date__gte=period_start,
            received_date__lte=as_of,
        ).order_by("received_date", "pk")
    )
    credits = _credits_on_account(customer=customer, as_of=as_of)
    summed: dict[str, Decimal] = {}
    for credit in credits:
        summed[credit.currency] = summed.get(credit.currency, Decimal("0")) + credit.amount
    credit_totals = {c: quantize(amount, c) for c, amount in sorted(summed.items())}
    balances = []
    for c in sorted({*totals, *credit_totals}):
        open_total = totals.get(c, quantize(Decimal("0"), c))
        credit = credit_totals.get(c, quantize(Decimal("0"), c))
        balances.append(BalanceLine(c, open_total, credit, quantize(open_total - credit, c)))
    contact = (
        customer.contacts.filter(is_billing=True).order_by("pk").first()
        or customer.contacts.order_by("pk").first()
    )
    return StatementData(
        customer=customer,
        contact=contact,
        as_of=as_of,
        period_start=period_start,
        lines=lines,
        aging=aging,
        totals=totals,
        overdue=overdue,
        payments=payments,
        credits=credits,
        credit_totals=credit_totals,
        balances=balances,
        company_name=settings.CRM_COMPANY_NAME,
        company_address=settings.CRM_COMPANY_ADDRESS,
        remittance=settings.CRM_REMITTANCE_INSTRUCTIONS,
    )


def _open_invoices(*, customer: Customer, as_of: date) -> list[Invoice]:
    """The customer's open invoices on ``as_of``; for a past date, each with the open
    amount it had then (rebuilt from the settlements dated by then)."""
    invoices = Invoice.objects.filter(customer=customer).exclude(status=InvoiceStatus.VOID)
    if as_of >= timezone.localdate():
        return list(invoices.filter(open_amount__gt=0).order_by("due_date", "number"))
    then = (
        invoices.filter(issue_date__lte=as_of)
        .annotate(open_then=invoice_open_on(as_of))
        .filter(open_then__gt=0)
        .order_by("due_date", "number")
    )
    result = []
    for invoice in then:
        invoice.open_amount = quantize(invoice.open_then, invoice.currency)
        result.append(invoice)
    return result


def _credits_on_account(*, customer: Customer, as_of: date) -> list[CreditLine]:
    """Payments received by ``as_of`` with a part not applied then, and credit notes
    issued to the customer (no invoice) by then, oldest first."""
    payments = Payment.objects.filter(
        customer=customer, status=PaymentStatus.RECEIVED, received_date__lte=as_of
    )
    if as_of >= timezone.localdate():
        unapplied = [(p, p.unapplied_amount) for p in payments.order_by("received_date")]
    else:
        applied_then = (
            Allocation.objects.filter(payment=OuterRef("pk"), allocated_on__lte=as_of)
            .filter(Q(unapplied_at__isnull=True) | Q(unapplied_at__date__gt=as_of))
            .order_by()
            .values("payment")
            .annotate(total=Sum("amount"))
            .values("total")[:1]
        )
        zero = Value(Decimal("0"), output_field=_MONEY)
        rows = payments.annotate(
            applied_then=Coalesce(Subquery(applied_then, output_field=_MONEY), zero)
        ).order_by("received_date", "pk")
        unapplied = [(p, p.amount - p.applied_then) for p in rows]
    lines = [
        CreditLine(
            "payment", p.received_date, p.reference, quantize(amount, p.currency), p.currency
        )
        for p, amount in unapplied
        if amount > 0
    ]
    notes = CreditNote.objects.filter(
        customer=customer, invoice__isnull=True, issue_date__lte=as_of
    ).order_by("issue_date", "pk")
    lines += [
        CreditLine("credit_note", note.issue_date, note.number, note.amount, note.currency)
        for note in notes
    ]
    return sorted(lines, key=lambda line: (line.date, line.kind))


def _in_bucket(days: int, low: int | None, high: int | None, due: date, as_of: date) -> bool:
    if low is None:
        return due >= as_of
    return days >= low and (high is None or days <= high)


@cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


# A small Latin font first for English (subsetting a CJK font costs most of a
# PDF's time); Chinese statements start with the CJK font. Either falls back to
# the other for characters it lacks, such as a Chinese name on an English statement.
_LATIN_FONTS = (
    '"DejaVu Sans", "Liberation Sans", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
)
_CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "DejaVu Sans", sans-serif'


def statement_html(data: StatementData) -> str:
    with translation.override(data.customer.language):
        fonts = _CJK_FONTS if data.customer.language == "zh-hans" else _LATIN_FONTS
        context = {"s": data, "fonts": fonts}
        return render_to_string("receivables/statement.html", context)


def statement_pdf(data: StatementData) -> bytes:
    """Render the statement as PDF in the customer's language."""
    from weasyprint import HTML

    html = statement_html(data)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config())


def statement_store(*, customer: Customer, as_of: date | None = None) -> str:
    """Render the statement and save it to the default storage; returns its path.

    Idempotent: rendering again on the same date replaces the file.
    """
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    data = statement_data(customer=customer, as_of=as_of)
    path = f"statements/{data.as_of:%Y-%m-%d}/{customer.code}.pdf"
    if default_storage.exists(path):
        default_storage.delete(path)
    return default_storage.save(path, ContentFile(statement_pdf(data)))
