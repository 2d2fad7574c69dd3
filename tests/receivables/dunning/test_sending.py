import datetime
import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail

from customers.models import Language
from receivables.dunning import sending
from receivables.dunning.services import dunning_run_decide
from receivables.dunning.tasks import dunning_notice_send
from receivables.models import DunningNotice, DunningNoticeStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

REMINDER_DAY = datetime.date(2026, 9, 28)  # normal tier: 3 days before the factory's due date


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.CRM_DUNNING_ATTACH_STATEMENT = False


def _queued_notice(language=Language.ENGLISH):
    customer = CustomerFactory(language=language, name="Acme Ltd.")
    contact = ContactFactory(customer=customer)
    InvoiceFactory(customer=customer, number="INV-42")
    dunning_run_decide(run_date=REMINDER_DAY, enqueue=lambda notice_id: None)
    return DunningNotice.objects.get(customer=customer), contact


def test_a_decided_notice_is_sent_once_after_commit_with_the_statement(
    settings, django_capture_on_commit_callbacks
):
    # given
    settings.CRM_DUNNING_ATTACH_STATEMENT = True
    customer = CustomerFactory(name="Acme Ltd.")
    contact = ContactFactory(customer=customer)
    InvoiceFactory(customer=customer, number="INV-42")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        dunning_run_decide(run_date=REMINDER_DAY)

    # then
    notice = DunningNotice.objects.get()
    assert notice.status == DunningNoticeStatus.SENT
    assert notice.sent_at is not None
    assert notice.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contact.email]
    assert message.subject == "Upcoming payment reminder"
    assert "Acme Ltd." in message.body
    assert "INV-42" in message.body
    assert "1000.00 USD" in message.body
    _name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")


def test_a_second_delivery_of_the_same_task_does_not_send_again():
    # given
    notice, _ = _queued_notice()
    dunning_notice_send.apply(args=[notice.pk])

    # when
    dunning_notice_send.apply(args=[notice.pk])

    # then
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert notice.attempts == 1


def test_a_chinese_speaking_customer_gets_the_chinese_text():
    # given
    notice, _ = _queued_notice(language=Language.SIMPLIFIED_CHINESE)

    # when
    dunning_notice_send.apply(args=[notice.pk])

    # then
    assert mail.outbox[0].subject == "付款到期提醒"
    assert "尊敬的Acme Ltd." in mail.outbox[0].body


def test_a_refused_send_is_recorded_and_left_queued_for_a_retry(monkeypatch):
    # given
    notice, _ = _queued_notice()
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(
            smtplib.SMTPServerDisconnected("connection lost")
        ),
    )

    # when
    with pytest.raises(sending.NoticeSendFailed):
        sending.dunning_notice_send(notice_id=notice.pk)

    # then
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.QUEUED
    assert notice.attempts == 1
    assert "connection lost" in notice.last_error
    assert notice.sent_at is None


def test_the_task_retries_a_refused_send_and_marks_it_failed_after_the_last_try(
    settings, monkeypatch
):
    # given
    settings.CRM_DUNNING_SEND_MAX_RETRIES = 2
    notice, _ = _queued_notice()
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(
            smtplib.SMTPDataError(451, "try later")
        ),
    )

    # when: the first delivery fails
    with pytest.raises(Retry) as retry:
        dunning_notice_send.apply(args=[notice.pk])

    # then: it is recorded and retried later
    assert retry.value.when == 10
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.QUEUED
    assert notice.attempts == 1

    # when: the second retry (the last one) fails too
    with pytest.raises(Retry) as retry:
        dunning_notice_send.apply(args=[notice.pk], retries=1)
    assert retry.value.when == 20
    dunning_notice_send.apply(args=[notice.pk], retries=2)

    # then
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.FAILED
    assert notice.attempts == 3
    assert "try later" in notice.last_error
    assert mail.outbox == []


def test_the_retry_backoff_is_at_most_five_minutes(settings, monkeypatch):
    # given
    settings.CRM_DUNNING_SEND_MAX_RETRIES = 20
    notice, _ = _queued_notice()
    DunningNotice.objects.filter(pk=notice.pk).update(attempts=10)
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(smtplib.SMTPException("down")),
    )

    # when
    with pytest.raises(Retry) as retry:
        dunning_notice_send.apply(args=[notice.pk])

    # then: the eleventh attempt failed; 10 s doubling ten times is capped at 300 s
    assert retry.value.when == 300


def test_a_notice_whose_contact_lost_the_address_becomes_no_address():
    # given
    notice, contact = _queued_notice()
    contact.is_email_valid = False
    contact.save()

    # when
    dunning_notice_send.apply(args=[notice.pk])

    # then
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.NO_ADDRESS
    assert mail.outbox == []
