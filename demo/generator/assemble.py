"""One chunk of the portfolio: generate customers and their ledger, then shape the
rows of every table (ids chosen here, so foreign keys can be filled in)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from credit.models import CreditProfile
from customers.models import Contact, Customer
from demo.generator import rows as r
from demo.generator import words
from demo.generator.credit import credit_profiles_generate
from demo.generator.invoicing import Invoices, invoices_generate
from demo.generator.names import Contacts, company_names, contacts_generate, tax_ids, zero_padded
from demo.generator.payments import Payments, payments_generate
from demo.generator.reps import SalesReps
from demo.generator.settlement import NULL_DAY, Ledger, invoices_settle
from demo.generator.timeline import Timeline, years_of
from demo.generator.traits import COUNTRY_CODES, Customers, customers_generate
from demo.generator.writers import Writer
from receivables.models import Allocation, CreditNote, Dispute, Invoice, Payment, WriteOff

# Every table the generator fills, parents first.
TABLES = (
    Customer,
    Contact,
    CreditProfile,
    Invoice,
    Payment,
    Allocation,
    CreditNote,
    WriteOff,
    Dispute,
)
_REGION_CODES = np.array(words.REGIONS)
_INDUSTRY_CODES = np.array([i.code for i in words.INDUSTRIES])
_CHANNEL_CODES = np.array(words.SALES_CHANNELS)
_VOID_DESCRIPTIONS = np.array(words.VOID_DESCRIPTIONS)


@dataclass(frozen=True)
class ChunkSpec:
    timeline: Timeline
    invoices_per_customer: int
    code_width: int


@dataclass
class Chunk:
    rows: list[r.Rows]
    counts: Counter


def _numbers(prefix: str, days: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``INV-2025-00001234``: the year of issue and the row id (unique)."""
    return np.char.add(
        np.char.add(np.char.add(prefix, years_of(days).astype(str)), "-"), zero_padded(ids, 8)
    )


def _customer_rows(
    rng: np.random.Generator, c: Customers, ids: np.ndarray, reps: SalesReps, width: int
) -> tuple[r.Rows, np.ndarray]:
    names, domains = company_names(rng, c)
    return r.Rows(
        Customer,
        len(c),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(c.since),
            "updated_at": r.timestamp(c.since),
            "code": r.text(np.char.add("C", zero_padded(c.ordinal + 1, width))),
            "name": r.text(names),
            "tax_id": r.text(tax_ids(rng, c)),
            "industry": r.text(_INDUSTRY_CODES[c.industry]),
            "region": r.text(_REGION_CODES[c.region]),
            "country": r.text(COUNTRY_CODES[c.country]),
            "sales_channel": r.text(_CHANNEL_CODES[c.channel]),
            "currency": r.text(c.currency),
            "payment_terms_days": r.integer(c.terms),
            "language": r.text(np.where(c.is_chinese, "zh-hans", "en")),
            "sales_rep_id": r.integer(reps.assign(rng, c.region)),
            "status": r.text(np.where(c.is_inactive, "inactive", "active")),
            "customer_since": r.date(c.since),
            "tier": r.text("normal"),
            "risk_grade": r.text(""),  # written by the first credit scoring run
        },
    ), domains


def _contact_rows(k: Contacts, ids: np.ndarray, customer_ids: np.ndarray, c: Customers) -> r.Rows:
    return r.Rows(
        Contact,
        len(k),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(c.since[k.owner]),
            "updated_at": r.timestamp(c.since[k.owner]),
            "customer_id": r.integer(customer_ids[k.owner]),
            "name": r.text(k.name),
            "job_title": r.text(k.job_title),
            "email": r.text(k.email),
            "phone": r.text(k.phone),
            "is_billing": r.boolean(k.is_billing),
            "is_email_valid": r.boolean(k.is_email_valid),
        },
    )


def _invoice_rows(
    inv: Invoices, ledger: Ledger, ids: np.ndarray, customer_ids: np.ndarray, c: Customers
) -> r.Rows:
    return r.Rows(
        Invoice,
        len(inv),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(inv.issue),
            "updated_at": r.timestamp(ledger.last_change),
            "customer_id": r.integer(customer_ids[inv.owner]),
            "number": r.text(_numbers("INV-", inv.issue, ids)),
            "issue_date": r.date(inv.issue),
            "due_date": r.date(inv.due),
            "currency": r.text(c.currency[inv.owner]),
            "total": r.money(inv.total),
            "cost_of_goods": r.money(inv.cost),
            "amount_paid": r.money(ledger.amount_paid),
            "amount_credited": r.money(ledger.amount_credited),
            "amount_written_off": r.money(ledger.amount_written_off),
            "open_amount": r.money(ledger.open_amount),
            "status": r.text(ledger.status),
            "is_disputed": r.boolean(ledger.is_disputed),
            "paid_date": r.date(ledger.paid_date, null=ledger.paid_date == NULL_DAY),
            "late_paid_amount_days": r.money(ledger.late_paid_amount_days),
            "description": r.text(
                np.where(
                    ledger.status == "void", _VOID_DESCRIPTIONS[ids % len(_VOID_DESCRIPTIONS)], ""
                )
            ),
        },
    )


