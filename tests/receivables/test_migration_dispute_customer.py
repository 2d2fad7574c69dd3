"""Migration receivables.0019 gives every existing dispute its invoice's customer."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("receivables", "0018_allocation_external_id")]
AFTER = [("receivables", "0019_dispute_customer")]


def _migrate(targets: list[tuple[str, str]]):
    """Migrate to ``targets``; returns the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_existing_disputes_get_their_invoices_customer():
    # given disputes on the invoices of two customers, written before the migration
    old = _migrate(BEFORE)
    try:
        first, second = InvoiceFactory(), InvoiceFactory()  # their tables are unchanged
        Dispute = old.get_model("receivables", "Dispute")
        for invoice in (first, second, first):
            Dispute.objects.create(
                invoice_id=invoice.pk,
                reason="Short delivery",
                status="resolved",
                opened_on=datetime.date(2026, 1, 5),
                resolved_on=datetime.date(2026, 1, 9),
                resolution="Credit note",
            )

        # when the migration runs
        new = _migrate(AFTER)

        # then each dispute names its invoice's customer
        rows = new.get_model("receivables", "Dispute").objects.order_by("pk")
        assert [(row.invoice_id, row.customer_id) for row in rows] == [
            (first.pk, first.customer_id),
            (second.pk, second.customer_id),
            (first.pk, first.customer_id),
        ]
    finally:
        # the database left as the other tests expect it, whatever migrations come later
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
