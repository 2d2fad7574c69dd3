from celery import shared_task

from credit.services import credit_profile_ensure as _credit_profile_ensure


@shared_task(name="credit.credit_profile_ensure", ignore_result=True)
def credit_profile_ensure(*, customer_id: int) -> None:
    _credit_profile_ensure(customer_id=customer_id)