def _payment_rows(pay: Payments, ids: np.ndarray, customer_ids: np.ndarray, c: Customers) -> r.Rows:
    return r.Rows(
        Payment,
        len(pay),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(pay.day),
            "updated_at": r.timestamp(pay.day),
            "customer_id": r.integer(customer_ids[pay.owner]),
            "received_date": r.date(pay.day),
            "amount": r.money(pay.amount),
            "currency": r.text(c.currency[pay.owner]),
            "method": r.text(pay.method),
            "reference": r.text(np.char.add("PMT-", zero_padded(ids, 8))),
            "amount_allocated": r.money(pay.allocated),
            "status": r.text(np.where(pay.is_bounced, "bounced", "received")),
        },
    )


def _allocation_rows(
    ledger: Ledger, pay: Payments, ids: np.ndarray, invoice_ids: np.ndarray, payment_ids: np.ndarray
) -> r.Rows:
    events = ledger.allocations
    return r.Rows(
        Allocation,
        len(events),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(events.day),
            "updated_at": r.timestamp(events.day),
            "payment_id": r.integer(payment_ids[pay.allocation_payment]),
            "invoice_id": r.integer(invoice_ids[events.invoice]),
            "amount": r.money(events.amount),
            "allocated_on": r.date(events.day),
        },
    )


