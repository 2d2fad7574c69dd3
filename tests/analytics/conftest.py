import datetime
from decimal import Decimal

import pytest

from tests.factories.receivables import InvoiceFactory

AS_OF = datetime.date(2026, 11, 20)


def paid_invoice(
    customer, *, issued: datetime.date, days_late: int = 0, total="1000.00", cost="600.00"
):
    """An invoice fully paid ``days_late`` days after its 30-day due date."""
    total = Decimal(total)
    due = issued + datetime.timedelta(days=30)
    return InvoiceFactory(
        customer=customer,
        issue_date=issued,
        due_date=due,
        total=total,
        cost_of_goods=Decimal(cost),
        amount_paid=total,
        open_amount=Decimal("0.00"),
        status="paid",
        paid_date=due + datetime.timedelta(days=days_late),
    )


def open_invoice(customer, *, issued: datetime.date, total="1000.00", cost="600.00"):
    return InvoiceFactory(
        customer=customer,
        issue_date=issued,
        due_date=issued + datetime.timedelta(days=30),
        total=Decimal(total),
        cost_of_goods=Decimal(cost),
    )


@pytest.fixture
def as_of():
    return AS_OF
