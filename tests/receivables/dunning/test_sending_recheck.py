"""A notice sent long after it was decided (requeued once the clerk fixed the
address, or drained hours later) demands only what is still due when it goes out."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from crm import roles
from receivables import events
from receivables.dunning import sending
from receivables.dunning.outbox import dunning_notices_requeue
from receivables.dunning.services import dunning_run_decide
from receivables.models import (
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
)
from receivables.services import (
    allocation_create,
    dispute_open,
    dispute_resolve,
    invoice_void,
    payment_create,
    promise_to_pay_create,
    write_off_create,
)
from tests.factories.accounts import UserFactory
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import (
    DunningNoticeFactory,
    DunningNoticeInvoiceFactory,
    InvoiceFactory,
)

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 10, 1)  # the factory's due date
HOLD_DAY = DUE + datetime.timedelta(days=45)  # normal tier, level 4 places a credit hold


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.CRM_DUNNING_ATTACH_STATEMENT = False


@pytest.fixture
def holds():
    calls = []

    def _hold(sender, **kwargs):
        calls.append(kwargs)

    events.dunning_hold_requested.connect(_hold, dispatch_uid="test_recheck_hold")
    yield calls
    events.dunning_hold_requested.disconnect(dispatch_uid="test_recheck_hold")


def _normal_levels():
    return list(
        DunningLevel.objects.filter(
            policy__is_default_for_tier="normal", retired_at__isnull=True
        ).order_by("position")
    )


def _levels_sent_before_hold(customer, *invoices):
    """Levels 1-3 of the normal tier already sent for ``invoices``."""
    for level in _normal_levels()[:3]:
        notice = DunningNoticeFactory(
            customer=customer,
            level=level,
            run_date=DUE + datetime.timedelta(days=level.offset_days),
            status=DunningNoticeStatus.SENT,
            sent_at=timezone.now(),
        )
        for invoice in invoices:
            DunningNoticeInvoiceFactory(notice=notice, invoice=invoice)


def _hold_notice_without_address(*numbers):
    """The hold level decided for a customer without a billing email."""
    customer = CustomerFactory(name="Acme")
    invoices = [InvoiceFactory(customer=customer, number=number) for number in numbers]
    _levels_sent_before_hold(customer, *invoices)
    dunning_run_decide(run_date=HOLD_DAY, enqueue=lambda notice_id: None)
    notice = DunningNotice.objects.get(customer=customer, level=_normal_levels()[3])
    assert notice.status == DunningNoticeStatus.NO_ADDRESS
    return customer, invoices, notice


def _requeue_and_send(customer, notice):
    ContactFactory(customer=customer)
    assert dunning_notices_requeue(customer_id=customer.pk) == [notice.pk]
    return sending.dunning_notice_send(notice_id=notice.pk)


def test_a_requeued_notice_whose_only_invoice_was_disputed_since_is_cancelled_unsent(
    holds, django_capture_on_commit_callbacks
):
    # given: the hold level was decided with no billing address; then a dispute
    customer, (invoice,), notice = _hold_notice_without_address("INV-DISPUTED")
    dispute_open(invoice=invoice, reason="goods damaged")

    # when: weeks later the clerk adds the billing contact
    with django_capture_on_commit_callbacks(execute=True):
        status = _requeue_and_send(customer, notice)

    # then: no mail, no hold, the notice says why and lists nothing
    assert mail.outbox == []
    assert holds == []
    assert status == "cancelled"
    notice.refresh_from_db()
    assert notice.status == DunningNoticeStatus.CANCELLED
    assert notice.sent_at is None
    assert notice.claimed_until is None
    assert notice.attempts == 0
    assert f"decided on {HOLD_DAY}" in notice.last_error
    assert "INV-DISPUTED is disputed" in notice.last_error
    assert not DunningNoticeInvoice.objects.filter(notice=notice).exists()


def test_a_late_notice_lists_only_what_is_still_due_with_todays_open_amounts(
    holds, django_capture_on_commit_callbacks
):
    # given: three invoices decided at the hold level; one paid in full, one in
    # part, and one voided before the notice goes out
    customer, (paid, partly, voided), notice = _hold_notice_without_address(
        "INV-PAID", "INV-PARTLY", "INV-VOIDED"
    )
    payment = payment_create(customer=customer, received_date=HOLD_DAY, amount="1400.00")
    allocation_create(payment=payment, invoice=paid, amount="1000.00")
    allocation_create(payment=payment, invoice=partly, amount="400.00")
    invoice_void(invoice=voided, reason="issued twice")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        status = _requeue_and_send(customer, notice)

    # then: the mail and the notice show the remaining invoice at its open amount
    assert status == DunningNoticeStatus.SENT
    body = mail.outbox[0].body
    assert "INV-PARTLY" in body
    assert "600.00 USD" in body
    assert "INV-PAID" not in body
    assert "INV-VOIDED" not in body
    assert list(
        DunningNoticeInvoice.objects.filter(notice=notice).values_list(
            "invoice__number", "open_amount_at_notice"
        )
    ) == [("INV-PARTLY", Decimal("600.00"))]
    # the hold still fires: something is still owed at this level
    assert [call["notice_id"] for call in holds] == [notice.pk]


def test_invoices_promised_or_written_off_since_the_decision_are_left_out():
    # given: a queued reminder with four invoices, drained hours later
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    named, _still_due, written_off, _also_due = (
        InvoiceFactory(customer=customer, number=f"INV-{n}") for n in range(1, 5)
    )
    dunning_run_decide(run_date=DUE - datetime.timedelta(days=3), enqueue=lambda i: None)
    notice = DunningNotice.objects.get(customer=customer)
    assert notice.invoices.count() == 4
    promise_to_pay_create(
        customer=customer,
        amount="1000",
        promised_date=DUE,
        invoices=[named],
        made_on=DUE - datetime.timedelta(days=3),
    )
    write_off_create(
        invoice=written_off,
        amount="1000.00",
        reason="customer insolvent",
        user=UserFactory(roles=[roles.FINANCE_ADMIN]),
    )

    # when
    status = sending.dunning_notice_send(notice_id=notice.pk)

    # then
    assert status == DunningNoticeStatus.SENT
    assert set(notice.invoices.values_list("number", flat=True)) == {"INV-2", "INV-4"}
    assert "INV-1" not in mail.outbox[0].body
    assert "INV-3" not in mail.outbox[0].body

    # and a blanket promise (naming no invoice) covers all the customer's invoices
    other = CustomerFactory()
    ContactFactory(customer=other)
    InvoiceFactory(customer=other, number="INV-BLANKET")
    dunning_run_decide(run_date=DUE - datetime.timedelta(days=3), enqueue=lambda i: None)
    blanket_notice = DunningNotice.objects.get(customer=other)
    promise_to_pay_create(
        customer=other, amount="1000", promised_date=DUE, made_on=DUE - datetime.timedelta(days=3)
    )
    assert sending.dunning_notice_send(notice_id=blanket_notice.pk) == "cancelled"
    blanket_notice.refresh_from_db()
    assert "INV-BLANKET is under a promise to pay" in blanket_notice.last_error
    assert len(mail.outbox) == 1


def test_a_cancelled_notice_does_not_block_a_later_notice_at_that_level():
    # given: a hold notice cancelled because its invoice was disputed
    customer, (invoice,), notice = _hold_notice_without_address("INV-1")
    dispute = dispute_open(invoice=invoice, reason="goods damaged")
    assert _requeue_and_send(customer, notice) == "cancelled"

    # when: the dispute is resolved in our favour and the next run comes
    dispute_resolve(dispute=dispute, resolution="delivery proven")
    result = dunning_run_decide(
        run_date=HOLD_DAY + datetime.timedelta(days=10), enqueue=lambda i: None
    )

    # then: the invoice gets the hold level again
    assert result.notices_created == 1
    again = DunningNotice.objects.exclude(pk=notice.pk).get(
        customer=customer, level_id=notice.level_id
    )
    assert again.status == DunningNoticeStatus.QUEUED
    assert list(again.invoices.all()) == [invoice]


def test_resuming_an_interrupted_send_sends_the_same_message_without_checking_again():
    # given: attempt 1 went to the mail server, then the worker died; since then
    # the invoice was disputed
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    notice = DunningNoticeFactory(customer=customer)
    line = DunningNoticeInvoiceFactory(notice=notice)
    claimed = sending._claim(notice.pk)
    DunningNotice.objects.filter(pk=notice.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    dispute_open(invoice=line.invoice, reason="wrong price")

    # when
    status = sending.dunning_notice_send(notice_id=notice.pk)

    # then: the very same message again (the first may have been delivered)
    assert status == DunningNoticeStatus.SENT
    notice.refresh_from_db()
    assert notice.body == claimed.body
    assert list(notice.invoices.all()) == [line.invoice]