def _on_account_credits(
    rng: np.random.Generator, c: Customers, timeline: Timeline
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Credit notes not applied to any invoice (rebates, goodwill): (owner, day, amount, reason)."""
    n = len(c)
    first = np.maximum(c.since, timeline.start)
    last = np.minimum(c.end, timeline.today)
    chosen = np.flatnonzero((rng.random(n) < 0.03) & (last > first + 1))
    day = first[chosen] + (rng.random(len(chosen)) * (last - first)[chosen]).astype(np.int64)
    amount = np.maximum(100, np.rint(c.size[chosen] * rng.uniform(0.02, 0.10, len(chosen))))
    reasons = np.array(words.ON_ACCOUNT_CREDIT_REASONS)
    return chosen, day, amount.astype(np.int64), reasons[rng.integers(0, len(reasons), len(chosen))]


def _credit_note_rows(
    rng: np.random.Generator,
    writer: Writer,
    inv: Invoices,
    ledger: Ledger,
    c: Customers,
    customer_ids: np.ndarray,
    invoice_ids: np.ndarray,
    timeline: Timeline,
) -> r.Rows:
    applied = ledger.credit_notes
    owner_free, day_free, amount_free, reason_free = _on_account_credits(rng, c, timeline)
    owner = np.concatenate([inv.owner[applied.invoice], owner_free])
    day = np.concatenate([applied.day, day_free])
    is_free = np.concatenate(
        [np.zeros(len(applied), dtype=bool), np.ones(len(owner_free), dtype=bool)]
    )
    invoice = np.concatenate(
        [invoice_ids[applied.invoice], np.zeros(len(owner_free), dtype=np.int64)]
    )
    order = np.lexsort((day, owner))
    ids = writer.reserve_ids(CreditNote, len(order))
    return r.Rows(
        CreditNote,
        len(order),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(day[order]),
            "updated_at": r.timestamp(day[order]),
            "customer_id": r.integer(customer_ids[owner[order]]),
            "invoice_id": r.integer(invoice[order], null=is_free[order]),
            "number": r.text(_numbers("CN-", day[order], ids)),
            "issue_date": r.date(day[order]),
            "currency": r.text(c.currency[owner[order]]),
            "amount": r.money(np.concatenate([applied.amount, amount_free])[order]),
            "reason": r.text(np.concatenate([applied.text, reason_free])[order]),
        },
    )


def _write_off_rows(ledger: Ledger, ids: np.ndarray, invoice_ids: np.ndarray) -> r.Rows:
    w = ledger.write_offs
    return r.Rows(
        WriteOff,
        len(w),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(w.day),
            "updated_at": r.timestamp(w.day),
            "invoice_id": r.integer(invoice_ids[w.invoice]),
            "amount": r.money(w.amount),
            "written_off_on": r.date(w.day),
            "reason": r.text(w.text),
        },
    )


def _dispute_rows(
    ledger: Ledger,
    ids: np.ndarray,
    invoice_ids: np.ndarray,
    inv: Invoices,
    customer_ids: np.ndarray,
) -> r.Rows:
    d = ledger.disputes
    is_open = d.resolved == NULL_DAY
    return r.Rows(
        Dispute,
        len(d),
        {
            "id": r.integer(ids),
            "created_at": r.timestamp(d.opened),
            "updated_at": r.timestamp(np.where(is_open, d.opened, d.resolved)),
            "invoice_id": r.integer(invoice_ids[d.invoice]),
            "customer_id": r.integer(customer_ids[inv.owner[d.invoice]]),
            "reason": r.text(d.reason),
            "status": r.text(np.where(is_open, "open", "resolved")),
            "opened_on": r.date(d.opened),
            "resolved_on": r.date(d.resolved, null=is_open),
            "resolution": r.text(d.resolution),
        },
    )


def _profile_rows(
    rng: np.random.Generator,
    writer: Writer,
    c: Customers,
    inv: Invoices,
    ledger: Ledger,
    pay: Payments,
    customer_ids: np.ndarray,
    timeline: Timeline,
) -> r.Rows:
    profiles = credit_profiles_generate(rng, c, inv, ledger, pay, timeline=timeline)
    today = np.full(len(c), timeline.today - 1)
    return r.Rows(
        CreditProfile,
        len(c),
        {
            "id": r.integer(writer.reserve_ids(CreditProfile, len(c))),
            "created_at": r.timestamp(c.since),
            "updated_at": r.timestamp(np.where(profiles.is_on_hold, profiles.hold_since, today)),
            "customer_id": r.integer(customer_ids),
            "credit_limit": r.money(profiles.limit),
            "currency": r.text(c.currency),
            "is_on_hold": r.boolean(profiles.is_on_hold),
            "hold_reason": r.text(profiles.hold_reason),
            "hold_since": r.timestamp(profiles.hold_since, null=~profiles.is_on_hold),
        },
    )


def _count(counts: Counter, c: Customers, inv: Invoices, ledger: Ledger, pay: Payments) -> None:
    counts["customers"] += len(c)
    counts["customers inactive"] += int(c.is_inactive.sum())
    counts["invoices"] += len(inv)
    for status, number in zip(*np.unique(ledger.status, return_counts=True), strict=True):
        counts[f"invoices {status}"] += int(number)
    counts["invoices disputed"] += int(ledger.is_disputed.sum())
    counts["payments"] += len(pay)
    counts["payments bounced"] += int(pay.is_bounced.sum())
    counts["payments with unapplied cash"] += int(
        (pay.allocated < pay.amount)[~pay.is_bounced].sum()
    )
    counts["allocations"] += len(ledger.allocations)
    counts["write-offs"] += len(ledger.write_offs)
    counts["disputes"] += len(ledger.disputes)
    counts["disputes open"] += int((ledger.disputes.resolved == NULL_DAY).sum())


def chunk_generate(
    rng: np.random.Generator,
    *,
    ordinals: np.ndarray,
    spec: ChunkSpec,
    reps: SalesReps,
    writer: Writer,
) -> Chunk:
    timeline = spec.timeline
    c = customers_generate(rng, ordinals=ordinals, timeline=timeline)
    customer_ids = writer.reserve_ids(Customer, len(c))
    customer_rows, domains = _customer_rows(rng, c, customer_ids, reps, spec.code_width)
    contacts = contacts_generate(rng, c, domains)
    inv = invoices_generate(
        rng, c, timeline=timeline, invoices_per_customer=spec.invoices_per_customer
    )
    ledger = invoices_settle(rng, c, inv, timeline=timeline)
    pay = payments_generate(rng, c, inv, ledger.allocations)
    invoice_ids = writer.reserve_ids(Invoice, len(inv))
    payment_ids = writer.reserve_ids(Payment, len(pay))
    rows = [
        customer_rows,
        _contact_rows(contacts, writer.reserve_ids(Contact, len(contacts)), customer_ids, c),
        _profile_rows(rng, writer, c, inv, ledger, pay, customer_ids, timeline),
        _invoice_rows(inv, ledger, invoice_ids, customer_ids, c),
        _payment_rows(pay, payment_ids, customer_ids, c),
        _allocation_rows(
            ledger,
            pay,
            writer.reserve_ids(Allocation, len(ledger.allocations)),
            invoice_ids,
            payment_ids,
        ),
        _credit_note_rows(rng, writer, inv, ledger, c, customer_ids, invoice_ids, timeline),
        _write_off_rows(ledger, writer.reserve_ids(WriteOff, len(ledger.write_offs)), invoice_ids),
        _dispute_rows(
            ledger,
            writer.reserve_ids(Dispute, len(ledger.disputes)),
            invoice_ids,
            inv,
            customer_ids,
        ),
    ]
    counts: Counter = Counter()
    _count(counts, c, inv, ledger, pay)
    counts["contacts"] += len(contacts)
    counts["customers without billing e-mail"] += len(c) - int(
        np.unique(contacts.owner[contacts.is_billing]).size
    )
    profiles = rows[2]
    counts["credit profiles"] += profiles.count
    counts["credit profiles on hold"] += int(
        np.asarray(profiles.columns["is_on_hold"].values).sum()
    )
    counts["credit notes"] += rows[6].count
    return Chunk(rows=rows, counts=counts)
