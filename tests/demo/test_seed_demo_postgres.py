"""PostgreSQL bulk loading: indexes, foreign keys and sequences are as before."""

from __future__ import annotations

import pytest
from django.db import connection

from customers.models import Customer
from demo.generator.assemble import TABLES
from receivables.models import Invoice
from tests.demo.conftest import seed
from tests.factories.receivables import InvoiceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _schema() -> set[tuple[str, str]]:
    tables = [model._meta.db_table for model in TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = ANY(%s::regclass[])
            UNION ALL
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid = ANY(%s::regclass[])
            """,
            [tables, tables],
        )
        return set(cursor.fetchall())


def test_indexes_and_constraints_are_restored_after_the_load():
    # given the tables' indexes and constraints
    before = _schema()
    # when a portfolio is bulk-loaded (without them, then putting them back)
    seed(customers=30)
    # then they are exactly as before
    assert _schema() == before


def test_sequences_continue_after_the_generated_ids():
    # given a generated portfolio
    seed(customers=30)
    largest = Invoice.objects.order_by("-pk").values_list("pk", flat=True).first()
    # when an invoice is created the ordinary way
    invoice = InvoiceFactory(customer=Customer.objects.first())
    # then it gets the next id
    assert invoice.pk > largest
