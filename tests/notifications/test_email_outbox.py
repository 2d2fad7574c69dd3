"""Notification emails survive a broker outage: the caller's decision stands, the
email stays owed, and the drain sends it once the broker is back, once."""

import datetime
import time

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_send, notifications_email_drain
from tests.broker_down import broker_back
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _send(*recipients, email: bool = True):
    return notification_send(
        recipient_ids=[user.pk for user in recipients],
        kind="credit_limit_request_approved",
        title="Limit approved",
        email=email,
    )


def test_with_the_broker_down_the_send_succeeds_and_the_email_stays_owed(
    broker_down, django_capture_on_commit_callbacks
):
    # given
    rep = UserFactory(email="rep@example.com")
    # when: the after-commit enqueue meets a broker that refuses connections
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        rows = _send(rep)
    # then: no error for the caller, within the broker timeouts, nothing lost
    assert time.monotonic() - started < 2.0
    row = Notification.objects.get(pk=rows[0].pk)
    assert (row.email_wanted, row.email_enqueued_at, row.emailed_at) == (True, None, None)
    assert mail.outbox == []


def test_once_the_broker_is_back_the_drain_sends_the_owed_email_once(
    broker_down, django_capture_on_commit_callbacks
):
    # given: an email the broker never got
    rep = UserFactory(email="rep@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        _send(rep)
    later = timezone.now() + datetime.timedelta(minutes=5)
    # when: the drain runs while the broker is still down, then once it is back, twice
    assert notifications_email_drain(now=later) == 0
    broker_back()
    first = notifications_email_drain(now=later)
    second = notifications_email_drain(now=later)
    # then
    assert (first, second) == (1, 0)
    assert [message.to for message in mail.outbox] == [["rep@example.com"]]
    assert Notification.objects.get().emailed_at is not None


def test_the_drain_waits_before_enqueueing_and_gives_up_on_old_emails():
    # given: one email owed for a minute, one for three days, never handed over
    rep = UserFactory(email="rep@example.com")
    fresh, stale = Notification.objects.bulk_create(
        [
            Notification(recipient=rep, kind="k", title="fresh", email_wanted=True),
            Notification(recipient=rep, kind="k", title="stale", email_wanted=True),
        ]
    )
    now = timezone.now()
    Notification.objects.filter(pk=fresh.pk).update(created_at=now - datetime.timedelta(minutes=1))
    Notification.objects.filter(pk=stale.pk).update(created_at=now - datetime.timedelta(days=3))
    # when / then: the fresh one may still be on its way, the stale one is given up
    assert notifications_email_drain(now=now) == 0
    assert notifications_email_drain(now=now + datetime.timedelta(minutes=2)) == 1
    assert [message.subject for message in mail.outbox] == ["fresh"]


def test_an_email_handed_over_but_never_sent_is_enqueued_again_after_an_hour():
    # given: a task the broker got, then lost (or that ran out of retries)
    rep = UserFactory(email="rep@example.com")
    row = Notification.objects.create(recipient=rep, kind="k", title="lost", email_wanted=True)
    now = timezone.now()
    Notification.objects.filter(pk=row.pk).update(email_enqueued_at=now)
    # when / then
    assert notifications_email_drain(now=now + datetime.timedelta(minutes=30)) == 0
    assert notifications_email_drain(now=now + datetime.timedelta(minutes=61)) == 1
    assert Notification.objects.get().emailed_at is not None


def test_in_app_only_notifications_and_recipients_without_an_address_owe_no_email(
    django_capture_on_commit_callbacks,
):
    # given
    with_address = UserFactory(email="rep@example.com")
    without = UserFactory(email="")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _send(with_address, email=False)
        _send(without)
    # then: nothing owed, nothing for the drain
    assert not Notification.objects.filter(email_wanted=True).exists()
    later = timezone.now() + datetime.timedelta(hours=2)
    assert notifications_email_drain(now=later) == 0
    assert mail.outbox == []


def test_an_address_removed_after_the_send_settles_the_owed_email():
    # given: an email owed, then the user's address is removed
    rep = UserFactory(email="rep@example.com")
    row = Notification.objects.create(recipient=rep, kind="k", title="t", email_wanted=True)
    rep.email = ""
    rep.save(update_fields=["email"])
    later = timezone.now() + datetime.timedelta(minutes=5)
    # when
    notifications_email_drain(now=later)
    # then: not owed any more, so not drained again
    row.refresh_from_db()
    assert (row.email_wanted, row.emailed_at) == (False, None)
    assert notifications_email_drain(now=later + datetime.timedelta(hours=2)) == 0
