"""Two dunning runs racing on PostgreSQL on the same day write each notice once."""

import datetime
import threading

import pytest
from django.db import connection, connections

from receivables.dunning.services import dunning_run_decide
from receivables.models import DunningNotice, DunningNoticeInvoice
from tests.factories.customers import ContactFactory
from tests.factories.receivables import InvoiceFactory
from tests.receivables.dunning.factories import CustomerDunningPolicyFactory, DunningLevelFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUNS = 4


def test_concurrent_runs_on_the_same_day_write_each_notice_once():
    # given: ten customers pinned to a one-level policy, each with two overdue invoices
    assert connection.vendor == "postgresql"
    level = DunningLevelFactory(offset_days=0)
    for _ in range(10):
        pin = CustomerDunningPolicyFactory(policy=level.policy)
        ContactFactory(customer=pin.customer)
        InvoiceFactory.create_batch(2, customer=pin.customer)
    run_date = datetime.date(2026, 10, 1)
    barrier = threading.Barrier(RUNS)
    errors: list[Exception] = []

    def work():
        try:
            barrier.wait(timeout=10)
            dunning_run_decide(run_date=run_date, enqueue=lambda notice_id: None)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=work) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert errors == []
    assert DunningNotice.objects.count() == 10
    assert DunningNoticeInvoice.objects.count() == 20
