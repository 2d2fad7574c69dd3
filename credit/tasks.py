from celery import shared_task

from credit.services import credit_profile_ensure as _credit_profile_ensure


@shared_task(name="credit.credit_profile_ensure", ignore_result=True)
def credit_profile_ensure(*, customer_id: int) -> None:
    _credit_profile_ensure(customer_id=customer_id)


# Credit scoring's tasks live in credit/scoring/tasks.py; importing them here registers them.
from credit.scoring.tasks import (  # noqa: E402, F401
    credit_scores_compute,
    credit_scores_newly_overdue,
    credit_scores_nightly,
)
