"""Sending one outbox notice, exactly once as far as the database can tell.

A send is three short steps, never a transaction held open across the SMTP
conversation:

1. **Claim** (one transaction, row locked): a ``queued`` notice, or a
   ``sending`` one whose claim expired (its worker died), becomes ``sending``
   with a lease (``claimed_until``), its address, rendered text and a stable
   Message-ID (made once, reused by every later attempt), and ``attempts + 1``.
   A second delivery of the same task finds it ``sending`` under a live lease
   (and waits) or ``sent`` (and does nothing).
   A ``queued`` notice may have waited long (requeued once the clerk fixed the
   address, or drained hours later), so before it is rendered its lines are
   checked again with the decision's own rule: invoices paid, disputed,
   promised, voided or written off since are left out, the others carry their
   open amount of now, and a notice with nothing left is ``cancelled``
   (``last_error`` says why; no mail, no escalation). Resuming an interrupted
   attempt sends the very same message, unchecked.
2. **SMTP**, outside any transaction.
3. **Record** the outcome (one transaction): ``sent`` with the time, then the
   escalations of the level are announced after commit; or the failure
   (``last_error``, whatever the backend raised), back to ``queued`` for a
   retry, ``failed`` after the last attempt, ``bounced`` when the server
   refused the recipient for good.

The window nothing can close: the SMTP server accepted the message and the
worker died before step 3 committed. The notice stays ``sending``; when the
lease runs out it is sent again, with the same Message-ID (mail clients and
most mailbox providers show one message per Message-ID), and the interrupted
attempt is recorded in ``last_error``.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from customers.models import Language
from customers.selectors import contact_billing_email
from receivables import events
from receivables.dunning.selectors import dunning_due_invoices
from receivables.dunning.templates import NoticeLine, notice_context, render
from receivables.models import (
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
    Invoice,
    InvoiceStatus,
)
from receivables.statements import statement_data, statement_pdf

logger = logging.getLogger("receivables.dunning")


class NoticeSendFailed(Exception):
    """Sending failed in a way worth retrying; the failure is already recorded."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class NoticeBusy(Exception):
    """Another worker holds a live claim on the notice."""

    def __init__(self, seconds_left: float) -> None:
        super().__init__(f"claimed by another worker for {seconds_left:.0f} more seconds")
        self.seconds_left = seconds_left


def lease_seconds() -> int:
    return int(getattr(settings, "CRM_DUNNING_SEND_LEASE_SECONDS", 300))


def max_attempts() -> int:
    return int(getattr(settings, "CRM_DUNNING_SEND_MAX_RETRIES", 5)) + 1


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
    """Send a queued notice; returns its status afterwards.

    Raises NoticeBusy while another worker holds the notice, and NoticeSendFailed
    (after recording the attempt) when the mail server failed and attempts remain.
    """
    claimed = _claim(notice_id)
    if isinstance(claimed, str):
        return claimed
    notice = claimed
    final = final_attempt or notice.attempts >= max_attempts()
    try:
        message = _message(notice)
    except Exception as error:  # e.g. the statement PDF failed: recorded, then retried
        logger.exception("Dunning notice %s: building the message failed", notice.pk)
        return _record_failure(notice, error, final=final)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        permanent = all(code >= 500 for code, _ in error.recipients.values())
        if permanent:
            return _record_refused(notice, error)
        return _record_failure(notice, error, final=final)
    except (smtplib.SMTPException, OSError) as error:
        return _record_failure(notice, error, final=final)
    except Exception as error:  # e.g. a header the backend cannot encode: recorded, retried
        logger.exception("Dunning notice %s: the mail backend failed unexpectedly", notice.pk)
        return _record_failure(notice, error, final=final)
    return _record_sent(notice)


