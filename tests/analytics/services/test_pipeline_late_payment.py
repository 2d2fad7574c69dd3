"""The stage's paid-late amount-days come from the figure the ledger keeps on each
invoice; they equal the old definition over the allocations, computed here on its own."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection

from analytics.models import CustomerMetrics, FxRate
from analytics.pipeline import dialect
from analytics.pipeline.stage import stage_table
from analytics.services.pipeline import pipeline_chunk_process, pipeline_run_start
from receivables.models import Allocation
from receivables.services import allocation_create, allocation_unapply, payment_apply_oldest_first
from tests.analytics.conftest import AS_OF
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

START = AS_OF - datetime.timedelta(days=365)  # the default window, (START, AS_OF]
EURO_RATE = Decimal("1.0833333333")


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _invoice(customer, issued: str, total: str = "1000.00"):
    issue = _day(issued)
    return InvoiceFactory(
        customer=customer,
        issue_date=issue,
        due_date=issue + datetime.timedelta(days=30),
        total=Decimal(total),
    )


def _pay(invoice, amount: str, on: str):
    payment = PaymentFactory(
        customer=invoice.customer, amount=Decimal(amount), received_date=_day(on)
    )
    return allocation_create(payment=payment, invoice=invoice, amount=amount, allocated_on=_day(on))


def _ledger() -> dict[str, object]:
    """Customers whose payments are on time, late, partly late, taken back, applied
    automatically, outside the window or in euros; all through the services."""
    usd = CustomerFactory(currency="USD")
    split = _invoice(usd, "2026-06-01")  # due 1 Jul
    _pay(split, "300.00", "2026-06-25")
    _pay(split, "650.55", "2026-07-21")  # 20 days late
    taken_back = _invoice(usd, "2026-04-01", total="500.00")  # due 1 May
    allocation_unapply(allocation=_pay(taken_back, "500.00", "2026-06-01"))
    old = _invoice(usd, "2025-10-01")  # issued before the window: never counted
    _pay(old, "1000.00", "2025-12-15")
    _invoice(usd, "2026-11-15")  # open, not due
    # an allocation dated after the as-of date counted, as the allocations join counted it
    _pay(_invoice(usd, "2026-10-01", total="10.00"), "10.00", "2026-11-25")

    automatic = CustomerFactory(currency="USD")
    _invoice(automatic, "2026-08-01")  # due 31 Aug
    _invoice(automatic, "2026-08-10", total="250.10")  # due 9 Sep
    runner = PaymentFactory(
        customer=automatic, amount=Decimal("1100.00"), received_date=_day("2026-09-20")
    )
    payment_apply_oldest_first(payment=runner, applied_on=_day("2026-09-20"))  # 20 and 11 days

    euros = CustomerFactory(currency="EUR")
    _pay(_invoice(euros, "2026-02-10", total="333.33"), "333.33", "2026-04-01")  # 20 days late
    _pay(_invoice(euros, "2026-09-01", total="77.77"), "77.77", "2026-09-05")  # on time

    on_time = CustomerFactory(currency="USD")
    _pay(_invoice(on_time, "2026-05-05"), "1000.00", "2026-06-04")  # on the due date
    return {
        "usd": usd,
        "automatic": automatic,
        "euros": euros,
        "on_time": on_time,
        "silent": CustomerFactory(),
    }


def _allocations_join_definition() -> dict[int, Decimal]:
    """The stage's figure as the pipeline computed it before the ledger kept it: active
    allocations applied after the due date to invoices issued in the window, amount ×
    days late, converted with the currency's rate. Exact, in Python."""
    rates = {"USD": Decimal("1"), "EUR": EURO_RATE}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    allocations = Allocation.objects.filter(
        unapplied_at__isnull=True, invoice__issue_date__gt=START, invoice__issue_date__lte=AS_OF
    )
    for allocation in allocations.select_related("invoice"):
        invoice = allocation.invoice
        days = (allocation.allocated_on - invoice.due_date).days
        if days > 0:
            totals[invoice.customer_id] += allocation.amount * days * rates[invoice.currency]
    return totals


def _staged(run_id: int) -> dict[int, Decimal]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, paid_late_amount_days FROM {stage_table(run_id)}"  # noqa: S608
        )
        return dict(cursor.fetchall())


def test_the_staged_paid_late_amount_days_equal_the_allocations_join():
    # given
    FxRate.objects.create(date=AS_OF, currency="EUR", rate=str(EURO_RATE))
    customers = _ledger()

    # when
    run = pipeline_run_start(as_of=AS_OF)

    # then every customer's figure is the old definition's
    staged = _staged(run.pk)
    expected = _allocations_join_definition()
    assert set(staged) == {customer.pk for customer in customers.values()}
    for customer_id, value in staged.items():
        want = expected.get(customer_id, Decimal("0"))
        if dialect.is_postgresql():
            assert Decimal(value) == want, customer_id
        else:  # SQLite sums floats
            assert float(value) == pytest.approx(float(want)), customer_id
    # and the figures are the ones worked out by hand
    assert expected[customers["usd"].pk] == Decimal("650.55") * 20 + Decimal("10.00") * 25
    assert expected[customers["automatic"].pk] == Decimal("1000.00") * 20 + Decimal("100.00") * 11
    assert expected[customers["euros"].pk] == Decimal("333.33") * 20 * EURO_RATE
    assert customers["on_time"].pk not in expected
    assert customers["silent"].pk not in expected


def test_the_financing_cost_uses_the_maintained_figure(settings):
    # given 1000.00 paid 15 days late, at 0.0002 a day, and nothing open past due
    settings.ANALYTICS_ANNUAL_COST_OF_CAPITAL = "0.0730"
    customer = CustomerFactory()
    _pay(_invoice(customer, "2026-03-01"), "1000.00", "2026-04-15")

    # when
    run = pipeline_run_start(as_of=AS_OF)
    pipeline_chunk_process(chunk_id=run.chunks.get().pk)

    # then 1000 × 15 × 0.0002
    assert CustomerMetrics.objects.get(customer=customer).financing_cost == Decimal("3.00")
