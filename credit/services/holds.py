"""Credit holds: placed by hand with a reason, or by a rule with its source; released by hand.

Every place and release is one transaction: the profile row is locked, the
hold state changes, an event row records who, when, why and which rule, the
``credit_hold_changed`` event is announced and the customer's sales rep is
notified (in-app now, email after commit).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from credit import events
from credit.lock_objects import credit_profile_lock
from credit.models import CreditHoldEvent, CreditProfile, HoldAction, HoldSource
from credit.selectors import credit_position_get
from credit.services.limits import history_context
from credit.services.profiles import credit_profile_ensure
from crm.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from customers.models import Customer
from notifications.services import notification_send

REASON_MAX_LENGTH = 255


def _clean_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ValidationFailed.for_field(
            "reason", "Give a reason: it is recorded with the hold and shown to the sales rep."
        )
    if len(cleaned) > REASON_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "reason", f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer."
        )
    return cleaned


def _check_permission(user: AbstractBaseUser | None, permission: str, verb: str) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(f"Only a signed-in credit manager or finance admin may {verb}.")
    if not user.has_perm(permission):
        raise PermissionDenied(
            f"Your role does not allow you to {verb} (needs permission {permission})."
        )


def _locked_profile(customer_id: int) -> CreditProfile:
    profile = credit_profile_lock(customer_id=customer_id)
    if profile is None:
        if not Customer.objects.filter(pk=customer_id).exists():
            raise NotFound(f"There is no customer with id {customer_id}.")
        credit_profile_ensure(customer_id=customer_id)
        profile = credit_profile_lock(customer_id=customer_id)
    if profile is None:  # the customer was deleted meanwhile
        raise NotFound(f"There is no customer with id {customer_id}.")
    return profile


def _notify_sales_rep(*, customer: Customer, event: CreditHoldEvent) -> None:
    if event.action == HoldAction.PLACE:
        title = _("%(customer)s is on credit hold") % {"customer": customer.name}
    else:
        title = _("The credit hold on %(customer)s was released") % {"customer": customer.name}
    notification_send(
        recipient_ids=[customer.sales_rep_id],
        kind="credit_hold",
        title=title,
        body=_("%(source)s: %(reason)s")
        % {"source": event.get_source_display(), "reason": event.reason},
        url=reverse("credit:customer", args=[customer.pk]),
    )


def _record(
    *,
    profile: CreditProfile,
    action: str,
    source: str,
    reason: str,
    user: AbstractBaseUser | None,
    trigger: str = "",
) -> CreditHoldEvent:
    now = timezone.now()
    if action == HoldAction.PLACE:
        profile.is_on_hold, profile.hold_reason, profile.hold_since = True, reason, now
    else:
        profile.is_on_hold, profile.hold_reason, profile.hold_since = False, "", None
    # Who and why also go on the audit history row the PostgreSQL trigger writes.
    with history_context(user=user, reason=reason, source=f"hold_{source}"):
        profile.save(update_fields=["is_on_hold", "hold_reason", "hold_since", "updated_at"])
    event = CreditHoldEvent.objects.create(
        customer_id=profile.customer_id,
        action=action,
        source=source,
        reason=reason,
        trigger=trigger,
        actor=user if user is not None and user.is_authenticated else None,
    )
    customer = Customer.objects.only("pk", "name", "sales_rep_id").get(pk=profile.customer_id)
    events.credit_hold_changed.send(
        sender=CreditProfile,
        customer_id=profile.customer_id,
        is_on_hold=profile.is_on_hold,
        reason=reason,
    )
    _notify_sales_rep(customer=customer, event=event)
    return event


@transaction.atomic
def credit_hold_place(
    *, customer_id: int, reason: str, user: AbstractBaseUser | None
) -> CreditHoldEvent:
    """A credit manager or finance admin puts the customer on hold by hand.

    409 when the customer is already on hold (nothing changes).
    """
    _check_permission(user, "credit.place_credit_hold", "place a credit hold")
    reason = _clean_reason(reason)
    profile = _locked_profile(customer_id)
    if profile.is_on_hold:
        raise Conflict(
            f"The customer is already on hold since {profile.hold_since:%Y-%m-%d} "
            f"({profile.hold_reason}); release it first to place a new one.",
            code="already_on_hold",
        )
    return _record(
        profile=profile, action=HoldAction.PLACE, source=HoldSource.MANUAL, reason=reason, user=user
    )


@transaction.atomic
def credit_hold_release(
    *, customer_id: int, reason: str, user: AbstractBaseUser | None
) -> CreditHoldEvent:
    """A credit manager or finance admin releases the hold, whatever placed it.

    409 when the customer is not on hold (nothing changes).
    """
    _check_permission(user, "credit.release_credit_hold", "release a credit hold")
    reason = _clean_reason(reason)
    profile = _locked_profile(customer_id)
    if not profile.is_on_hold:
        raise Conflict(
            "The customer is not on hold; there is nothing to release.", code="not_on_hold"
        )
    return _record(
        profile=profile,
        action=HoldAction.RELEASE,
        source=HoldSource.MANUAL,
        reason=reason,
        user=user,
    )


def credit_hold_place_automatic(
    *, customer_id: int, source: str, reason: str, trigger: str
) -> CreditHoldEvent | None:
    """A rule puts the customer on hold; None when nothing was done.

    Idempotent: nothing happens when the customer is already on hold, or when
    this ``trigger`` (the notice, invoice or score that caused it) already
    placed a hold once — a manual release is not undone by a redelivered event.
    """
    if source == HoldSource.MANUAL or source not in HoldSource.values:
        raise ValidationFailed.for_field("source", f"{source!r} is not an automatic hold source.")
    if not trigger:
        raise ValidationFailed.for_field("trigger", "An automatic hold needs its trigger.")
    # A rule's reason comes from another app: shortened to fit rather than refused.
    reason = _clean_reason((reason or "").strip()[:REASON_MAX_LENGTH])
    try:
        with transaction.atomic():
            profile = _locked_profile(customer_id)
            if profile.is_on_hold:
                return None
            if CreditHoldEvent.objects.filter(
                customer_id=customer_id, source=source, trigger=trigger
            ).exists():
                return None
            return _record(
                profile=profile,
                action=HoldAction.PLACE,
                source=source,
                reason=reason,
                user=None,
                trigger=trigger,
            )
    except IntegrityError:
        # The same trigger placed the hold in a concurrent transaction.
        if CreditHoldEvent.objects.filter(
            customer_id=customer_id, source=source, trigger=trigger
        ).exists():
            return None
        raise


def credit_hold_apply_dunning(
    *, notice_id: int, customer_id: int, reason: str
) -> CreditHoldEvent | None:
    """Rule: a dunning level that escalates to a hold (CRM_CREDIT_AUTO_HOLD_ON_DUNNING)."""
    if not settings.CRM_CREDIT_AUTO_HOLD_ON_DUNNING:
        return None
    return credit_hold_place_automatic(
        customer_id=customer_id,
        source=HoldSource.DUNNING,
        reason=reason or _("Dunning escalation"),
        trigger=f"dunning-notice:{notice_id}",
    )


def credit_hold_apply_over_limit(*, customer_id: int, trigger: str) -> CreditHoldEvent | None:
    """Rule: exposure above a non-zero limit (CRM_CREDIT_AUTO_HOLD_OVER_LIMIT).

    A limit of zero means no credit was granted yet; the credit check already
    fails every order for such a customer, so no hold is placed for it.
    """
    if not settings.CRM_CREDIT_AUTO_HOLD_OVER_LIMIT:
        return None
    position = credit_position_get(customer_id=customer_id)
    if position is None or position.credit_limit <= 0:
        return None
    if position.exposure <= position.credit_limit:
        return None
    reason = _("Exposure %(exposure)s %(currency)s is over the limit of %(limit)s") % {
        "exposure": position.exposure,
        "currency": position.currency,
        "limit": position.credit_limit,
    }
    return credit_hold_place_automatic(
        customer_id=customer_id, source=HoldSource.OVER_LIMIT, reason=reason, trigger=trigger
    )


def credit_hold_apply_grade_e(*, customer_id: int, trigger: str) -> CreditHoldEvent | None:
    """Rule: the customer's risk grade became E (CRM_CREDIT_AUTO_HOLD_GRADE_E)."""
    if not settings.CRM_CREDIT_AUTO_HOLD_GRADE_E:
        return None
    if not Customer.objects.filter(pk=customer_id, risk_grade="E").exists():
        return None  # graded again since the event
    return credit_hold_place_automatic(
        customer_id=customer_id,
        source=HoldSource.GRADE_E,
        reason=_("Risk grade E"),
        trigger=trigger,
    )
