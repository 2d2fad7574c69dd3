"""Clerks claiming the same customer at the same moment on PostgreSQL: exactly one
wins, the others are told who holds it; the same for a double-clicked manual send.

Real concurrent transactions, one connection per thread, released together by a
barrier so they overlap (including the first creation of the case row).
"""

import pytest
from django.db import connection

from crm import roles
from customers.models import Customer
from receivables.collections.services import collection_case_claim
from receivables.dunning.manual import dunning_notice_send_manual
from receivables.models import (
    ActivityKind,
    CollectionActivity,
    CollectionCase,
    CustomerDunningPolicy,
    DunningNotice,
)
from tests.factories.accounts import UserFactory
from tests.factories.receivables import DunningLevelFactory
from tests.receivables.collections.helpers import overdue_customer
from tests.support.concurrency import run_concurrently

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # The flush after each transactional test removes the roles; put them back.
    pytest.mark.usefixtures("roles_recreated"),
]

THREADS = 6


def _race(work, arguments):
    return run_concurrently(
        [(lambda argument=argument: work(argument)) for argument in arguments],
        refusals_as_outcomes=True,
    )


def test_two_clerks_claiming_at_once_exactly_one_wins():
    # given: no case row yet, six clerks
    assert connection.vendor == "postgresql"
    customer = overdue_customer(days=10, total="100.00")
    clerks = [UserFactory(roles=[roles.COLLECTIONS_CLERK]) for _ in range(THREADS)]

    def claim(user_id):
        user = type(clerks[0]).objects.get(pk=user_id)
        case = collection_case_claim(customer=Customer.objects.get(pk=customer.pk), user=user)
        return f"ok:{case.assignee_id}"

    # when
    outcomes = _race(claim, [clerk.pk for clerk in clerks])

    # then
    winners = [outcome for outcome in outcomes if outcome.startswith("ok:")]
    assert len(winners) == 1
    assert sorted(outcomes) == sorted(winners + ["409:case_already_claimed"] * (THREADS - 1))
    case = CollectionCase.objects.get(customer=customer)
    assert winners == [f"ok:{case.assignee_id}"]
    assert CollectionCase.objects.count() == 1
    assert CollectionActivity.objects.filter(kind=ActivityKind.ASSIGNMENT).count() == 1


def test_double_clicked_manual_send_writes_one_notice():
    # given
    customer = overdue_customer(days=10, total="100.00")
    manager = UserFactory(roles=[roles.CREDIT_MANAGER])
    # a level 7 days after due, of a policy the customer is pinned to (the flush of
    # earlier transactional tests may have taken the default policies with it)
    level = DunningLevelFactory(offset_days=7)
    CustomerDunningPolicy.objects.create(customer=customer, policy=level.policy)
    enqueued = []

    def send(_):
        notice, created = dunning_notice_send_manual(
            customer=Customer.objects.get(pk=customer.pk),
            level=level,
            request_token="same-form-token-1",
            user=type(manager).objects.get(pk=manager.pk),
            enqueue=enqueued.append,
        )
        return f"{notice.pk}:{created}"

    # when
    outcomes = _race(send, range(THREADS))

    # then
    notice = DunningNotice.objects.get()
    assert sorted(outcomes) == sorted(
        [f"{notice.pk}:True"] + [f"{notice.pk}:False"] * (THREADS - 1)
    )
    assert enqueued == [notice.pk]
    assert CollectionActivity.objects.filter(kind=ActivityKind.NOTICE).count() == 1
