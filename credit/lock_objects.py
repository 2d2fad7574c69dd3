"""Row locks for credit writes, always evaluated and in pk order."""

from __future__ import annotations

from credit.models import CreditProfile, CreditReviewSchedule


def credit_profile_lock(*, customer_id: int) -> CreditProfile | None:
    return CreditProfile.objects.select_for_update().filter(customer_id=customer_id).first()


def credit_review_schedule_lock(*, customer_id: int) -> CreditReviewSchedule | None:
    return CreditReviewSchedule.objects.select_for_update().filter(customer_id=customer_id).first()
