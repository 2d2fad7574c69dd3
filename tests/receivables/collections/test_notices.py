import pytest
from django.contrib.auth.models import Permission

from crm import roles
from crm.exceptions import PermissionDenied, ValidationFailed
from receivables.dunning.manual import dunning_notice_send_manual, manual_notice_key
from receivables.dunning.preview import dunning_preview
from receivables.dunning.services import dunning_run_decide
from receivables.models import (
    ActivityKind,
    CollectionActivity,
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
)
from receivables.services import dispute_open
from tests.factories.accounts import UserFactory
from tests.receivables.collections.helpers import (
    notice,
    overdue_customer,
    overdue_invoice,
    today,
)

pytestmark = pytest.mark.django_db
TOKEN = "a1b2c3d4e5f6a7b8"


def _level(position, tier="normal"):
    return DunningLevel.objects.get(policy__is_default_for_tier=tier, position=position)


@pytest.fixture
def customer():
    return overdue_customer(days=10, total="1000.00", name="Harbour GmbH")


@pytest.fixture
def sender():
    return UserFactory(roles=[roles.CREDIT_MANAGER])


def test_preview_shows_what_the_run_would_send_today_without_writing(customer):
    # given
    invoice = customer.invoices.get()

    # when
    preview = dunning_preview(customer=customer, run_date=today())

    # then: 10 days past due, nothing sent yet: the first level (-3 days)
    assert [(n.level.position, [i.number for i in n.invoices]) for n in preview.notices] == [
        (1, [invoice.number])
    ]
    first = preview.notices[0]
    assert first.subject == "Upcoming payment reminder"
    assert first.body.startswith("Dear Harbour GmbH,")
    assert f"- {invoice.number}, due {invoice.due_date:%Y-%m-%d}: 1000.00 USD" in first.body
    assert preview.to_email == customer.contacts.get().email
    assert DunningNotice.objects.count() == 0


def test_preview_agrees_with_the_run(customer):
    # given: level 1 sent by the run
    overdue_invoice(customer, days=30, total="200.00")
    dunning_run_decide(run_date=today(), enqueue=lambda notice_id: None)
    DunningNotice.objects.update(status=DunningNoticeStatus.SENT, sent_at="2026-01-01T00:00Z")

    # when: what would go out tomorrow
    import datetime

    tomorrow = today() + datetime.timedelta(days=1)
    preview = dunning_preview(customer=customer, run_date=tomorrow)
    result = dunning_run_decide(run_date=tomorrow, enqueue=lambda notice_id: None)

    # then: both invoices at level 2, and the run wrote exactly that
    assert [(n.level.position, len(n.invoices)) for n in preview.notices] == [(2, 2)]
    assert result.notices_created == 1
    written = DunningNotice.objects.get(run_date=tomorrow)
    assert written.level == preview.notices[0].level
    assert set(written.invoices.all()) == set(preview.notices[0].invoices)


def test_preview_skips_disputed_invoices(customer):
    dispute_open(invoice=customer.invoices.get(), reason="Wrong price")
    assert dunning_preview(customer=customer, run_date=today()).notices == []


def test_preview_reports_a_broken_template(customer):
    DunningLevel.objects.filter(pk=_level(1).pk).update(subject_en="Hi {{ customer.nickname }}")
    preview = dunning_preview(customer=customer, run_date=today())
    assert preview.notices[0].error == (
        "The template of this level names an unknown field: customer.nickname"
    )


def test_manual_send_writes_one_outbox_notice_and_enqueues_it_after_commit(
    customer, sender, django_capture_on_commit_callbacks
):
    # given
    sent = []

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notice_, created = dunning_notice_send_manual(
            customer=customer,
            level=_level(2),
            request_token=TOKEN,
            user=sender,
            enqueue=sent.append,
        )

    # then
    assert created is True
    assert notice_.idempotency_key == manual_notice_key(
        customer_id=customer.pk, request_token=TOKEN
    )
    assert notice_.status == DunningNoticeStatus.QUEUED
    assert list(notice_.invoices.all()) == list(customer.invoices.all())
    assert sent == [notice_.pk]
    activity = CollectionActivity.objects.get()
    assert (activity.kind, activity.notice, activity.author) == (
        ActivityKind.NOTICE,
        notice_,
        sender,
    )


