"""Exactly once, with real infrastructure: a real Redis broker, real Celery worker
processes, a real SMTP server on localhost (aiosmtpd) and real PostgreSQL.

Every due notice is delivered exactly once, counted by what the SMTP server
accepted: running the daily task twice on one day, two workers at once (with
every send task delivered twice), a worker killed with SIGKILL in the middle of
an SMTP conversation (acks_late: Redis hands the message to another worker),
an SMTP server answering 4xx (retried with backoff, attempts recorded) and an
SMTP server that is down (the run finishes; failures retried, visible, nothing
marked sent).
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings

from crm.celery import app as celery_app
from receivables.dunning.tasks import dunning_notice_send, dunning_run
from receivables.models import DunningNotice, DunningNoticeStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    CustomerDunningPolicyFactory,
    DunningLevelFactory,
    InvoiceFactory,
)
from tests.receivables.dunning.real_infrastructure import (
    SmtpServer,
    Workers,
    free_port,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

RUN_DAY = "2026-10-08"  # the factory's due date (2026-10-01) + the level's 7 days
WORKER_ENV = {
    "CRM_DUNNING_SEND_LEASE_SECONDS": "8",
    "CRM_DUNNING_RETRY_BASE_SECONDS": "1",
    "CRM_DUNNING_RETRY_MAX_SECONDS": "4",
    "CRM_DUNNING_SEND_MAX_RETRIES": "3",
}


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def workers_for():
    """``workers_for(smtp_port)`` -> Workers on a queue of their own; this process
    enqueues to that queue through the real broker."""
    made: list[Workers] = []

    def _make(smtp_port: int, **extra_env: str) -> Workers:
        workers = Workers(
            smtp_port=smtp_port,
            broker_url=django_settings.CELERY_BROKER_URL,
            extra_env={**WORKER_ENV, **extra_env},
        )
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_default_queue = workers.queue
        made.append(workers)
        return workers

    yield _make
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_default_queue = "celery"
    for workers in made:
        print(workers.stop_all()[-20000:])


def _due_customers(count: int) -> list:
    """Customers pinned to a one-level policy, each with one invoice due a notice."""
    level = DunningLevelFactory(offset_days=7, subject_en="Reminder for {{ customer.code }}")
    customers = []
    for number in range(count):
        customer = CustomerFactory(code=f"EO-{number:03d}")
        ContactFactory(customer=customer, email=f"ap{number:03d}@customer.example.com")
        CustomerDunningPolicyFactory(customer=customer, policy=level.policy)
        InvoiceFactory(customer=customer)
        customers.append(customer)
    return customers


def _statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in DunningNotice.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _all_sent(count: int) -> bool:
    return _statuses() == {DunningNoticeStatus.SENT: count}


def _assert_each_delivered_once(smtp: SmtpServer, customers: list) -> None:
    accepted = smtp.recorder.accepted
    assert sorted(a.to for a in accepted) == sorted((c.contacts.get().email,) for c in customers)
    notices = {n.message_id: n for n in DunningNotice.objects.all()}
    assert sorted(a.message_id for a in accepted) == sorted(notices)


def test_the_daily_task_run_twice_on_one_day_sends_each_notice_once(smtp, workers_for):
    # given
    customers = _due_customers(5)
    workers = workers_for(smtp.port)
    workers.start()

    # when: beat (or an operator) runs the day's task twice
    dunning_run.delay(RUN_DAY)
    dunning_run.delay(RUN_DAY)

    # then
    wait_until(lambda: _all_sent(5), timeout=90, what="five sent notices")
    wait_until(lambda: len(smtp.recorder.accepted) >= 5, timeout=10, what="five messages")
    assert DunningNotice.objects.count() == 5
    _assert_each_delivered_once(smtp, customers)


def test_two_workers_with_every_send_task_delivered_twice_send_each_notice_once(smtp, workers_for):
    # given: two workers; the run decided in this process
    customers = _due_customers(12)
    workers = workers_for(smtp.port)
    workers.start("a")
    workers.start("b")
    from receivables.dunning.services import dunning_run_decide

    result = dunning_run_decide(run_date=datetime.date.fromisoformat(RUN_DAY))

    # when: every send task is delivered a second time (the broker's at-least-once)
    for notice_id in result.queued_ids:
        dunning_notice_send.delay(notice_id)

    # then
    wait_until(lambda: _all_sent(12), timeout=120, what="twelve sent notices")
    assert result.notices_created == 12
    assert set(DunningNotice.objects.values_list("attempts", flat=True)) == {1}
    _assert_each_delivered_once(smtp, customers)


def test_a_worker_killed_mid_send_is_replaced_and_the_notice_is_sent_once(smtp, workers_for):
    # given: the SMTP server stalls the first conversation at RCPT
    customers = _due_customers(1)
    smtp.recorder.stall_next_rcpt = 1
    smtp.recorder.stall_seconds = 60
    workers = workers_for(smtp.port)
    first = workers.start("doomed")
    dunning_run.delay(RUN_DAY)
    wait_until(smtp.recorder.rcpt_seen.is_set, timeout=60, what="the first SMTP conversation")
    assert _statuses() == {DunningNoticeStatus.SENDING: 1}

    # when: the worker is killed mid-conversation and a new one starts
    workers.kill(first)
    workers.start("heir")

    # then: the unacknowledged message comes back, the lease runs out, sent once
    wait_until(lambda: _all_sent(1), timeout=90, what="the notice sent by the new worker")
    notice = DunningNotice.objects.get()
    assert notice.attempts == 2
    assert "Attempt 1 was interrupted" in notice.last_error
    _assert_each_delivered_once(smtp, customers)


def test_a_4xx_answer_is_retried_with_backoff_and_the_notice_sent_once(smtp, workers_for):
    # given: the server refuses the first two messages temporarily
    customers = _due_customers(1)
    smtp.recorder.refuse_next_data = 2
    workers = workers_for(smtp.port)
    workers.start()

    # when
    dunning_run.delay(RUN_DAY)

    # then
    wait_until(lambda: _all_sent(1), timeout=90, what="the notice sent after retries")
    notice = DunningNotice.objects.get()
    assert notice.attempts == 3
    assert notice.last_error.startswith("Attempt 2: SMTPDataError: (451")
    _assert_each_delivered_once(smtp, customers)


def test_with_smtp_down_the_run_finishes_failures_are_retried_and_nothing_is_sent(
    workers_for,
):
    # given: nothing listens on the SMTP port
    _due_customers(2)
    workers = workers_for(free_port())
    workers.start()

    # when
    dunning_run.delay(RUN_DAY)

    # then: every attempt (1 + 3 retries) failed and is on record; none is sent
    wait_until(
        lambda: _statuses() == {DunningNoticeStatus.FAILED: 2},
        timeout=120,
        what="both notices failed after their retries",
    )
    for notice in DunningNotice.objects.all():
        assert notice.attempts == 4
        assert notice.sent_at is None
        assert "ConnectionRefusedError" in notice.last_error
        assert notice.last_error.startswith("Attempt 4:")


def test_a_run_decided_while_redis_was_down_is_drained_and_sent_once_it_is_back(smtp, workers_for):
    # given: workers on the real broker; this process's broker URL points at a
    # closed port while the run decides (Redis down)
    from django.utils import timezone

    from receivables.dunning.outbox import dunning_outbox_drain
    from receivables.dunning.services import dunning_run_decide

    customers = _due_customers(4)
    workers = workers_for(smtp.port)
    workers.start()
    real_broker = celery_app.conf.broker_url
    _point_broker_at(f"redis://127.0.0.1:{free_port()}/2")
    try:
        result = dunning_run_decide(run_date=datetime.date.fromisoformat(RUN_DAY))
    finally:
        _point_broker_at(real_broker)
    assert result.not_enqueued == 4
    assert _statuses() == {DunningNoticeStatus.QUEUED: 4}

    # when: Redis is back and beat runs the drain
    drained = dunning_outbox_drain(now=timezone.now() + datetime.timedelta(minutes=5))

    # then
    assert drained == 4
    wait_until(lambda: _all_sent(4), timeout=90, what="the drained notices sent")
    _assert_each_delivered_once(smtp, customers)


def _point_broker_at(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.broker_write_url = url
    celery_app._pool = None  # connections are made afresh for the new URL
    celery_app.amqp._producer_pool = None
