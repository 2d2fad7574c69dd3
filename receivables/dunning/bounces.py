"""Bounces: a notice the mail system could not deliver, reported back.

The mail provider's webhook (or a clerk, in the admin) names the notice, by id
or by the Message-ID it was sent with, the address that bounced and why. The
notice becomes ``bounced`` (the clerk's worklist shows it), the customer's
contacts with that address are marked invalid (the billing-email choice skips
them), and customers announces the contact change, so the notice goes back to
the outbox as soon as the customer has a valid billing address again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from crm.exceptions import Conflict, NotFound, ValidationFailed
from customers.services import contact_email_invalidate
from receivables.models import DunningNotice, DunningNoticeStatus

_BOUNCEABLE = (DunningNoticeStatus.SENT, DunningNoticeStatus.SENDING)


def _normalized_message_id(message_id: str) -> str:
    value = (message_id or "").strip()
    if value and not value.startswith("<"):
        value = f"<{value}>"
    return value


@transaction.atomic
def dunning_notice_bounce(
    *, notice_id: int | None = None, message_id: str = "", email: str = "", reason: str = ""
) -> DunningNotice:
    """Record that a sent notice bounced; a second report of the same bounce changes
    nothing. Give ``notice_id`` or the ``message_id`` the notice was sent with."""
    message_id = _normalized_message_id(message_id)
    if not notice_id and not message_id:
        raise ValidationFailed.for_field(
            "message_id",
            "Say which notice bounced: give its Message-ID (from the bounced message's "
            "headers) or the notice id.",
            code="bounce_notice_required",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_field(
            "reason",
            "Say why the message bounced (the mail server's reply, such as "
            "'550 5.1.1 mailbox unavailable').",
            code="bounce_reason_required",
        )
    notices = DunningNotice.objects.select_for_update()
    notice = (
        notices.filter(pk=notice_id).first()
        if notice_id
        else notices.filter(message_id=message_id).first()
    )
    if notice is None:
        which = f"id {notice_id}" if notice_id else f"Message-ID {message_id}"
        raise NotFound(f"No dunning notice with {which}.", code="dunning_notice_not_found")
    if message_id and notice_id and notice.message_id != message_id:
        raise ValidationFailed.for_field(
            "message_id",
            f"Notice {notice.pk} was sent with Message-ID {notice.message_id or '(none)'}, "
            f"not {message_id}.",
            code="bounce_message_id_mismatch",
        )
    if notice.status == DunningNoticeStatus.BOUNCED:
        return notice
    if notice.status not in _BOUNCEABLE:
        raise Conflict(
            f"Notice {notice.pk} was not sent (its status is {notice.status}); only a sent "
            "notice can bounce.",
            code="dunning_notice_not_sent",
        )
    notice_bounce_record(notice=notice, email=email or notice.to_email, reason=reason)
    return notice


def notice_bounce_record(*, notice: DunningNotice, email: str, reason: str) -> None:
    """Mark the locked ``notice`` bounced and its address invalid (in the caller's
    transaction)."""
    email = (email or "").strip().lower()
    if not email:
        raise ValidationFailed.for_field(
            "email",
            f"Notice {notice.pk} has no address on record; say which address bounced.",
            code="bounce_without_email",
        )
    notice.status = DunningNoticeStatus.BOUNCED
    notice.bounced_at = timezone.now()
    notice.bounce_reason = f"{email}: {reason}"[:2000]
    notice.claimed_until = None
    notice.save(
        update_fields=["status", "bounced_at", "bounce_reason", "claimed_until", "updated_at"]
    )
    contact_email_invalidate(customer_id=notice.customer_id, email=email)
