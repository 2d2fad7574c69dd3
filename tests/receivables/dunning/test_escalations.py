"""Escalations are announced when the notice of a level that carries them is sent."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import transaction

from receivables import events
from receivables.dunning import sending
from receivables.dunning.tasks import dunning_notice_send
from receivables.models import DunningNotice, DunningNoticeStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    DunningLevelFactory,
    DunningNoticeFactory,
    DunningNoticeInvoiceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.CRM_DUNNING_ATTACH_STATEMENT = False


@pytest.fixture
def heard():
    """Every escalation announced, as (event name, kwargs)."""
    calls = []

    def _hold(sender, **kwargs):
        calls.append(("hold", kwargs))

    def _agency(sender, **kwargs):
        calls.append(("agency", kwargs))

    events.dunning_hold_requested.connect(_hold, dispatch_uid="test_hold")
    events.dunning_agency_flagged.connect(_agency, dispatch_uid="test_agency")
    yield calls
    events.dunning_hold_requested.disconnect(dispatch_uid="test_hold")
    events.dunning_agency_flagged.disconnect(dispatch_uid="test_agency")


def _notice(**level_flags):
    customer = CustomerFactory(code="ESC-1")
    ContactFactory(customer=customer)
    level = DunningLevelFactory(offset_days=45, **level_flags)
    notice = DunningNoticeFactory(customer=customer, level=level)
    DunningNoticeInvoiceFactory(notice=notice)
    return notice


def test_sending_a_hold_level_notice_requests_a_hold_once_after_commit(
    heard, django_capture_on_commit_callbacks
):
    # given
    notice = _notice(place_credit_hold=True)

    # when: sent, then the same task delivered twice more
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dunning_notice_send.apply(args=[notice.pk])
    dunning_notice_send.apply(args=[notice.pk])
    dunning_notice_send.apply(args=[notice.pk])

    # then: one send recorded (other apps' receivers may add callbacks of their own)
    assert [c.__qualname__ for c in callbacks].count("_record_sent.<locals>.<lambda>") == 1
    assert len(mail.outbox) == 1
    assert [name for name, _ in heard] == ["hold"]
    kwargs = heard[0][1]
    assert kwargs["notice_id"] == notice.pk
    assert kwargs["customer_id"] == notice.customer_id
    assert kwargs["level_id"] == notice.level_id
    assert "Credit hold requested by dunning level 1 (+45 days)" in kwargs["reason"]
    assert "customer ESC-1 on 2026-10-08" in kwargs["reason"]


def test_an_agency_level_flags_for_agency_and_a_level_with_both_announces_both(
    heard, django_capture_on_commit_callbacks
):
    # given
    notice = _notice(place_credit_hold=True, flag_for_agency=True)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        dunning_notice_send.apply(args=[notice.pk])

    # then
    assert sorted(name for name, _ in heard) == ["agency", "hold"]
    assert all(kwargs["notice_id"] == notice.pk for _, kwargs in heard)


def test_nothing_is_announced_for_a_rolled_back_send(heard):
    # given: the send is recorded, then the transaction around it fails
    notice = _notice(place_credit_hold=True)

    def _send_then_fail():
        with transaction.atomic():
            sending.dunning_notice_send(notice_id=notice.pk)
            raise RuntimeError("rolled back")

    # when
    with pytest.raises(RuntimeError):
        _send_then_fail()

    # then
    assert heard == []
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.QUEUED


def test_a_failed_send_announces_nothing(heard, monkeypatch):
    # given
    notice = _notice(place_credit_hold=True, flag_for_agency=True)
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(smtplib.SMTPException("down")),
    )

    # when
    with pytest.raises(sending.NoticeSendFailed):
        sending.dunning_notice_send(notice_id=notice.pk)

    # then
    assert heard == []
    assert DunningNotice.objects.get(pk=notice.pk).status == DunningNoticeStatus.QUEUED


def test_a_level_without_escalations_announces_nothing(heard, django_capture_on_commit_callbacks):
    # given
    notice = _notice()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        dunning_notice_send.apply(args=[notice.pk])

    # then
    assert heard == []
    assert DunningNotice.objects.get(pk=notice.pk).status == DunningNoticeStatus.SENT


def test_a_failing_receiver_does_not_undo_the_send(django_capture_on_commit_callbacks):
    # given
    notice = _notice(place_credit_hold=True)
    called = []

    def _broken(sender, **kwargs):
        called.append(kwargs["notice_id"])
        raise ValueError("credit is down")

    events.dunning_hold_requested.connect(_broken, dispatch_uid="test_broken")
    try:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            result = dunning_notice_send.apply(args=[notice.pk])
    finally:
        events.dunning_hold_requested.disconnect(dispatch_uid="test_broken")

    # then
    assert called == [notice.pk]
    assert result.get() == DunningNoticeStatus.SENT
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert notice.sent_at.date() >= datetime.date(2026, 1, 1)
