import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Tier
from receivables.dunning.preview import dunning_preview
from receivables.dunning.services import dunning_run_decide
from receivables.models import (
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
    DunningPolicy,
    PromiseStatus,
)
from receivables.services import dispute_open, promise_to_pay_create
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    DunningNoticeFactory,
    DunningNoticeInvoiceFactory,
    InvoiceFactory,
)

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 10, 1)  # the factory's due date
# Normal tier: -3, +7, +21, +45 days.
REMINDER_DAY = DUE - datetime.timedelta(days=3)


def _customer(tier=Tier.NORMAL, email=True):
    customer = CustomerFactory(tier=tier)
    if email:
        ContactFactory(customer=customer)
    return customer


def _run(run_date, queued=None, capture=None):
    sink = [] if queued is None else queued
    if capture is None:
        return dunning_run_decide(run_date=run_date, enqueue=sink.append)
    with capture(execute=True):
        return dunning_run_decide(run_date=run_date, enqueue=sink.append)


def _mark_sent(*notices):
    DunningNotice.objects.filter(pk__in=[n.pk for n in notices]).update(
        status=DunningNoticeStatus.SENT, sent_at=timezone.now()
    )


def test_the_first_level_is_reached_exactly_on_its_offset_day_not_before():
    # given
    invoice = InvoiceFactory(customer=_customer())

    # when
    early = _run(REMINDER_DAY - datetime.timedelta(days=1))

    # then
    assert early.notices_created == 0
    assert DunningNotice.objects.count() == 0

    # when
    result = _run(REMINDER_DAY)

    # then
    notice = DunningNotice.objects.get()
    assert result.notices_created == 1
    assert notice.level.position == 1
    assert notice.level.offset_days == -3
    assert notice.status == DunningNoticeStatus.QUEUED
    line = DunningNoticeInvoice.objects.get()
    assert line.invoice == invoice
    assert line.open_amount_at_notice == Decimal("1000.00")


def test_invoices_are_grouped_into_one_notice_per_customer_per_level(
    django_capture_on_commit_callbacks,
):
    # given
    customer = _customer()
    first = InvoiceFactory(customer=customer)
    second = InvoiceFactory(customer=customer, total=Decimal("250.50"))
    other = InvoiceFactory(customer=_customer())
    queued = []

    # when
    result = _run(REMINDER_DAY, queued, django_capture_on_commit_callbacks)

    # then
    assert result.notices_created == 2
    assert result.invoices_noticed == 3
    assert result.customers == 2
    notice = DunningNotice.objects.get(customer=customer)
    assert set(notice.invoices.all()) == {first, second}
    assert list(DunningNotice.objects.get(customer=other.customer).invoices.all()) == [other]
    assert sorted(queued) == sorted(DunningNotice.objects.values_list("pk", flat=True))


def test_running_twice_on_the_same_day_writes_nothing_new():
    # given
    InvoiceFactory(customer=_customer())
    _run(REMINDER_DAY)
    notices, lines = DunningNotice.objects.count(), DunningNoticeInvoice.objects.count()

    # when
    again = _run(REMINDER_DAY)

    # then
    assert again.notices_created == 0
    assert DunningNotice.objects.count() == notices == 1
    assert DunningNoticeInvoice.objects.count() == lines == 1


def test_running_again_the_same_day_after_sending_does_not_jump_a_level():
    # given: the reminder is sent, and the next level would be due too
    InvoiceFactory(customer=_customer())
    run_date = DUE + datetime.timedelta(days=30)
    _run(run_date)
    _mark_sent(DunningNotice.objects.get())

    # when
    again = _run(run_date)

    # then
    assert again.notices_created == 0
    assert DunningNotice.objects.count() == 1


def test_a_level_is_not_reached_until_the_previous_notice_was_sent():
    # given: the reminder was decided but is still queued
    InvoiceFactory(customer=_customer())
    _run(REMINDER_DAY)
    level_2_day = DUE + datetime.timedelta(days=7)

    # when
    result = _run(level_2_day)

    # then
    assert result.notices_created == 0
    assert DunningNotice.objects.count() == 1

    # when: the reminder goes out
    _mark_sent(DunningNotice.objects.get())
    result = _run(level_2_day)

    # then
    assert result.notices_created == 1
    assert DunningNotice.objects.get(run_date=level_2_day).level.position == 2


def test_the_second_level_starts_exactly_on_its_offset_day():
    # given
    InvoiceFactory(customer=_customer())
    _run(REMINDER_DAY)
    _mark_sent(DunningNotice.objects.get())

    # when
    before = _run(DUE + datetime.timedelta(days=6))
    on_day = _run(DUE + datetime.timedelta(days=7))

    # then
    assert before.notices_created == 0
    assert on_day.notices_created == 1


