"""The balance rebuild racing a customer's first invoice in a new currency on PostgreSQL:
the invoice's balance row appears while the rebuild holds the chunk's rows."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from receivables.models import CustomerBalance
from receivables.services import balances as balances_module
from receivables.services import invoice_create
from receivables.services.balances import balance_drift, customer_balances_refresh
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _rebuild_in_a_thread() -> tuple[threading.Thread, list[Exception]]:
    """``customer_balances_refresh`` started on its own thread and connection; the
    list collects what it raised."""
    failures: list[Exception] = []

    def rebuild():
        try:
            customer_balances_refresh()
        except Exception as error:  # reported by the test, on its own thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=rebuild)
    thread.start()
    return thread, failures


def _post_eur_invoice(customer, number: str, total: str) -> None:
    invoice_create(
        customer=customer,
        number=number,
        issue_date=datetime.date(2026, 9, 1),
        total=total,
        currency="EUR",
    )


def test_a_first_invoice_in_a_new_currency_posted_during_the_rebuild(monkeypatch):
    # given a customer owing in USD, and a rebuild that has locked the chunk's rows and
    # waits before it recomputes them
    assert connection.vendor == "postgresql"
    customer = CustomerFactory(currency="USD")
    InvoiceFactory(customer=customer, total=Decimal("100.00"))
    locked = threading.Event()
    posted = threading.Event()
    real = balances_module.balances_recomputed

    def recomputed_after_the_post(**kwargs):
        locked.set()
        posted.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(balances_module, "balances_recomputed", recomputed_after_the_post)
    thread, failures = _rebuild_in_a_thread()
    assert locked.wait(10)

    # when the customer's first EUR invoice is posted meanwhile (its balance row is new,
    # so nothing the rebuild locked holds it up)
    _post_eur_invoice(customer, "EUR-1", "50.00")
    posted.set()
    thread.join(30)

    # then the rebuild went through, with one row per currency holding the right figures
    assert not thread.is_alive()
    assert not failures, failures
    rows = {
        row.currency: row.open_total for row in CustomerBalance.objects.filter(customer=customer)
    }
    assert rows == {"USD": Decimal("100.00"), "EUR": Decimal("50.00")}
    assert balance_drift() == []


def test_an_invoice_posted_between_the_rebuilds_recomputation_and_its_write(monkeypatch):
    # given the same race, and a second EUR invoice posted after the rebuild recomputed
    # the figures (they count only the first) but before it wrote them
    assert connection.vendor == "postgresql"
    customer = CustomerFactory(currency="USD")
    InvoiceFactory(customer=customer, total=Decimal("100.00"))
    locked, first_posted = threading.Event(), threading.Event()
    recomputed, second_posted = threading.Event(), threading.Event()
    calls = []
    real = balances_module.balances_recomputed

    def recomputed_around_the_posts(**kwargs):
        calls.append(kwargs)
        if len(calls) > 1:
            return real(**kwargs)
        locked.set()
        first_posted.wait(10)
        figures = real(**kwargs)
        recomputed.set()
        second_posted.wait(10)
        return figures

    monkeypatch.setattr(balances_module, "balances_recomputed", recomputed_around_the_posts)
    thread, failures = _rebuild_in_a_thread()
    assert locked.wait(10)

    # when both EUR invoices are posted, around the rebuild's recomputation
    _post_eur_invoice(customer, "EUR-1", "50.00")
    first_posted.set()
    assert recomputed.wait(10)
    _post_eur_invoice(customer, "EUR-2", "25.00")
    second_posted.set()
    thread.join(30)

    # then the rebuild recomputed the customer once it held the EUR row, and wrote
    # figures counting both invoices
    assert not thread.is_alive()
    assert not failures, failures
    assert len(calls) == 2
    eur = CustomerBalance.objects.get(customer=customer, currency="EUR")
    assert eur.open_total == Decimal("75.00")
    assert balance_drift() == []
