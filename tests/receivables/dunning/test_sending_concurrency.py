"""Several workers (threads, each with its own PostgreSQL connection) sending the
same notices at once: each notice is sent exactly once."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from receivables.dunning import sending
from receivables.models import DunningNotice, DunningNoticeStatus
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import DunningNoticeFactory, DunningNoticeInvoiceFactory

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
    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    errors: list[Exception] = []

    def work():
        try:
            barrier.wait(timeout=10)
            for notice in notices:
                try:
                    outcomes.append(sending.dunning_notice_send(notice_id=notice.pk))
                except sending.NoticeBusy:
                    outcomes.append("busy")
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: one message per notice, every notice sent once, the others saw it taken
    assert errors == []
    assert len(mail.outbox) == NOTICES
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        DunningNotice.objects.values_list("message_id", flat=True)
    )
    assert set(outcomes) <= {DunningNoticeStatus.SENT, "busy"}
    assert set(DunningNotice.objects.values_list("status", "attempts")) == {
        (DunningNoticeStatus.SENT, 1)
    }
    assert len(outcomes) == WORKERS * NOTICES
