"""Periodic credit reviews: a next-review date per customer set by its grade, and
the review a credit manager completes (decision, comment, next date)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from credit.lock_objects import credit_review_schedule_lock
from credit.models import CreditReview, CreditReviewSchedule, ReviewDecision
from credit.selectors import credit_position_get
from credit.services.holds import credit_hold_place, credit_hold_release
from credit.services.profiles import (
    credit_profile_ensure,
    credit_profiles_ensure_all,
    customers_missing_fill,
)
from crm.db import ID_MAX
from crm.exceptions import NotFound, PermissionDenied, ValidationFailed
from customers.models import Customer

COMMENT_MAX_LENGTH = 2000
BATCH_SIZE = 2000


def review_interval(grade: str) -> timedelta:
    """Days between reviews for a risk grade (settings CRM_CREDIT_REVIEW_DAYS_*)."""
    if grade in ("D", "E"):
        days = settings.CRM_CREDIT_REVIEW_DAYS_HIGH_RISK
    elif grade == "C":
        days = settings.CRM_CREDIT_REVIEW_DAYS_MEDIUM_RISK
    elif grade in ("A", "B"):
        days = settings.CRM_CREDIT_REVIEW_DAYS_LOW_RISK
    else:
        days = settings.CRM_CREDIT_REVIEW_DAYS_UNGRADED
    return timedelta(days=days)


def credit_review_schedule_ensure(*, customer_id: int) -> CreditReviewSchedule | None:
    """Give a customer its first next-review date, counted from today; idempotent."""
    customer = Customer.objects.filter(pk=customer_id).only("pk", "risk_grade").first()
    if customer is None:
        return None
    today = timezone.localdate()
    schedule, _created = CreditReviewSchedule.objects.get_or_create(
        customer=customer,
        defaults={
            "counted_from": today,
            "next_review_on": today + review_interval(customer.risk_grade),
        },
    )
    return schedule


def credit_review_schedules_ensure() -> int:
    """Schedules for every customer that has none (customers bulk-loaded without the
    customer_created event, such as the demo); returns how many were created."""
    # A customer the queue lists must be reviewable: the review reads its credit
    # position, which needs a profile.
    credit_profiles_ensure_all()
    today = timezone.localdate()

    def schedule(pk: int, grade: str) -> CreditReviewSchedule:
        return CreditReviewSchedule(
            customer_id=pk, counted_from=today, next_review_on=today + review_interval(grade)
        )

    return customers_missing_fill(
        model=CreditReviewSchedule,
        missing="credit_review_schedule",
        columns=("risk_grade",),
        make=schedule,
        batch_size=BATCH_SIZE,
    )


@transaction.atomic
def credit_review_schedules_regrade(*, customer_ids: Iterable[int]) -> int:
    """Recompute the next date of customers whose grade changed, from the date their
    interval counts from; returns how many schedules moved."""
    ids = sorted(set(customer_ids))
    grades = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "risk_grade"))
    schedules = list(
        CreditReviewSchedule.objects.select_for_update().filter(customer_id__in=ids).order_by("pk")
    )
    moved = []
    for schedule in schedules:
        wanted = schedule.counted_from + review_interval(grades.get(schedule.customer_id, ""))
        if wanted != schedule.next_review_on:
            schedule.next_review_on = wanted
            moved.append(schedule)
    CreditReviewSchedule.objects.bulk_update(moved, ["next_review_on"])
    missing = set(grades) - {schedule.customer_id for schedule in schedules}
    for customer_id in sorted(missing):
        credit_review_schedule_ensure(customer_id=customer_id)
    return len(moved)


def _check_reviewer(user: AbstractBaseUser | None) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(
            "Only a signed-in credit manager or finance admin may review credit."
        )
    if not user.has_perm("credit.add_creditreview"):
        raise PermissionDenied(
            "Your role does not allow you to complete credit reviews "
            "(needs permission credit.add_creditreview)."
        )


def _clean_comment(comment: str) -> str:
    cleaned = (comment or "").strip()
    if not cleaned:
        raise ValidationFailed.for_field(
            "comment", "Say what the review found: a comment is required."
        )
    if len(cleaned) > COMMENT_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "comment", f"Keep the comment to {COMMENT_MAX_LENGTH} characters or fewer."
        )
    return cleaned


@transaction.atomic
def credit_review_complete(
    *, customer_id: int, decision: str, comment: str, user: AbstractBaseUser | None
) -> CreditReview:
    """Record the review's decision and set the next review date from today.

    ``hold`` and ``release`` place or release the hold in the same transaction
    (the comment is the hold's reason); ``change_requested`` records that a
    limit change is asked for (the limit request itself is its own workflow).
    """
    _check_reviewer(user)
    if decision not in ReviewDecision.values:
        raise ValidationFailed.for_field(
            "decision", f"Choose one of {', '.join(ReviewDecision.values)}; got {decision!r}."
        )
    comment = _clean_comment(comment)
    if 0 < customer_id <= ID_MAX:  # an id a database can hold
        credit_profile_ensure(customer_id=customer_id)  # a bulk-loaded customer has none yet
    position = credit_position_get(customer_id=customer_id, user=user)
    if position is None:
        raise NotFound(f"There is no customer with id {customer_id} that you can see.")
    schedule = credit_review_schedule_lock(customer_id=customer_id)
    if schedule is None:
        credit_review_schedule_ensure(customer_id=customer_id)
        schedule = credit_review_schedule_lock(customer_id=customer_id)
    if decision == ReviewDecision.HOLD:
        credit_hold_place(customer_id=customer_id, reason=comment[:255], user=user)
    elif decision == ReviewDecision.RELEASE:
        credit_hold_release(customer_id=customer_id, reason=comment[:255], user=user)
    today: date = timezone.localdate()
    grade = position.customer.risk_grade
    schedule.counted_from = schedule.last_reviewed_on = today
    schedule.next_review_on = today + review_interval(grade)
    schedule.save(update_fields=["counted_from", "last_reviewed_on", "next_review_on"])
    return CreditReview.objects.create(
        customer_id=customer_id,
        decision=decision,
        comment=comment,
        risk_grade=grade,
        credit_limit=position.credit_limit,
        exposure=position.exposure,
        currency=position.currency,
        next_review_on=schedule.next_review_on,
        reviewer=user,
    )
