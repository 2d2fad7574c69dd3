"""Sending (or resending) a dunning notice by hand from the worklist.

The notice goes to the same outbox and the same send task as the daily run's,
under a key made of the customer and a token the page or API client generates
once per form: a double click, a retried request or two tabs submitting the
same form write one notice and send it once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import PermissionDenied, ValidationFailed
from customers.models import Customer
from receivables.collections.services import activity_write, case_lock
from receivables.dunning.selectors import (
    customers_with_billing_email,
    dunning_candidate_invoices,
    dunning_policy_map,
)
from receivables.models import (
    ActivityKind,
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
)

SEND_PERMISSION = "receivables.send_dunning_notice"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


def manual_notice_key(*, customer_id: int, request_token: str) -> str:
    return f"manual:{customer_id}:{request_token}"


def user_may_send_notices(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    return user.has_perm(SEND_PERMISSION)


def _default_enqueue(notice_id: int) -> None:
    from receivables.dunning.tasks import dunning_notice_send

    dunning_notice_send.delay(notice_id)


def dunning_notice_send_manual(
    *,
    customer: Customer,
    level: DunningLevel,
    request_token: str,
    user: Any,
    run_date: date | None = None,
    enqueue: Callable[[int], None] | None = None,
) -> tuple[DunningNotice, bool]:
    """Write a notice of ``level`` listing the customer's open, undisputed invoices
    (not under an open promise) at least the level's offset past due, and enqueue it
    after commit. Returns (notice, created); the same token returns the first notice."""
    if not user_may_send_notices(user):
        raise PermissionDenied(
            _("Sending notices by hand needs the permission to send dunning notices."),
            code="send_not_allowed",
        )
    if not _TOKEN.match(request_token or ""):
        raise ValidationFailed.for_field(
            "request_token",
            _("Send a request token of 8 to 40 letters, digits, '-' or '_', new for each form."),
            code="request_token_invalid",
        )
    key = manual_notice_key(customer_id=customer.pk, request_token=request_token)
    existing = DunningNotice.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    levels = dunning_policy_map().levels_for(customer_id=customer.pk, tier=customer.tier)
    if level.pk not in {candidate.pk for candidate in levels}:
        raise ValidationFailed.for_field(
            "level",
            _("This level is not part of the customer's dunning policy; pick one of its levels."),
            code="level_not_in_policy",
        )
    today = run_date or timezone.localdate()
    invoices = list(
        dunning_candidate_invoices(run_date=today, min_offset=level.offset_days)
        .filter(customer_id=customer.pk)
        .order_by("due_date", "pk")
    )
    if not invoices:
        raise ValidationFailed.for_field(
            "level",
            _(
                "No open, undisputed invoice of this customer is %(days)s days or more past "
                "due (or they are under an open promise): nothing to send at level %(level)s."
            )
            % {"days": level.offset_days, "level": level.position},
            code="nothing_to_send",
        )
    try:
        with transaction.atomic():
            notice = _write(customer, level, key, today, invoices, user)
    except IntegrityError:
        # The same form submitted twice at once: the other request wrote it.
        return DunningNotice.objects.get(idempotency_key=key), False
    if notice.status == DunningNoticeStatus.QUEUED:
        send = enqueue or _default_enqueue
        notice_id = notice.pk
        # robust: a broker that is down is logged, not raised at the clerk after the
        # notice was committed; the row stays queued in the outbox.
        transaction.on_commit(lambda: send(notice_id), robust=True)
    return notice, True


def _write(
    customer: Customer,
    level: DunningLevel,
    key: str,
    today: date,
    invoices: list,
    user: Any,
) -> DunningNotice:
    case = case_lock(customer_id=customer.pk)
    reachable = customers_with_billing_email(customer_ids=[customer.pk])
    notice = DunningNotice.objects.create(
        customer=customer,
        level=level,
        run_date=today,
        idempotency_key=key,
        status=(
            DunningNoticeStatus.QUEUED
            if customer.pk in reachable
            else DunningNoticeStatus.NO_ADDRESS
        ),
    )
    DunningNoticeInvoice.objects.bulk_create(
        [
            DunningNoticeInvoice(
                notice=notice, invoice=invoice, open_amount_at_notice=invoice.open_amount
            )
            for invoice in invoices
        ]
    )
    outcome = _("Level %(level)s notice sent by hand (%(count)s invoices)") % {
        "level": level.position,
        "count": len(invoices),
    }
    if notice.status == DunningNoticeStatus.NO_ADDRESS:
        outcome = _("Level %(level)s notice not sent: no billing email address") % {
            "level": level.position
        }
    activity_write(case=case, kind=ActivityKind.NOTICE, user=user, outcome=outcome, notice=notice)
    return notice
