"""What clerks do from the worklist: claim and assign cases, log contacts, set the
next follow-up, record promises and disputes. Each action is one transaction
that also writes the activity timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import Conflict, PermissionDenied, ValidationFailed
from customers.models import Customer
from receivables.models import (
    CONTACT_KINDS,
    ActivityKind,
    CollectionActivity,
    CollectionCase,
    Dispute,
    DunningNotice,
    Invoice,
    PromiseToPay,
)
from receivables.services import dispute_open, promise_to_pay_create

WORK_PERMISSION = "receivables.change_collectioncase"
ASSIGN_PERMISSION = "receivables.assign_collectioncase"
MAX_OUTCOME_LENGTH = 4000
# A follow-up is planned at most this far ahead (a typo such as 9999 is refused).
FOLLOW_UP_MAX_DAYS = 366

# Activities that count as a clerk having dealt with the customer: a dunning
# escalation older than the last of them no longer puts the customer first.
_HANDLING_KINDS = (
    *CONTACT_KINDS,
    ActivityKind.PROMISE,
    ActivityKind.DISPUTE,
    ActivityKind.FOLLOW_UP,
)


def user_may_work_cases(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    return user.has_perm(WORK_PERMISSION)


def user_may_assign_cases(user: Any) -> bool:
    if not user_may_work_cases(user):
        return False
    return user.has_perm(ASSIGN_PERMISSION)


def _require_worker(user: Any) -> None:
    if not user_may_work_cases(user):
        raise PermissionDenied(
            _("Your role does not allow working the collections worklist."),
            code="worklist_not_allowed",
        )


def case_lock(*, customer_id: int) -> CollectionCase:
    """The customer's case, created when missing, locked until the transaction ends."""
    case = CollectionCase.objects.select_for_update().filter(customer_id=customer_id).first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            CollectionCase.objects.create(customer_id=customer_id)
    except IntegrityError:
        pass  # created at the same moment by another transaction: lock that one
    return CollectionCase.objects.select_for_update().get(customer_id=customer_id)


def activity_write(
    *,
    case: CollectionCase,
    kind: str,
    user: Any,
    outcome: str = "",
    promise: PromiseToPay | None = None,
    dispute: Dispute | None = None,
    notice: DunningNotice | None = None,
) -> CollectionActivity:
    """Append to the timeline of a locked case (inside the caller's transaction)."""
    activity = CollectionActivity.objects.create(
        customer_id=case.customer_id,
        author=user if getattr(user, "is_authenticated", False) else None,
        kind=kind,
        outcome=outcome,
        promise=promise,
        dispute=dispute,
        notice=notice,
    )
    if kind in _HANDLING_KINDS:
        case.last_activity_at = activity.created_at
        case.save(update_fields=["last_activity_at", "updated_at"])
    return activity


def _outcome_checked(outcome: str | None, *, required: bool) -> str:
    text = (outcome or "").strip()
    if required and not text:
        raise ValidationFailed.for_field(
            "outcome",
            _("Say what happened (the outcome) before saving the activity."),
            code="outcome_required",
        )
    if len(text) > MAX_OUTCOME_LENGTH:
        raise ValidationFailed.for_field(
            "outcome",
            _("The outcome is %(length)s characters long; at most %(max)s are kept.")
            % {"length": len(text), "max": MAX_OUTCOME_LENGTH},
            code="outcome_too_long",
        )
    return text


def _name(user: Any) -> str:
    return user.get_username() if user is not None else "-"


@transaction.atomic
def collection_case_claim(*, customer: Customer, user: Any) -> CollectionCase:
    """Take the customer's case; refused when another clerk holds it."""
    _require_worker(user)
    case = case_lock(customer_id=customer.pk)
    if case.assignee_id == user.pk:
        return case
    if case.assignee_id is not None:
        raise Conflict(
            _("%(customer)s is already claimed by %(clerk)s; ask them or a manager to release it.")
            % {"customer": customer.name, "clerk": _name(case.assignee)},
            code="case_already_claimed",
            extra={"assignee": case.assignee_id},
        )
    case.assignee = user
    case.claimed_at = timezone.now()
    case.save(update_fields=["assignee", "claimed_at", "updated_at"])
    activity_write(case=case, kind=ActivityKind.ASSIGNMENT, user=user, outcome=_("Claimed"))
    return case


@transaction.atomic
def collection_case_assign(*, customer: Customer, assignee: Any, user: Any) -> CollectionCase:
    """Give the customer's case to a clerk (a manager's action)."""
    if not user_may_assign_cases(user):
        raise PermissionDenied(
            _("Only a credit manager or finance admin may assign cases to others."),
            code="assign_not_allowed",
        )
    if not user_may_work_cases(assignee):
        raise ValidationFailed.for_field(
            "assignee",
            _("%(user)s cannot work the worklist (inactive, or no collections role).")
            % {"user": _name(assignee)},
            code="assignee_not_a_clerk",
        )
    case = case_lock(customer_id=customer.pk)
    if case.assignee_id == assignee.pk:
        return case
    case.assignee = assignee
    case.claimed_at = timezone.now()
    case.save(update_fields=["assignee", "claimed_at", "updated_at"])
    activity_write(
        case=case,
        kind=ActivityKind.ASSIGNMENT,
        user=user,
        outcome=_("Assigned to %(clerk)s") % {"clerk": _name(assignee)},
    )
    return case