@transaction.atomic
def _claim(notice_id: int) -> DunningNotice | str:
    notice = (
        DunningNotice.objects.select_for_update(of=("self",))
        .select_related("customer", "level__policy")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        return "missing"
    now = timezone.now()
    resumed = notice.status == DunningNoticeStatus.SENDING
    if resumed and notice.claimed_until and notice.claimed_until > now:
        raise NoticeBusy((notice.claimed_until - now).total_seconds())
    if notice.status not in (DunningNoticeStatus.QUEUED, DunningNoticeStatus.SENDING):
        return notice.status
    if not resumed:
        kept, dropped = _lines_recheck(notice)
        if not kept:
            return _cancel(notice, dropped)
        to_email = contact_billing_email(customer=notice.customer)
        if not to_email:
            notice.status = DunningNoticeStatus.NO_ADDRESS
            notice.save(update_fields=["status", "updated_at"])
            return notice.status
        notice.to_email = to_email
        notice.subject, notice.body = dunning_notice_render(notice)
    else:
        # The previous worker stopped mid-send: send the very same message again.
        notice.last_error = (
            f"Attempt {notice.attempts} was interrupted before its outcome was recorded "
            "(the worker stopped); sent again with the same Message-ID."
        )
        logger.warning("Dunning notice %s: %s", notice.pk, notice.last_error)
    if not notice.message_id:
        notice.message_id = _new_message_id(notice)
    notice.status = DunningNoticeStatus.SENDING
    notice.claimed_until = now + timedelta(seconds=lease_seconds())
    notice.attempts += 1
    notice.save()
    return notice


def _lines_recheck(notice: DunningNotice) -> tuple[int, list[str]]:
    """Keep only the notice's lines whose invoice dunning may still demand (the
    decision's own rule, ``dunning_due_invoices``), with today's open amounts, so
    the notice records exactly what is sent and a dropped invoice may get this
    level again later. Returns how many lines remain and, per dropped invoice,
    why it is no longer due."""
    lines = list(notice.notice_invoices.select_related("invoice").order_by("pk"))
    due = dict(
        dunning_due_invoices()
        .filter(pk__in=[line.invoice_id for line in lines])
        .values_list("pk", "open_amount")
    )
    dropped = [line for line in lines if line.invoice_id not in due]
    kept = [line for line in lines if line.invoice_id in due]
    if dropped:
        DunningNoticeInvoice.objects.filter(pk__in=[line.pk for line in dropped]).delete()
    changed = []
    for line in kept:
        if line.open_amount_at_notice != due[line.invoice_id]:
            line.open_amount_at_notice = due[line.invoice_id]
            changed.append(line)
    if changed:
        DunningNoticeInvoice.objects.bulk_update(changed, ["open_amount_at_notice"])
    reasons = [f"{line.invoice.number} {_not_due_reason(line.invoice)}" for line in dropped]
    if dropped and kept:
        logger.info(
            "Dunning notice %s: left out, no longer due since %s: %s",
            notice.pk,
            notice.run_date,
            "; ".join(reasons),
        )
    return len(kept), reasons


def _not_due_reason(invoice: Invoice) -> str:
    if invoice.status == InvoiceStatus.VOID:
        return "was voided"
    if invoice.status == InvoiceStatus.WRITTEN_OFF:
        return "was written off"
    if invoice.open_amount <= 0:
        return "was paid or credited in full"
    if invoice.is_disputed:
        return "is disputed"
    return "is under a promise to pay"


def _cancel(notice: DunningNotice, reasons: list[str]) -> str:
    """Nothing in the notice is due any more: not sent, no escalation."""
    notice.status = DunningNoticeStatus.CANCELLED
    notice.last_error = (
        "Not sent: every invoice in it was paid, disputed, put under a promise to pay, "
        f"voided or written off since the notice was decided on {notice.run_date} "
        f"({'; '.join(reasons) or 'it listed no invoice'}). Nothing to do; a later run "
        "sends a new notice if an invoice falls due again."
    )[:2000]
    notice.claimed_until = None
    notice.save(update_fields=["status", "last_error", "claimed_until", "updated_at"])
    logger.info("Dunning notice %s: %s", notice.pk, notice.last_error)
    return notice.status


def _new_message_id(notice: DunningNotice) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"dunning.{notice.pk}", domain=domain)