def test_manual_send_twice_with_the_same_token_sends_once(
    customer, sender, django_capture_on_commit_callbacks
):
    # given
    sent = []
    kwargs = {
        "customer": customer,
        "level": _level(2),
        "request_token": TOKEN,
        "user": sender,
        "enqueue": sent.append,
    }

    # when: a double click
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = dunning_notice_send_manual(**kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        second, created = dunning_notice_send_manual(**kwargs)

    # then
    assert created is False
    assert second.pk == first.pk
    assert sent == [first.pk]
    assert DunningNotice.objects.count() == 1
    assert CollectionActivity.objects.count() == 1


def test_manual_send_beside_the_runs_notice_of_the_same_level_and_day(customer, sender):
    # given: today's run already wrote level 1
    dunning_run_decide(run_date=today(), enqueue=lambda notice_id: None)

    # when: a clerk resends level 1 by hand
    _, created = dunning_notice_send_manual(
        customer=customer,
        level=_level(1),
        request_token=TOKEN,
        user=sender,
        enqueue=lambda notice_id: None,
    )

    # then
    assert created is True
    assert DunningNotice.objects.filter(level=_level(1), run_date=today()).count() == 2


def test_clerk_needs_the_send_permission(customer, django_capture_on_commit_callbacks):
    # given
    clerk = UserFactory(roles=[roles.COLLECTIONS_CLERK])

    # when / then
    with pytest.raises(PermissionDenied) as error:
        dunning_notice_send_manual(
            customer=customer, level=_level(2), request_token=TOKEN, user=clerk
        )
    assert error.value.code == "send_not_allowed"
    assert DunningNotice.objects.count() == 0

    # when: given the permission personally
    clerk.user_permissions.add(Permission.objects.get(codename="send_dunning_notice"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    _, created = dunning_notice_send_manual(
        customer=customer,
        level=_level(2),
        request_token=TOKEN,
        user=clerk,
        enqueue=lambda notice_id: None,
    )

    # then
    assert created is True


@pytest.mark.parametrize(
    ("level", "token", "code"),
    [
        (lambda: _level(1, tier="vip"), TOKEN, "level_not_in_policy"),
        (lambda: _level(3), TOKEN, "nothing_to_send"),  # +21 days, the invoice is 10 days late
        (lambda: _level(2), "short", "request_token_invalid"),
        (lambda: _level(2), "bad token with spaces", "request_token_invalid"),
    ],
)
def test_bad_manual_send_is_refused_and_writes_nothing(customer, sender, level, token, code):
    with pytest.raises(ValidationFailed) as error:
        dunning_notice_send_manual(
            customer=customer, level=level(), request_token=token, user=sender
        )
    assert error.value.code == code
    assert DunningNotice.objects.count() == 0
    assert DunningNoticeInvoice.objects.count() == 0
    assert CollectionActivity.objects.count() == 0


def test_manual_send_without_billing_email_is_not_enqueued(
    sender, django_capture_on_commit_callbacks
):
    # given
    customer = overdue_customer(days=10, total="100.00", email=False)
    sent = []

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notice_, _ = dunning_notice_send_manual(
            customer=customer,
            level=_level(2),
            request_token=TOKEN,
            user=sender,
            enqueue=sent.append,
        )

    # then
    assert notice_.status == DunningNoticeStatus.NO_ADDRESS
    assert sent == []
    assert CollectionActivity.objects.get().outcome == (
        "Level 2 notice not sent: no billing email address"
    )


def test_a_pending_notice_at_a_level_hides_it_from_the_preview(customer):
    notice_ = notice(customer, status=DunningNoticeStatus.BOUNCED)
    DunningNoticeInvoice.objects.create(
        notice=notice_, invoice=customer.invoices.get(), open_amount_at_notice="1000.00"
    )
    assert dunning_preview(customer=customer, run_date=today()).notices == []
