from decimal import Decimal

import pytest
from django.db import connection

from credit.models import CreditProfile, CreditProfileEvent
from credit.selectors_limits import credit_limit_history
from tests.factories.credit import CreditProfileFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the behaviour without triggers")
def test_without_postgresql_history_says_it_is_not_recorded():
    # given a limit change on SQLite (no triggers there)
    profile = CreditProfileFactory(credit_limit=Decimal("1000.00"))
    CreditProfile.objects.filter(pk=profile.pk).update(credit_limit=Decimal("2000.00"))
    # when
    history = credit_limit_history(customer=profile.customer)
    # then the history says it is not recorded rather than "nothing happened"
    assert history.is_recorded is False
    assert history.rows == []
    assert CreditProfileEvent.objects.count() == 0


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the behaviour without triggers")
def test_the_services_history_context_is_harmless_without_postgresql():
    # given: pghistory.context itself breaks every write on SQLite (it inspects the
    # psycopg connection), so the services enter it only on PostgreSQL
    from credit.services.limits import history_context

    profile = CreditProfileFactory(credit_limit=Decimal("1000.00"))
    # when
    with history_context(reason="bulk raise"):
        CreditProfile.objects.filter(pk=profile.pk).update(credit_limit=Decimal("3000.00"))
    # then the write went through
    profile.refresh_from_db()
    assert profile.credit_limit == Decimal("3000.00")