def _finish(notice: DunningNotice, **values: object) -> bool:
    """Write the outcome if this worker still holds the claim (a worker whose lease
    ran out and was taken over does not overwrite the newer attempt)."""
    values.setdefault("claimed_until", None)
    values["updated_at"] = timezone.now()
    return bool(
        DunningNotice.objects.filter(
            pk=notice.pk,
            status=DunningNoticeStatus.SENDING,
            attempts=notice.attempts,
        ).update(**values)
    )


@transaction.atomic
def _record_sent(notice: DunningNotice) -> str:
    if not _finish(notice, status=DunningNoticeStatus.SENT, sent_at=timezone.now()):
        return DunningNotice.objects.values_list("status", flat=True).get(pk=notice.pk)
    transaction.on_commit(lambda: _announce_escalations(notice))
    return DunningNoticeStatus.SENT


def _record_failure(notice: DunningNotice, error: Exception, *, final: bool) -> str:
    status = DunningNoticeStatus.FAILED if final else DunningNoticeStatus.QUEUED
    last_error = f"Attempt {notice.attempts}: {type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        _finish(notice, status=status, last_error=last_error)
    logger.warning("Dunning notice %s not sent: %s", notice.pk, last_error)
    if final:
        return status
    raise NoticeSendFailed(last_error, attempts=notice.attempts) from error


@transaction.atomic
def _record_refused(notice: DunningNotice, error: smtplib.SMTPRecipientsRefused) -> str:
    """The mail server refused the address for good: a bounce, reported at once
    (no escalation is announced, since nothing was delivered)."""
    from receivables.dunning.bounces import notice_bounce_record

    reason = "; ".join(
        f"{code} {message.decode(errors='replace') if isinstance(message, bytes) else message}"
        for code, message in error.recipients.values()
    )
    locked = (
        DunningNotice.objects.select_for_update()
        .filter(pk=notice.pk, status=DunningNoticeStatus.SENDING, attempts=notice.attempts)
        .first()
    )
    if locked is None:  # taken over by another worker meanwhile
        return DunningNotice.objects.values_list("status", flat=True).get(pk=notice.pk)
    notice_bounce_record(
        notice=locked, email=notice.to_email, reason=f"Refused by the mail server: {reason}"
    )
    return locked.status


def escalations_of(notice: DunningNotice) -> list[tuple[object, str]]:
    """The (event, reason) pairs a sent notice of this level announces."""
    level = notice.level
    where = (
        f"dunning level {level.position} ({level.offset_days:+d} days) of policy "
        f"{level.policy.name!r}, sent to customer {notice.customer.code} on {notice.run_date}"
    )
    found: list[tuple[object, str]] = []
    if level.place_credit_hold:
        found.append((events.dunning_hold_requested, f"Credit hold requested by {where}."))
    if level.flag_for_agency:
        found.append((events.dunning_agency_flagged, f"Flagged for legal / agency by {where}."))
    return found


def _announce_escalations(notice: DunningNotice) -> None:
    for signal, reason in escalations_of(notice):
        responses = signal.send_robust(
            sender=DunningNotice,
            notice_id=notice.pk,
            customer_id=notice.customer_id,
            level_id=notice.level_id,
            reason=reason,
        )
        for receiver, response in responses:
            if isinstance(response, Exception):
                logger.error(
                    "Receiver %r of a dunning escalation of notice %s failed: %r",
                    receiver,
                    notice.pk,
                    response,
                )


def _message(notice: DunningNotice) -> EmailMessage:
    message = EmailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.to_email],
        headers={"Message-ID": notice.message_id, "X-Dunning-Notice": notice.idempotency_key},
    )
    if getattr(settings, "CRM_DUNNING_ATTACH_STATEMENT", True):
        data = statement_data(customer=notice.customer, as_of=notice.run_date)
        message.attach(
            f"statement-{notice.customer.code}-{notice.run_date:%Y-%m-%d}.pdf",
            statement_pdf(data),
            "application/pdf",
        )
    return message
