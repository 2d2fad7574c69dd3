"""Redis down: requests and the decision run finish quickly, nothing is lost, and the
outbox drain sends what the broker never got once it is back.

The broker is a Redis URL on a closed local port (the ``broker_down`` fixture of
tests/broker_down.py), so publishing fails the way it does when Redis is down
(connection refused), with the timeouts of the settings.
"""

import datetime
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crm import roles
from receivables.dunning.outbox import dunning_outbox_drain
from receivables.dunning.services import dunning_run_decide
from receivables.models import DunningNotice, DunningNoticeStatus, PromiseToPay
from tests.broker_down import broker_back
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

REMINDER_DAY = datetime.date(2026, 9, 28)  # normal tier: 3 days before the factory's due date
BUDGET_SECONDS = 2.0


def test_recording_a_promise_with_redis_down_succeeds_within_two_seconds(
    broker_down, django_capture_on_commit_callbacks
):
    # given: a clerk and an overdue customer; every after-commit enqueue of the
    # apps listening to promise_made goes to a broker that refuses connections
    from rest_framework.test import APIClient

    from tests.factories.accounts import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    customer = CustomerFactory()
    in_a_week = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()

    # when
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("promise-list"),
            {"customer": customer.pk, "amount": "100.00", "promised_date": in_a_week},
            format="json",
        )
    elapsed = time.monotonic() - started

    # then
    assert response.status_code == 201, response.content
    assert elapsed < BUDGET_SECONDS
    assert PromiseToPay.objects.filter(customer=customer).count() == 1


def test_the_decision_run_with_redis_down_finishes_and_leaves_the_notices_queued(
    broker_down, django_capture_on_commit_callbacks
):
    # given
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        ContactFactory(customer=customer)
        InvoiceFactory(customer=customer)

    # when
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        result = dunning_run_decide(run_date=REMINDER_DAY)
    elapsed = time.monotonic() - started

    # then: decided, written, not handed over, nothing sent
    assert elapsed < BUDGET_SECONDS
    assert result.notices_created == 3
    assert result.not_enqueued == 3
    notices = DunningNotice.objects.all()
    assert {notice.status for notice in notices} == {DunningNoticeStatus.QUEUED}
    assert {notice.enqueued_at for notice in notices} == {None}
    assert mail.outbox == []


def test_once_redis_is_back_the_drain_sends_every_notice_the_broker_never_got(
    broker_down, django_capture_on_commit_callbacks
):
    # given: a run decided while Redis was down
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        ContactFactory(customer=customer)
        InvoiceFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        dunning_run_decide(run_date=REMINDER_DAY)

    # when: the drain runs while Redis is still down, then again once it is back
    later = timezone.now() + datetime.timedelta(minutes=5)
    while_down = dunning_outbox_drain(now=later)
    broker_back()
    with django_capture_on_commit_callbacks(execute=True):
        drained = dunning_outbox_drain(now=later)
    again = dunning_outbox_drain(now=later)

    # then: every notice sent exactly once; a second drain finds nothing to do
    assert while_down == 0
    assert drained == 3
    assert again == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.contacts.get().email for c in customers)
    assert set(DunningNotice.objects.values_list("status", flat=True)) == {DunningNoticeStatus.SENT}


def test_the_drain_leaves_fresh_and_handed_over_notices_alone(settings):
    # given: one notice just decided, one handed to the broker a minute ago
    settings.CRM_DUNNING_ATTACH_STATEMENT = False
    for customer in (CustomerFactory(), CustomerFactory()):
        ContactFactory(customer=customer)
        InvoiceFactory(customer=customer)
    dunning_run_decide(run_date=REMINDER_DAY, enqueue=lambda notice_id: None)
    _fresh, handed = DunningNotice.objects.order_by("pk")
    DunningNotice.objects.filter(pk=handed.pk).update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    # when
    drained = dunning_outbox_drain()

    # then
    assert drained == 0
    assert mail.outbox == []
    assert set(DunningNotice.objects.values_list("status", flat=True)) == {
        DunningNoticeStatus.QUEUED
    }


def test_the_drain_takes_over_a_notice_whose_worker_died_mid_send(settings):
    # given: a notice claimed by a worker whose lease has run out
    settings.CRM_DUNNING_ATTACH_STATEMENT = False
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="ap@acme.example.com")
    InvoiceFactory(customer=customer)
    dunning_run_decide(run_date=REMINDER_DAY, enqueue=lambda notice_id: None)
    notice = DunningNotice.objects.get()
    DunningNotice.objects.filter(pk=notice.pk).update(
        status=DunningNoticeStatus.SENDING,
        attempts=1,
        to_email="ap@acme.example.com",
        subject="Upcoming payment reminder",
        body="text",
        message_id="<1.dunning@example.com>",
        claimed_until=timezone.now() - datetime.timedelta(seconds=1),
    )

    # when
    drained = dunning_outbox_drain()

    # then: sent again, the same message, and the interruption is on record
    assert drained == 1
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert notice.attempts == 2
    assert "Attempt 1 was interrupted" in notice.last_error
    assert mail.outbox[0].extra_headers["Message-ID"] == "<1.dunning@example.com>"
    assert mail.outbox[0].body == "text"
