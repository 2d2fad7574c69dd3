"""Bounces reported back, and notices that could not go out getting back into the outbox."""

import pytest
from django.core import mail

from crm.exceptions import Conflict, NotFound, ValidationFailed
from customers.models import Contact
from customers.selectors import contact_billing_email
from customers.services import contact_create, contact_update
from receivables.dunning.bounces import dunning_notice_bounce
from receivables.dunning.outbox import dunning_notices_requeue
from receivables.dunning.tasks import dunning_notice_send
from receivables.models import DunningNotice, DunningNoticeStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import DunningNoticeFactory, DunningNoticeInvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.CRM_DUNNING_ATTACH_STATEMENT = False


def _sent_notice(email="pay@acme.example.com"):
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer, email=email)
    notice = DunningNoticeFactory(customer=customer)
    DunningNoticeInvoiceFactory(notice=notice)
    dunning_notice_send.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    return notice, contact


def test_a_sent_notice_carries_its_stable_message_id_in_the_headers():
    # when
    notice, _ = _sent_notice()

    # then
    assert notice.message_id.startswith("<")
    assert f".dunning.{notice.pk}@" in notice.message_id
    assert notice.message_id.endswith("@example.com>")
    assert mail.outbox[0].extra_headers["Message-ID"] == notice.message_id
    assert mail.outbox[0].message()["Message-ID"] == notice.message_id


def test_a_bounce_by_message_id_marks_the_notice_and_the_address():
    # given
    notice, contact = _sent_notice()

    # when: the provider reports it without the angle brackets
    bounced = dunning_notice_bounce(
        message_id=notice.message_id.strip("<>"),
        email="PAY@acme.example.com",
        reason="550 5.1.1 mailbox unavailable",
    )

    # then
    assert bounced.pk == notice.pk
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.BOUNCED
    assert notice.bounced_at is not None
    assert notice.bounce_reason == "pay@acme.example.com: 550 5.1.1 mailbox unavailable"
    contact.refresh_from_db()
    assert contact.is_email_valid is False
    assert contact_billing_email(customer=notice.customer) is None


def test_a_second_report_of_the_same_bounce_changes_nothing():
    # given
    notice, _ = _sent_notice()
    dunning_notice_bounce(notice_id=notice.pk, reason="550 no such user")
    notice.refresh_from_db()
    first = (notice.status, notice.bounced_at, notice.bounce_reason)

    # when
    dunning_notice_bounce(notice_id=notice.pk, reason="550 again")

    # then
    notice.refresh_from_db()
    assert (notice.status, notice.bounced_at, notice.bounce_reason) == first


@pytest.mark.parametrize(
    ("kwargs", "error", "code"),
    [
        ({"reason": "550"}, ValidationFailed, "bounce_notice_required"),
        (
            {"message_id": "<nobody@example.com>", "reason": "550"},
            NotFound,
            "dunning_notice_not_found",
        ),
        ({"reason": ""}, ValidationFailed, "bounce_reason_required"),
    ],
)
def test_a_bounce_report_that_names_no_known_notice_or_no_reason_is_refused(kwargs, error, code):
    # given
    notice, contact = _sent_notice()
    if "message_id" not in kwargs and kwargs.get("reason") == "":
        kwargs = {**kwargs, "notice_id": notice.pk}

    # when
    with pytest.raises(error) as refused:
        dunning_notice_bounce(**kwargs)

    # then
    assert refused.value.code == code
    notice.refresh_from_db()
    contact.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert contact.is_email_valid is True


def test_a_notice_that_was_not_sent_cannot_bounce():
    # given
    notice = DunningNoticeFactory(status=DunningNoticeStatus.QUEUED)

    # when
    with pytest.raises(Conflict) as refused:
        dunning_notice_bounce(notice_id=notice.pk, email="x@example.com", reason="550")

    # then
    assert refused.value.code == "dunning_notice_not_sent"
    assert "status is queued" in refused.value.message
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.QUEUED
    assert notice.bounced_at is None


