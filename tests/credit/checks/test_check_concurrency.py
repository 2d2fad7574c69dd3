"""The same order checked at the same moment on PostgreSQL: one stored answer, every
caller gets it; different orders each get their own."""

from decimal import Decimal

import pytest
from django.db import connection

from credit.models import CreditCheck
from credit.services import credit_check_run
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.support.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def test_the_same_order_checked_at_once_is_logged_once():
    # given a customer and a user who sees every customer (roles are flushed here)
    assert connection.vendor == "postgresql"
    profile = CreditProfileFactory(credit_limit=Decimal("1000.00"))
    user = UserFactory(is_superuser=True)

    # when six callers check the same order at the same moment
    results = run_concurrently([
        lambda: credit_check_run(
            customer_id=profile.customer_id, order_amount="100.00", currency="USD",
            order_reference="SO-RACE", user=user,
        )
        for _ in range(THREADS)
    ])  # fmt: skip
    outcomes = [(check.pk, created) for check, created in results]

    # then one answer was stored and every caller got that one
    assert len(outcomes) == THREADS
    assert len({pk for pk, _created in outcomes}) == 1
    assert sum(created for _pk, created in outcomes) == 1
    assert CreditCheck.objects.count() == 1
