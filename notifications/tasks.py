from celery import shared_task

from notifications.services import notification_email as _notification_email
from notifications.services import notifications_email_drain as _notifications_email_drain


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


@shared_task(name="notifications.email_drain", ignore_result=True)
def notifications_email_drain() -> int:
    """Enqueue the notification emails a broker outage or a lost message left unsent."""
    return _notifications_email_drain()
