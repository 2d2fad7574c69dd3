"""Several workers (threads, each with its own PostgreSQL connection) sending the
same notices at once: each notice is sent exactly once."""

import pytest
from django.core import mail
from django.db import connection

from receivables.dunning import sending
from receivables.models import DunningNotice, DunningNoticeStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import DunningNoticeFactory, DunningNoticeInvoiceFactory
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 4
NOTICES = 5


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.CRM_DUNNING_ATTACH_STATEMENT = False


def test_racing_deliveries_of_the_same_notices_send_each_once():
    # given: five queued notices; four workers each get every one of them
    assert connection.vendor == "postgresql"
    notices = []
    for _ in range(NOTICES):
        customer = CustomerFactory()
        ContactFactory(customer=customer)
        notice = DunningNoticeFactory(customer=customer)
        DunningNoticeInvoiceFactory(notice=notice)
        notices.append(notice)

    def work() -> list[str]:
        outcomes = []
        for notice in notices:
            try:
                outcomes.append(sending.dunning_notice_send(notice_id=notice.pk))
            except sending.NoticeBusy:
                outcomes.append("busy")
        return outcomes

    # when (a worker that fails fails the test)
    outcomes = [outcome for sent in run_concurrently([work] * WORKERS) for outcome in sent]

    # then: one message per notice, every notice sent once, the others saw it taken
    assert len(mail.outbox) == NOTICES
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        DunningNotice.objects.values_list("message_id", flat=True)
    )
    assert set(outcomes) <= {DunningNoticeStatus.SENT, "busy"}
    assert set(DunningNotice.objects.values_list("status", "attempts")) == {
        (DunningNoticeStatus.SENT, 1)
    }
    assert len(outcomes) == WORKERS * NOTICES
