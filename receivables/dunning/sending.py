"""Sending one outbox notice, exactly once.

The notice row is locked while it is sent, so a second delivery of the same
task waits, then finds it sent and does nothing. A failure is recorded on the
row (attempts, last error) and committed before the caller retries.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from customers.models import Language
from customers.selectors import contact_billing_email
from receivables.dunning.templates import NoticeLine, notice_context, render
from receivables.models import DunningNotice, DunningNoticeStatus
from receivables.statements import statement_data, statement_pdf


class NoticeSendFailed(Exception):
    """Sending failed in a way worth retrying; the failure is already recorded."""


def dunning_notice_render(notice: DunningNotice) -> tuple[str, str]:
    """Subject and body in the customer's language (English when no translation)."""
    lines = [
        NoticeLine(
            number=line.invoice.number,
            issue_date=line.invoice.issue_date,
            due_date=line.invoice.due_date,
            currency=line.invoice.currency,
            open_amount=line.open_amount_at_notice,
        )
        for line in notice.notice_invoices.select_related("invoice").order_by(
            "invoice__due_date", "invoice__number"
        )
    ]
    context = notice_context(
        customer_name=notice.customer.name,
        customer_code=notice.customer.code,
        position=notice.level.position,
        run_date=notice.run_date,
        lines=lines,
    )
    level = notice.level
    chinese = notice.customer.language == Language.SIMPLIFIED_CHINESE and level.body_zh.strip()
    subject = level.subject_zh or level.subject_en if chinese else level.subject_en
    body = level.body_zh if chinese else level.body_en
    return " ".join(render(subject, context).split())[:255], render(body, context)


def dunning_notice_send(*, notice_id: int, final_attempt: bool = False) -> str:
    """Send a queued notice; returns its status afterwards. Raises NoticeSendFailed
    (after recording the attempt) when the mail server refused and retries remain."""
    with transaction.atomic():
        notice = (
            DunningNotice.objects.select_for_update(of=("self",))
            .select_related("customer", "level")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.status != DunningNoticeStatus.QUEUED:
            return notice.status if notice else "missing"
        to_email = contact_billing_email(customer=notice.customer)
        if not to_email:
            notice.status = DunningNoticeStatus.NO_ADDRESS
            notice.save(update_fields=["status", "updated_at"])
            return notice.status
        notice.to_email = to_email
        notice.subject, notice.body = dunning_notice_render(notice)
        try:
            _message(notice).send()
        except (smtplib.SMTPException, OSError) as error:
            notice.attempts += 1
            notice.last_error = f"{type(error).__name__}: {error}"[:2000]
            if final_attempt:
                notice.status = DunningNoticeStatus.FAILED
            notice.save(
                update_fields=[
                    "to_email",
                    "subject",
                    "body",
                    "attempts",
                    "last_error",
                    "status",
                    "updated_at",
                ]
            )
            failure = error
        else:
            notice.attempts += 1
            notice.status = DunningNoticeStatus.SENT
            notice.sent_at = timezone.now()
            notice.last_error = ""
            notice.save()
            return notice.status
    if final_attempt:
        return DunningNoticeStatus.FAILED
    raise NoticeSendFailed(str(failure)) from failure


def _message(notice: DunningNotice) -> EmailMessage:
    message = EmailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.to_email],
        headers={"X-Dunning-Notice": notice.idempotency_key},
    )
    if getattr(settings, "CRM_DUNNING_ATTACH_STATEMENT", True):
        data = statement_data(customer=notice.customer, as_of=notice.run_date)
        message.attach(
            f"statement-{notice.customer.code}-{notice.run_date:%Y-%m-%d}.pdf",
            statement_pdf(data),
            "application/pdf",
        )
    return message