def test_disputed_invoices_are_skipped():
    # given
    customer = _customer()
    disputed = InvoiceFactory(customer=customer)
    kept = InvoiceFactory(customer=customer)
    dispute_open(invoice=disputed, reason="Wrong quantity", opened_on=DUE)

    # when
    _run(REMINDER_DAY)

    # then
    assert list(DunningNotice.objects.get().invoices.all()) == [kept]


def test_invoices_under_an_open_promise_are_skipped_and_re_enter_when_it_is_broken():
    # given
    customer = _customer()
    invoice = InvoiceFactory(customer=customer)
    promise = promise_to_pay_create(
        customer=customer,
        amount="1000",
        promised_date=DUE,
        invoices=[invoice],
        made_on=REMINDER_DAY - datetime.timedelta(days=1),
    )

    # when
    skipped = _run(REMINDER_DAY)

    # then
    assert skipped.notices_created == 0
    assert DunningNotice.objects.count() == 0

    # when
    promise.status = PromiseStatus.BROKEN
    promise.closed_on = DUE + datetime.timedelta(days=3)
    promise.save()
    result = _run(DUE + datetime.timedelta(days=3))

    # then
    assert result.notices_created == 1
    assert list(DunningNotice.objects.get().invoices.all()) == [invoice]


def test_a_customer_without_a_billing_email_gets_a_no_address_notice_not_queued():
    # given
    InvoiceFactory(customer=_customer(email=False))
    queued = []

    # when
    result = _run(REMINDER_DAY, queued)

    # then
    assert result.no_address == 1
    assert DunningNotice.objects.get().status == DunningNoticeStatus.NO_ADDRESS
    assert queued == []


def test_vip_customers_get_no_reminder_before_due():
    # given
    InvoiceFactory(customer=_customer(tier=Tier.VIP))

    # when
    before = _run(REMINDER_DAY)
    at_first_level = _run(DUE + datetime.timedelta(days=7))

    # then
    assert before.notices_created == 0
    assert at_first_level.notices_created == 1
    assert DunningNotice.objects.get().level.offset_days == 7


def test_settled_invoices_get_no_notice():
    # given
    InvoiceFactory(customer=_customer(), open_amount=Decimal("0"), amount_paid=Decimal("1000"))

    # when
    result = _run(REMINDER_DAY)

    # then
    assert result.notices_created == 0
    assert DunningNotice.objects.count() == 0


def test_a_notice_still_sending_from_an_earlier_day_blocks_a_second_at_that_level():
    # given: yesterday's reminder is still "sending" (its worker died, the lease runs)
    customer = _customer()
    invoice = InvoiceFactory(customer=customer)
    _run(REMINDER_DAY)
    DunningNotice.objects.filter(customer=customer).update(
        status=DunningNoticeStatus.SENDING,
        attempts=1,
        claimed_until=timezone.now() + datetime.timedelta(seconds=200),
    )

    # when
    result = _run(REMINDER_DAY + datetime.timedelta(days=1))

    # then: no second reminder for the invoice
    assert result.notices_created == 0
    assert list(DunningNoticeInvoice.objects.values_list("invoice_id", flat=True)) == [invoice.pk]


@pytest.mark.parametrize("first_offset", [-3, -3_000_000])
def test_offsets_beyond_the_calendar_saved_earlier_do_not_stop_the_run(first_offset):
    # given: a policy whose last level has a typo'd offset (saved before offsets were
    # bounded), and maybe a first one reaching far back; one customer is due that last level
    policy = DunningPolicy.objects.get(is_default_for_tier=Tier.NORMAL)
    levels = list(policy.levels.filter(retired_at__isnull=True).order_by("position"))
    DunningLevel.objects.filter(pk=levels[0].pk).update(offset_days=first_offset)
    DunningLevel.objects.filter(pk=levels[3].pk).update(offset_days=3_000_000)
    late = _customer()
    late_invoice = InvoiceFactory(customer=late)
    for level in levels[:3]:
        notice = DunningNoticeFactory(
            customer=late,
            level=level,
            run_date=DUE,
            status=DunningNoticeStatus.SENT,
            sent_at=timezone.now(),
        )
        DunningNoticeInvoiceFactory(notice=notice, invoice=late_invoice)
    InvoiceFactory(customer=_customer())
    run_date = DUE + datetime.timedelta(days=60)

    # when
    result = _run(run_date)
    preview = dunning_preview(customer=late, run_date=run_date)

    # then: the other customer gets the first level; the far level is never reached
    assert result.notices_created == 1
    assert DunningNotice.objects.get(run_date=run_date).level_id == levels[0].pk
    assert preview.notices == []
