"""What today's dunning run would send one customer, without writing anything.

The same decision rule as ``receivables.dunning.services.dunning_run_decide``
(each invoice's next level is the lowest one without a sent notice, reached on
due date + offset; disputed invoices, invoices under an open promise, invoices
with a pending notice at that level or already in a notice today are skipped),
read through the same selectors, rendered with the level's template in the
customer's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.template import TemplateSyntaxError

from customers.models import Customer, Language
from customers.selectors import contact_billing_email
from receivables.dunning.selectors import (
    dunning_candidate_invoices,
    dunning_invoice_history,
    dunning_policy_map,
    level_reached,
)
from receivables.dunning.templates import NoticeLine, UnknownTemplateField, notice_context, render
from receivables.models import DunningLevel, Invoice


@dataclass
class NoticePreview:
    level: DunningLevel
    invoices: list[Invoice] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    error: str = ""


@dataclass
class DunningPreview:
    customer: Customer
    run_date: date
    to_email: str | None
    levels: list[DunningLevel]
    notices: list[NoticePreview]


def notice_text(
    *, customer: Customer, level: DunningLevel, invoices: list[Invoice], run_date: date
) -> tuple[str, str]:
    """Subject and body of a notice of ``level`` listing ``invoices`` (open amounts of
    today), in the customer's language (English when the level has no translation).
    Raises UnknownTemplateField or TemplateSyntaxError for a broken template."""
    context = notice_context(
        customer_name=customer.name,
        customer_code=customer.code,
        position=level.position,
        run_date=run_date,
        lines=[
            NoticeLine(
                number=invoice.number,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                currency=invoice.currency,
                open_amount=invoice.open_amount,
            )
            for invoice in invoices
        ],
    )
    chinese = customer.language == Language.SIMPLIFIED_CHINESE and level.body_zh.strip()
    subject = (level.subject_zh or level.subject_en) if chinese else level.subject_en
    body = level.body_zh if chinese else level.body_en
    return " ".join(render(subject, context).split())[:255], render(body, context)


def dunning_preview(*, customer: Customer, run_date: date) -> DunningPreview:
    policies = dunning_policy_map()
    levels = policies.levels_for(customer_id=customer.pk, tier=customer.tier)
    preview = DunningPreview(
        customer=customer,
        run_date=run_date,
        to_email=contact_billing_email(customer=customer),
        levels=levels,
        notices=[],
    )
    if not levels or policies.min_offset is None:
        return preview
    candidates = dunning_candidate_invoices(
        run_date=run_date, min_offset=policies.min_offset
    ).filter(customer_id=customer.pk)
    sent, pending, noticed_today = dunning_invoice_history(
        invoices=candidates.values("pk"), run_date=run_date
    )
    by_level: dict[int, NoticePreview] = {}
    for invoice in candidates.order_by("due_date", "number", "pk"):
        if invoice.pk in noticed_today:
            continue
        done = sent.get(invoice.pk, set())
        level = next((level for level in levels if level.pk not in done), None)
        if level is None or level.pk in pending.get(invoice.pk, set()):
            continue
        if not level_reached(
            run_date=run_date, due_date=invoice.due_date, offset_days=level.offset_days
        ):
            continue
        by_level.setdefault(level.pk, NoticePreview(level=level)).invoices.append(invoice)
    for notice in sorted(by_level.values(), key=lambda item: item.level.position):
        try:
            notice.subject, notice.body = notice_text(
                customer=customer, level=notice.level, invoices=notice.invoices, run_date=run_date
            )
        except UnknownTemplateField as error:
            notice.error = f"The template of this level names an unknown field: {error.name}"
        except TemplateSyntaxError as error:
            notice.error = f"The template of this level does not parse: {error}"
        preview.notices.append(notice)
    return preview
