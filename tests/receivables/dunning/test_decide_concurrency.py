"""Two dunning runs racing on PostgreSQL on the same day write each notice once."""

import datetime

import pytest
from django.db import connection

from receivables.dunning.services import dunning_run_decide
from receivables.models import DunningNotice, DunningNoticeInvoice
from tests.factories.customers import ContactFactory
from tests.factories.receivables import InvoiceFactory
from tests.receivables.dunning.factories import CustomerDunningPolicyFactory, DunningLevelFactory
from tests.support.concurrency import run_concurrently

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

    def run() -> None:
        dunning_run_decide(run_date=run_date, enqueue=lambda notice_id: None)

    # when (a run that fails fails the test)
    run_concurrently([run] * RUNS)

    # then
    assert DunningNotice.objects.count() == 10
    assert DunningNoticeInvoice.objects.count() == 20
