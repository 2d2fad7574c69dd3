from celery import shared_task

from credit.services import credit_profile_ensure as _credit_profile_ensure


@shared_task(name="credit.credit_profile_ensure", ignore_result=True)
def credit_profile_ensure(*, customer_id: int) -> None:
    _credit_profile_ensure(customer_id=customer_id)


@shared_task(name="credit.credit_limits_expire", ignore_result=True)
def credit_limits_expire() -> int:
    from credit.services import credit_limits_expire as _credit_limits_expire

    return _credit_limits_expire()
