"""Scoring runs racing on PostgreSQL: one writes at a time, and the latest score of each
customer is the newest one.

Real concurrent transactions, one database connection per thread, released together.
"""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection

from credit.models import CreditScore, CreditScoreLatest
from credit.scoring.services import credit_scores_compute
from tests.credit.scoring.ledger import AS_OF, invoice
from tests.factories.customers import CustomerFactory
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def test_concurrent_scoring_runs_keep_the_latest_score_the_newest():
    # given customers, and runs that score all of them or just one, all at once
    assert connection.vendor == "postgresql"
    customers = [CustomerFactory() for _ in range(4)]
    invoice(customers[0], total="100.00", due=-90)
    jobs = [
        None,
        [customers[0].pk],
        None,
        [customers[0].pk, customers[1].pk],
        None,
        [customers[3].pk],
    ]
    # when they race (a run that fails fails the test)
    run_concurrently(
        [partial(credit_scores_compute, as_of=AS_OF, customer_ids=job) for job in jobs],
        timeout=120,
    )
    # then every run stored its scores, and each customer's latest is its newest score
    expected = {customer.pk: 3 for customer in customers}
    expected[customers[0].pk] += 2
    expected[customers[1].pk] += 1
    expected[customers[3].pk] += 1
    for customer in customers:
        scores = CreditScore.objects.filter(customer=customer)
        assert scores.count() == expected[customer.pk]
        newest = scores.order_by("-computed_at", "-id").first()
        assert CreditScoreLatest.objects.get(customer=customer).score_id == newest.pk
        assert newest.pk == scores.order_by("-id").first().pk