@transaction.atomic
def collection_case_release(*, customer: Customer, user: Any) -> CollectionCase:
    """Hand the case back to the queue: its assignee or a manager may."""
    _require_worker(user)
    case = case_lock(customer_id=customer.pk)
    if case.assignee_id is None:
        return case
    if case.assignee_id != user.pk and not user_may_assign_cases(user):
        raise PermissionDenied(
            _("This case is %(clerk)s's; only they or a manager may release it.")
            % {"clerk": _name(case.assignee)},
            code="release_not_allowed",
        )
    case.assignee = None
    case.claimed_at = None
    case.save(update_fields=["assignee", "claimed_at", "updated_at"])
    activity_write(case=case, kind=ActivityKind.ASSIGNMENT, user=user, outcome=_("Released"))
    return case


@transaction.atomic
def collection_activity_log(
    *, customer: Customer, kind: str, outcome: str, user: Any
) -> CollectionActivity:
    """Log a call, an email or a note with its outcome."""
    _require_worker(user)
    if kind not in CONTACT_KINDS:
        raise ValidationFailed.for_field(
            "kind",
            _("Log a call, an email or a note here; %(kind)r is recorded by its own action.")
            % {"kind": kind},
            code="activity_kind_not_loggable",
        )
    text = _outcome_checked(outcome, required=True)
    case = case_lock(customer_id=customer.pk)
    return activity_write(case=case, kind=kind, user=user, outcome=text)


@transaction.atomic
def collection_case_follow_up_set(
    *, customer: Customer, follow_up_on: date | None, user: Any, today: date | None = None
) -> CollectionCase:
    """Set (or clear, with None) the date of the next follow-up."""
    _require_worker(user)
    today = today or timezone.localdate()
    if follow_up_on is not None and follow_up_on < today:
        raise ValidationFailed.for_field(
            "follow_up_on",
            _("The follow-up date %(date)s is in the past; pick today or a later day.")
            % {"date": follow_up_on.isoformat()},
            code="follow_up_in_the_past",
        )
    latest = today + timedelta(days=FOLLOW_UP_MAX_DAYS)
    if follow_up_on is not None and follow_up_on > latest:
        raise ValidationFailed.for_field(
            "follow_up_on",
            _("The follow-up date %(date)s is more than a year ahead; pick %(latest)s or earlier.")
            % {"date": follow_up_on.isoformat(), "latest": latest.isoformat()},
            code="follow_up_too_far",
        )
    case = case_lock(customer_id=customer.pk)
    case.next_follow_up_on = follow_up_on
    case.save(update_fields=["next_follow_up_on", "updated_at"])
    outcome = (
        _("Next follow-up on %(date)s") % {"date": follow_up_on.isoformat()}
        if follow_up_on
        else _("Follow-up cleared")
    )
    activity_write(case=case, kind=ActivityKind.FOLLOW_UP, user=user, outcome=outcome)
    return case


@transaction.atomic
def collection_promise_record(
    *,
    customer: Customer,
    amount: Decimal | str,
    promised_date: date,
    user: Any,
    invoices: Sequence[Invoice] = (),
    note: str = "",
) -> CollectionActivity:
    """Record a promise to pay from the panel, with its timeline entry."""
    _require_worker(user)
    if not user.has_perm("receivables.add_promisetopay"):
        raise PermissionDenied(
            _("Your role does not allow recording promises to pay."),
            code="promise_not_allowed",
        )
    text = _outcome_checked(note, required=False)
    case = case_lock(customer_id=customer.pk)
    promise = promise_to_pay_create(
        customer=customer,
        amount=amount,
        promised_date=promised_date,
        invoices=invoices,
        note=text,
        user=user,
    )
    outcome = _("Promised %(amount)s %(currency)s by %(date)s") % {
        "amount": promise.amount,
        "currency": promise.currency,
        "date": promise.promised_date.isoformat(),
    }
    if text:
        outcome = f"{outcome}: {text}"
    return activity_write(
        case=case, kind=ActivityKind.PROMISE, user=user, outcome=outcome, promise=promise
    )


@transaction.atomic
def collection_dispute_open(
    *, customer: Customer, invoice: Invoice, reason: str, user: Any
) -> CollectionActivity:
    """Open a dispute on one of the customer's invoices from the panel."""
    _require_worker(user)
    if not user.has_perm("receivables.add_dispute"):
        raise PermissionDenied(
            _("Your role does not allow opening disputes."), code="dispute_not_allowed"
        )
    if invoice.customer_id != customer.pk:
        raise ValidationFailed.for_field(
            "invoice",
            _("Invoice %(number)s belongs to another customer.") % {"number": invoice.number},
            code="dispute_customer_mismatch",
        )
    case = case_lock(customer_id=customer.pk)
    dispute = dispute_open(invoice=invoice, reason=reason, user=user)
    outcome = _("Dispute on %(number)s: %(reason)s") % {
        "number": invoice.number,
        "reason": dispute.reason,
    }
    return activity_write(
        case=case, kind=ActivityKind.DISPUTE, user=user, outcome=outcome, dispute=dispute
    )
