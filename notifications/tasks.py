from celery import shared_task

from notifications.services import notification_email as _notification_email


@shared_task(
    name="notifications.notification_email",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=300,
    max_retries=8,
)
def notification_email(*, notification_id: int) -> None:
    _notification_email(notification_id=notification_id)
