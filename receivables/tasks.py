"""Celery tasks of the receivables app: thin wrappers around services."""

from celery import shared_task

from receivables.services.promises import promise_to_pay_evaluate as _promise_to_pay_evaluate


@shared_task(name="receivables.promise_to_pay_evaluate", ignore_result=True)
def promise_to_pay_evaluate() -> dict[str, int]:
    """Daily: mark promises to pay kept or broken."""
    return _promise_to_pay_evaluate()
