"""Housekeeping tasks of the project itself."""

from celery import shared_task

from crm.health import heartbeat_record


@shared_task(name="crm.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat runs this every minute; the health page shows when it last ran."""
    heartbeat_record()
