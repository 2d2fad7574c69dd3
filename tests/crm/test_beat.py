"""The beat schedule lives in the admin's periodic tasks (django-celery-beat):
settings seed it once, and an edit made in the admin survives a beat restart."""

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from crm.beat import SeedOnceDatabaseScheduler
from crm.celery import app as celery_app

# django-celery-beat closes "obsolete" connections, which on PostgreSQL includes
# the one a plain test transaction runs in: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def _start_beat() -> SeedOnceDatabaseScheduler:
    scheduler = SeedOnceDatabaseScheduler(app=celery_app, lazy=True)
    scheduler.setup_schedule()
    return scheduler


def test_beat_puts_the_dunning_run_and_the_outbox_drain_in_the_admin_schedule(settings):
    # given
    assert settings.CELERY_BEAT_SCHEDULER == "crm.beat:SeedOnceDatabaseScheduler"

    # when
    scheduler = _start_beat()

    # then
    run = PeriodicTask.objects.get(name="dunning-run")
    assert run.task == "receivables.dunning_run"
    assert (run.crontab.hour, run.crontab.minute) == ("6", "0")
    drain = PeriodicTask.objects.get(name="dunning-outbox-drain")
    assert drain.task == "receivables.dunning_outbox_drain"
    assert (drain.interval.every, drain.interval.period) == (300, "seconds")
    assert drain.expire_seconds == 240, (drain.expires, drain.expire_seconds)
    assert scheduler.app is celery_app


def test_a_time_changed_in_the_admin_survives_the_next_beat_start():
    # given: beat seeded the schedule, then a finance admin moved the run to 07:30
    _start_beat()
    run = PeriodicTask.objects.get(name="dunning-run")
    run.crontab = CrontabSchedule.objects.create(
        minute="30", hour="7", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    run.save()

    # when: beat starts again (a deploy)
    _start_beat()

    # then
    run.refresh_from_db()
    assert (run.crontab.hour, run.crontab.minute) == ("7", "30")
    assert PeriodicTask.objects.filter(name="dunning-run").count() == 1
