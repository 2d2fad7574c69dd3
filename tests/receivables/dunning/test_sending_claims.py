"""The claim (status ``sending`` with a lease) that makes sending exactly once, and
the one window it cannot close, shown as it is."""

import datetime

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.utils import timezone

from receivables.dunning import sending
from receivables.dunning.outbox import dunning_outbox_drain
from receivables.dunning.tasks import dunning_notice_send
from receivables.models import DunningNotice, DunningNoticeStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import DunningNoticeFactory, DunningNoticeInvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.CRM_DUNNING_ATTACH_STATEMENT = False
    settings.CRM_DUNNING_SEND_LEASE_SECONDS = 120


def _notice():
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    notice = DunningNoticeFactory(customer=customer)
    DunningNoticeInvoiceFactory(notice=notice)
    return notice


def test_a_second_delivery_while_another_worker_sends_waits_for_the_lease():
    # given: another worker claimed the notice a moment ago
    notice = _notice()
    DunningNotice.objects.filter(pk=notice.pk).update(
        status=DunningNoticeStatus.SENDING,
        attempts=1,
        claimed_until=timezone.now() + datetime.timedelta(seconds=60),
    )

    # when
    with pytest.raises(Retry) as retry:
        dunning_notice_send.apply(args=[notice.pk])

    # then: nothing sent, retried when the claim would have run out
    assert mail.outbox == []
    assert 55 <= retry.value.when <= 61
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (DunningNoticeStatus.SENDING, 1)


def test_a_worker_whose_claim_was_taken_over_does_not_overwrite_the_newer_attempt(monkeypatch):
    # given: worker A claimed and is slow; its lease runs out and worker B sends
    notice = _notice()
    claimed = sending._claim(notice.pk)
    DunningNotice.objects.filter(pk=notice.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert sending.dunning_notice_send(notice_id=notice.pk) == DunningNoticeStatus.SENT

    # when: worker A finally gets an SMTP error and records it
    with pytest.raises(sending.NoticeSendFailed):
        sending._record_failure(claimed, OSError("late"), final=False)

    # then
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert notice.attempts == 2
    assert "late" not in notice.last_error


def test_the_window_no_system_closes_is_a_resend_with_the_same_message_id(monkeypatch):
    # given: the SMTP server accepted the message, then the worker died before it
    # recorded "sent" (simulated: recording fails after the send)
    notice = _notice()

    def _crash(notice):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sending, "_record_sent", _crash)
    with pytest.raises(SystemExit):
        sending.dunning_notice_send(notice_id=notice.pk)
    monkeypatch.undo()
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENDING
    assert len(mail.outbox) == 1

    # when: the lease runs out and the drain hands the notice to a worker again
    DunningNotice.objects.filter(pk=notice.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    drained = dunning_outbox_drain()

    # then: a second message, the same Message-ID and text, the interruption on record
    assert drained == 1
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert notice.attempts == 2
    assert "Attempt 1 was interrupted" in notice.last_error
    assert len(mail.outbox) == 2
    first, second = (message.message() for message in mail.outbox)
    assert first["Message-ID"] == second["Message-ID"] == notice.message_id
    assert first.get_payload() == second.get_payload()


def test_a_message_that_cannot_be_built_is_recorded_and_retried_not_left_sending(monkeypatch):
    # given: the statement attachment fails to render
    notice = _notice()

    def _broken(notice):
        raise ValueError("font missing")

    monkeypatch.setattr(sending, "_message", _broken)

    # when
    with pytest.raises(sending.NoticeSendFailed):
        sending.dunning_notice_send(notice_id=notice.pk)

    # then
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.QUEUED
    assert notice.claimed_until is None
    assert notice.last_error == "Attempt 1: ValueError: font missing"
    assert mail.outbox == []


class _Unexpected:
    def send(self):
        raise UnicodeEncodeError("ascii", "Zürich", 1, 2, "ordinal not in range(128)")


@pytest.mark.parametrize("final", [False, True])
def test_an_unexpected_error_from_the_mail_backend_is_recorded_not_left_sending(
    monkeypatch, settings, final
):
    # given: the mail backend raises something that is neither SMTP nor OS error
    settings.CRM_DUNNING_SEND_MAX_RETRIES = 0 if final else 5
    notice = _notice()
    monkeypatch.setattr(sending, "_message", lambda notice: _Unexpected())

    # when
    if final:
        status = sending.dunning_notice_send(notice_id=notice.pk)
    else:
        with pytest.raises(sending.NoticeSendFailed):
            sending.dunning_notice_send(notice_id=notice.pk)

    # then: recorded as a failure (retried, or failed after the last attempt)
    notice.refresh_from_db()
    expected = DunningNoticeStatus.FAILED if final else DunningNoticeStatus.QUEUED
    assert notice.status == expected
    assert final is False or status == DunningNoticeStatus.FAILED
    assert notice.claimed_until is None
    assert notice.attempts == 1
    assert notice.last_error.startswith("Attempt 1: UnicodeEncodeError:")
    assert mail.outbox == []
