"""The data step of migration receivables.0015: every existing invoice's late-payment
figure filled from its allocations with one UPDATE (run here on the test database's
vendor, PostgreSQL or SQLite)."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.db import NotSupportedError, connection

from receivables.models import Invoice
from receivables.services import allocation_create, allocation_unapply
from receivables.services.reconcile import ledger_drift_list
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("receivables.migrations.0015_invoice_late_paid_amount_days")


def _backfill() -> int:
    """Run the migration's UPDATE; returns the number of invoices it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(migration.late_paid_backfill_sql(connection.vendor))
        return cursor.rowcount


def _apply(invoice: Invoice, amount: str, days_after_due: int):
    payment = PaymentFactory(
        customer=invoice.customer, amount=Decimal(amount), received_date=invoice.issue_date
    )
    return allocation_create(
        payment=payment,
        invoice=invoice,
        amount=amount,
        allocated_on=invoice.due_date + datetime.timedelta(days=days_after_due),
    )


def test_the_backfill_fills_each_invoice_from_its_active_late_allocations():
    # given a ledger built through the services
    customer = CustomerFactory()
    late = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    _apply(late, "1000.00", 10)
    partly = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    _apply(partly, "250.50", -3)
    _apply(partly, "249.25", 0)
    _apply(partly, "500.25", 7)
    taken_back = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    allocation_unapply(allocation=_apply(taken_back, "1000.00", 30))
    on_time = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    _apply(on_time, "1000.00", -1)
    untouched = InvoiceFactory(customer=customer, total=Decimal("1000.00"))
    # and every figure back at the new column's default, as right after it was added
    Invoice.objects.update(late_paid_amount_days=Decimal("0"))

    # when
    written = _backfill()

    # then only the two invoices with an active late allocation were written
    assert written == 2
    figures = dict(Invoice.objects.values_list("pk", "late_paid_amount_days"))
    assert figures == {
        late.pk: Decimal("10000.00"),  # 1000.00 × 10 days
        partly.pk: Decimal("3501.75"),  # 500.25 × 7 days
        taken_back.pk: Decimal("0.00"),
        on_time.pk: Decimal("0.00"),
        untouched.pk: Decimal("0.00"),
    }
    # and the ledger reconciles: the backfill and the services agree
    assert ledger_drift_list() == []


def test_the_backfill_overwrites_a_wrong_figure_and_is_repeatable():
    # given
    invoice = InvoiceFactory(total=Decimal("80.00"))
    _apply(invoice, "80.00", 365)
    Invoice.objects.filter(pk=invoice.pk).update(late_paid_amount_days=Decimal("1.23"))
    # when run twice
    _backfill()
    _backfill()
    # then
    invoice.refresh_from_db()
    assert invoice.late_paid_amount_days == Decimal("29200.00")


def test_a_database_without_a_backfill_is_refused_by_name():
    with pytest.raises(NotSupportedError, match="for the mysql database"):
        migration.late_paid_backfill_sql("mysql")


def test_a_row_inserted_without_the_figure_gets_zero_as_an_older_release_would_insert_it():
    # given an invoice row copied by hand without the new column (what the release before
    # migration 0015 sends while a deploy rolls out)
    invoice = InvoiceFactory()
    columns = [
        field.column
        for field in Invoice._meta.concrete_fields
        if not field.primary_key and field.name not in {"late_paid_amount_days", "number"}
    ]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(Invoice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quoted}, number)"  # noqa: S608 - names from model metadata
            f" SELECT {quoted}, %s FROM {table} WHERE id = %s",
            ["OLD-RELEASE-1", invoice.pk],
        )

    # then the database fills it with zero
    copied = Invoice.objects.get(number="OLD-RELEASE-1")
    assert copied.late_paid_amount_days == Decimal("0.00")
