"""Fixtures for the demo generator's tests: a generated portfolio and a way to remove it."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from credit.models import CreditProfile
from customers.models import Contact, Customer
from receivables.models import (
    Allocation,
    BalanceSnapshot,
    CreditNote,
    CustomerBalance,
    Dispute,
    Invoice,
    Payment,
    WriteOff,
)

AS_OF = date(2025, 6, 30)
PORTFOLIO_CUSTOMERS = 200
PORTFOLIO_SEED = 7


def seed(customers: int = 40, seed: int = 1, **options) -> None:
    call_command(
        "seed_demo",
        customers=customers,
        seed=seed,
        as_of=options.pop("as_of", AS_OF.isoformat()),
        quiet=True,
        **options,
    )


def portfolio_delete() -> None:
    """Remove everything the generator wrote (children first), keeping the users."""
    for model in (
        Allocation,
        WriteOff,
        Dispute,
        CreditNote,
        Payment,
        Invoice,
        CustomerBalance,
        BalanceSnapshot,
    ):
        model.objects.all().delete()
    for model in (CreditProfile, Contact, Customer):
        model.objects.all().delete()


@pytest.fixture(scope="module")
def portfolio(django_db_setup, django_db_blocker):
    """One portfolio of 200 customers, generated once for the whole module.

    Tests that use it read it inside their own (rolled back) transaction.
    """
    with django_db_blocker.unblock():
        seed(customers=PORTFOLIO_CUSTOMERS, seed=PORTFOLIO_SEED)
        try:
            yield AS_OF
        finally:
            portfolio_delete()
            get_user_model().objects.filter(username__startswith="sales").delete()