def test_a_recipient_the_server_refuses_for_good_is_a_bounce_at_once(monkeypatch):
    # given
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer, email="gone@acme.example.com")
    notice = DunningNoticeFactory(customer=customer)
    DunningNoticeInvoiceFactory(notice=notice)
    import smtplib

    def _refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({"gone@acme.example.com": (550, b"5.1.1 unknown")})

    monkeypatch.setattr("django.core.mail.EmailMessage.send", _refuse)

    # when
    status = dunning_notice_send.apply(args=[notice.pk]).get()

    # then
    assert status == DunningNoticeStatus.BOUNCED
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.BOUNCED
    assert notice.sent_at is None
    assert "550 5.1.1 unknown" in notice.bounce_reason
    contact.refresh_from_db()
    assert contact.is_email_valid is False


def test_a_bounced_notice_goes_back_out_when_the_clerk_fixes_the_address(
    django_capture_on_commit_callbacks,
):
    # given
    notice, contact = _sent_notice()
    with django_capture_on_commit_callbacks(execute=True):
        dunning_notice_bounce(notice_id=notice.pk, reason="550 mailbox unavailable")
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.BOUNCED  # no other address yet
    old_message_id = notice.message_id
    mail.outbox.clear()

    # when: the clerk corrects the email (customers announces contact_changed)
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(contact=contact, data={"email": "payables@acme.example.com"})

    # then: sent again, to the new address, as a new message
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert notice.to_email == "payables@acme.example.com"
    assert notice.message_id != old_message_id
    assert [message.to for message in mail.outbox] == [["payables@acme.example.com"]]
    assert notice.attempts == 2


def test_a_no_address_notice_is_sent_once_a_billing_contact_is_added(
    django_capture_on_commit_callbacks,
):
    # given
    customer = CustomerFactory()
    notice = DunningNoticeFactory(customer=customer)
    DunningNoticeInvoiceFactory(notice=notice)
    dunning_notice_send.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.NO_ADDRESS

    # when
    with django_capture_on_commit_callbacks(execute=True):
        contact_create(
            customer=customer, name="Ann Payer", email="ann@acme.example.com", is_billing=True
        )

    # then
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.SENT
    assert [message.to for message in mail.outbox] == [["ann@acme.example.com"]]


def test_requeue_without_a_usable_address_leaves_the_notices_where_they_are():
    # given: the only billing contact is invalid; a non-billing contact does not count
    customer = CustomerFactory()
    ContactFactory(customer=customer, is_email_valid=False)
    ContactFactory(customer=customer, is_billing=False)
    notice = DunningNoticeFactory(customer=customer, status=DunningNoticeStatus.NO_ADDRESS)

    # when
    requeued = dunning_notices_requeue(customer_id=customer.pk)

    # then
    assert requeued == []
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.NO_ADDRESS


def test_requeue_twice_enqueues_once_and_touches_only_unsendable_notices():
    # given
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    waiting = DunningNoticeFactory(customer=customer, status=DunningNoticeStatus.NO_ADDRESS)
    failed = DunningNoticeFactory(
        customer=customer,
        status=DunningNoticeStatus.FAILED,
        idempotency_key="other-key",
        run_date=waiting.run_date.replace(day=9),
    )

    # when
    first = dunning_notices_requeue(customer_id=customer.pk)
    second = dunning_notices_requeue(customer_id=customer.pk)

    # then
    assert first == [waiting.pk]
    assert second == []
    assert DunningNotice.objects.get(pk=waiting.pk).status == DunningNoticeStatus.QUEUED
    assert DunningNotice.objects.get(pk=failed.pk).status == DunningNoticeStatus.FAILED


def test_the_billing_email_choice_skips_invalid_addresses():
    # given
    customer = CustomerFactory()
    ContactFactory(customer=customer, email="a-bad@acme.example.com", is_email_valid=False)
    ContactFactory(customer=customer, email="b-good@acme.example.com")

    # then
    assert contact_billing_email(customer=customer) == "b-good@acme.example.com"
    assert Contact.objects.filter(customer=customer).count() == 2


def test_a_contact_change_that_cannot_give_an_address_enqueues_nothing(
    django_capture_on_commit_callbacks,
):
    # given
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer, is_billing=False)
    notice = DunningNoticeFactory(customer=customer, status=DunningNoticeStatus.NO_ADDRESS)

    # when: only the phone number changes
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contact_update(contact=contact, data={"phone": "+1 555 0100"})

    # then
    assert callbacks == []
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.NO_ADDRESS
