"""Celery tasks of the credit app: take ids, call one service. All idempotent."""

from celery import shared_task

from credit import services


@shared_task(name="credit.credit_profile_ensure", ignore_result=True)
def credit_profile_ensure(*, customer_id: int) -> None:
    services.credit_profile_ensure(customer_id=customer_id)


@shared_task(name="credit.credit_hold_apply_dunning", ignore_result=True)
def credit_hold_apply_dunning(*, notice_id: int, customer_id: int, reason: str) -> None:
    services.credit_hold_apply_dunning(notice_id=notice_id, customer_id=customer_id, reason=reason)


@shared_task(name="credit.credit_hold_apply_over_limit", ignore_result=True)
def credit_hold_apply_over_limit(*, customer_id: int, trigger: str) -> None:
    services.credit_hold_apply_over_limit(customer_id=customer_id, trigger=trigger)


@shared_task(name="credit.credit_hold_apply_grade_e", ignore_result=True)
def credit_hold_apply_grade_e(*, customer_ids: list[int], trigger: str) -> None:
    for customer_id in customer_ids:
        services.credit_hold_apply_grade_e(customer_id=customer_id, trigger=trigger)


@shared_task(name="credit.credit_review_schedule_ensure", ignore_result=True)
def credit_review_schedule_ensure(*, customer_id: int) -> None:
    services.credit_review_schedule_ensure(customer_id=customer_id)


@shared_task(name="credit.credit_review_schedules_regrade", ignore_result=True)
def credit_review_schedules_regrade(*, customer_ids: list[int]) -> None:
    services.credit_review_schedules_regrade(customer_ids=customer_ids)


@shared_task(name="credit.credit_review_schedules_ensure", ignore_result=True)
def credit_review_schedules_ensure() -> None:
    services.credit_review_schedules_ensure()


@shared_task(name="credit.credit_limits_expire", ignore_result=True)
def credit_limits_expire() -> int:
    from credit.services import credit_limits_expire as _credit_limits_expire

    return _credit_limits_expire()
