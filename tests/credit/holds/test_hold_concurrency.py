"""Holds racing on PostgreSQL: the profile row lock lets exactly one placement win.

Real concurrent transactions, one connection per thread, released together by a barrier.
"""

import pytest
from django.db import connection

from credit.models import CreditHoldEvent, CreditProfile, HoldSource
from credit.services import credit_hold_place, credit_hold_place_automatic
from crm import roles
from tests.factories.accounts import UserFactory
from tests.factories.credit import CreditProfileFactory
from tests.support.concurrency import run_concurrently

# Transactional tests flush the database after each test, and Django's flush emits
# post_migrate, which recreates content types and model permissions -- but not the
# roles' groups, which only the data migrations create. ``roles_recreated`` runs those
# again (with the migrations' historical registry) so each test starts with the roles.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("roles_recreated"),
]

THREADS = 6


def _race(calls):
    """What each call came to: a hold placed, skipped (already on hold), or refused."""
    return run_concurrently(
        [(lambda call=call: "placed" if call() is not None else "skipped") for call in calls],
        refusals_as_outcomes=True,
    )


def test_concurrent_automatic_holds_place_exactly_one():
    # given a customer not on hold and six rules firing at once with different triggers
    assert connection.vendor == "postgresql"
    profile = CreditProfileFactory()
    calls = [
        (lambda n=n: credit_hold_place_automatic(
            customer_id=profile.customer_id, source=HoldSource.DUNNING, reason="Level 3",
            trigger=f"dunning-notice:{n}",
        ))
        for n in range(THREADS)
    ]  # fmt: skip

    # when they race
    outcomes = _race(calls)

    # then one placed the hold, the others saw it and did nothing
    assert sorted(outcomes) == ["placed"] + ["skipped"] * (THREADS - 1)
    assert CreditHoldEvent.objects.count() == 1
    assert CreditProfile.objects.get(pk=profile.pk).is_on_hold is True


def test_concurrent_identical_triggers_place_exactly_one():
    profile = CreditProfileFactory()
    calls = [
        lambda: credit_hold_place_automatic(
            customer_id=profile.customer_id, source=HoldSource.OVER_LIMIT, reason="Over",
            trigger="invoice:1",
        )
        for _ in range(THREADS)
    ]  # fmt: skip
    outcomes = _race(calls)
    assert sorted(outcomes) == ["placed"] + ["skipped"] * (THREADS - 1)
    assert CreditHoldEvent.objects.count() == 1


def test_concurrent_manual_holds_one_wins_the_others_get_409():
    profile = CreditProfileFactory()
    managers = [UserFactory(roles=[roles.CREDIT_MANAGER]) for _ in range(THREADS)]
    assert all(manager.has_perm("credit.place_credit_hold") for manager in managers)
    calls = [
        (lambda user=user: credit_hold_place(
            customer_id=profile.customer_id, reason=f"By {user.username}", user=user
        ))
        for user in managers
    ]  # fmt: skip
    outcomes = _race(calls)
    assert sorted(outcomes) == ["409:already_on_hold"] * (THREADS - 1) + ["placed"]
    assert CreditHoldEvent.objects.count() == 1
