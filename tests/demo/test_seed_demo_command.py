"""The seed_demo command: arguments, refusing a non-empty database, summary, atomicity."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from credit.models import CreditProfile
from customers.models import Customer
from demo.generator import writers
from receivables.models import Invoice, Payment
from tests.demo.conftest import seed
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def _nothing_written() -> bool:
    return (
        not (Customer.objects.exists() or Invoice.objects.exists() or Payment.objects.exists())
        and not get_user_model().objects.filter(username__startswith="sales").exists()
    )


def test_prints_a_summary_with_counts_and_time():
    # given an empty database
    out = StringIO()
    # when the command runs
    call_command("seed_demo", customers=20, seed=3, as_of="2025-06-30", stdout=out)
    # then it reports what it made and how long it took
    text = out.getvalue()
    assert "Demo portfolio generated: seed 3, as of 2025-06-30, 24 months" in text
    assert "rows/s" in text
    assert f"{'customers':<34}{20:>12,}" in text
    assert Customer.objects.count() == 20
    assert CreditProfile.objects.count() == 20


def test_quiet_prints_nothing():
    # given an empty database
    out = StringIO()
    # when the command runs with --quiet
    call_command("seed_demo", customers=5, seed=3, quiet=True, stdout=out)
    # then it prints nothing but still generates
    assert out.getvalue() == ""
    assert Customer.objects.count() == 5


def test_refuses_a_database_that_has_customers():
    # given a database with a customer
    CustomerFactory()
    # when the command runs
    with pytest.raises(CommandError) as error:
        seed(customers=10)
    # then it says why and how to go on, and writes nothing
    assert "already has 1 customers" in str(error.value)
    assert "--if-empty" in str(error.value)
    assert Customer.objects.count() == 1
    assert not Invoice.objects.exists()


def test_if_empty_skips_quietly_when_customers_exist():
    # given a database with a customer
    CustomerFactory()
    out = StringIO()
    # when the command runs with --if-empty
    call_command("seed_demo", customers=10, seed=1, if_empty=True, stdout=out)
    # then it succeeds, says so, and writes nothing
    assert "nothing generated (--if-empty)" in out.getvalue()
    assert Customer.objects.count() == 1
    assert not Invoice.objects.exists()


def test_if_empty_generates_into_an_empty_database():
    # given an empty database
    # when the command runs with --if-empty
    seed(customers=10, if_empty=True)
    # then it generates the portfolio
    assert Customer.objects.count() == 10


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"customers": 0}, "--customers: The number of customers must be between 1 and"),
        ({"customers": "many"}, "--customers: The number of customers must be a whole number"),
        ({"months": 0}, "--months: The number of months must be between 1 and 120; got 0."),
        ({"months": 121}, "--months: The number of months must be between 1 and 120; got 121."),
        ({"as_of": "2025-13-01"}, "--as-of: The as-of date must be a date written YYYY-MM-DD"),
        ({"as_of": "1999-12-31"}, "--as-of: The as-of date must be between 2000-01-01"),
        ({"seed": -1}, "--seed: The seed must be between 0 and"),
        ({"invoices_per_customer": 0}, "--invoices-per-customer: The average number of invoices"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(options, message):
    # given an empty database and a bad option
    arguments = {"customers": 10, "seed": 1, "quiet": True, **options}
    # when the command runs
    with pytest.raises(CommandError) as error:
        call_command("seed_demo", **arguments)
    # then the message names the option and what is wrong, and nothing is written
    assert message in str(error.value)
    assert _nothing_written()


def test_bad_arguments_from_the_command_line_are_refused():
    # given an option that is not a number, as typed on the command line
    # when the command parses it
    with pytest.raises(CommandError) as error:
        call_command("seed_demo", "--customers", "ten", "--seed", "1", "--quiet")
    # then the message names the option
    assert "--customers: The number of customers must be a whole number" in str(error.value)
    assert _nothing_written()


def test_an_error_half_way_leaves_nothing_behind(monkeypatch):
    # given a writer that fails once the rows are loaded
    def fail(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writers.PostgresCopyWriter, "finish", fail)
    monkeypatch.setattr(writers.SqliteWriter, "finish", fail)
    # when the command runs
    with pytest.raises(RuntimeError, match="disk full"):
        seed(customers=15)
    # then the transaction is rolled back: no customers, invoices or reps
    assert _nothing_written()


def test_as_of_defaults_to_today():
    # given no --as-of
    today = timezone.localdate()
    # when the command runs
    call_command("seed_demo", customers=10, seed=1, quiet=True)
    # then the history ends before today
    latest = Invoice.objects.order_by("-issue_date").values_list("issue_date", flat=True).first()
    assert latest < today
    assert Customer.objects.filter(customer_since__lt=today).count() == 10


def test_months_and_invoices_per_customer_shape_the_history():
    # given a short history with many invoices per customer
    # when the command runs
    seed(customers=20, months=3, invoices_per_customer=30)
    # then the invoices span about three months and average about 30 per customer
    dates = Invoice.objects.values_list("issue_date", flat=True)
    assert (max(dates) - min(dates)).days <= 92
    assert 20 * 20 < Invoice.objects.count() < 20 * 40


@pytest.mark.parametrize("months", [1, 120])
def test_a_single_customer_over_any_history_works(months):
    # given the smallest portfolio, over the shortest and the longest history
    # when the command runs
    seed(customers=1, seed=11, months=months)
    # then it has one customer with its profile, contacts and a sales rep
    customer = Customer.objects.get()
    assert customer.code == "C000001"
    assert CreditProfile.objects.filter(customer=customer).exists()
    assert customer.contacts.exists()
    assert customer.sales_rep.username in {"sales", "sales02", "sales03"}


def test_an_unsupported_database_is_named_in_a_clear_error(monkeypatch):
    from django.db import connection

    from crm.exceptions import ApplicationError
    from demo.generator.writers import writer_for_connection

    monkeypatch.setattr(connection, "vendor", "oracle")
    with pytest.raises(ApplicationError) as error:
        writer_for_connection()
    assert error.value.code == "unsupported_database"
    assert "not oracle" in error.value.message
