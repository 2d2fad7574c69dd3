"""Property test: the stage's invoice figures equal a recomputation invoice by invoice,
whatever the currencies (one, several, one without a rate), statuses and dates."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics.models import FxRate
from analytics.pipeline import dialect, stage
from analytics.pipeline.config import PipelineConfig
from analytics.pipeline.queries import Window
from analytics.pipeline.rates import fx_rates_as_of
from receivables.models import Invoice
from tests.analytics.conftest import AS_OF
from tests.factories.customers import CustomerFactory
from tests.factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db

RATES = {"USD": Decimal(1), "EUR": Decimal("1.0833333333")}  # GBP has none
COLUMNS = [
    "invoices_all", "invoices_12m", "max_days_past_due", "margin_all", "revenue_12m",
    "cogs_12m", "late_amount_days", "paid_total_12m", "open_late_amount_days",
]  # fmt: skip
MONEY = COLUMNS[3:]
runs = itertools.count(950_001)

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
invoices = st.fixed_dictionaries({
    "currency": st.sampled_from(["USD", "EUR", "GBP"]),
    "total": cents,
    "cost": st.one_of(st.just(Decimal(0)), cents),
    "age": st.integers(min_value=-30, max_value=700),  # negative: issued after the as-of
    "state": st.sampled_from(["open", "paid", "void"]),
    "days_late": st.integers(min_value=-20, max_value=90),
})  # fmt: skip
# One or two customers, each with its invoices (possibly none).
portfolios = st.lists(st.lists(invoices, max_size=6), min_size=1, max_size=2)


def _create(customer, spec: dict) -> dict:
    issued = AS_OF - datetime.timedelta(days=spec["age"])
    due = issued + datetime.timedelta(days=30)
    paid = due + datetime.timedelta(days=spec["days_late"])
    values = {
        "issue_date": issued, "due_date": due, "currency": spec["currency"],
        "total": spec["total"], "cost_of_goods": spec["cost"], "status": spec["state"],
        "open_amount": spec["total"], "amount_paid": Decimal(0), "paid_date": None,
    }  # fmt: skip
    if spec["state"] == "paid":
        values.update(open_amount=Decimal(0), amount_paid=spec["total"], paid_date=paid)
    elif spec["state"] == "void":
        values.update(open_amount=Decimal(0))
    invoice = InvoiceFactory(customer=customer)
    Invoice.objects.filter(pk=invoice.pk).update(**values)
    return values


def _expected(rows: list[dict], config: PipelineConfig, window: Window) -> dict:
    """The stage's invoice figures of one customer, recomputed invoice by invoice."""
    as_of, start = window.as_of, window.start
    figures = dict.fromkeys(COLUMNS, 0)
    figures.update(dict.fromkeys(MONEY, Decimal(0)))
    missing = set()
    for row in rows:
        if row["status"] == "void" or row["issue_date"] > as_of:
            continue
        rate = RATES.get(row["currency"])
        if rate is None:
            missing.add(row["currency"])
            rate = Decimal(0)
        total = row["total"]
        cost = (
            row["cost_of_goods"] if row["cost_of_goods"] > 0 else total * config.cost_of_goods_rate
        )
        in_window = row["issue_date"] > start
        overdue = row["open_amount"] > 0 and row["due_date"] < as_of
        paid_in_window = row["paid_date"] is not None and start < row["paid_date"] <= as_of
        figures["invoices_all"] += 1
        figures["margin_all"] += (total - cost) * rate
        if in_window:
            figures["invoices_12m"] += 1
            figures["revenue_12m"] += total * rate
            figures["cogs_12m"] += cost * rate
        if paid_in_window:
            late = max((row["paid_date"] - row["due_date"]).days, 0)
            figures["late_amount_days"] += total * late * rate
            figures["paid_total_12m"] += total * rate
        if overdue:
            days = (as_of - row["due_date"]).days
            figures["max_days_past_due"] = max(figures["max_days_past_due"], days)
            if in_window:
                figures["open_late_amount_days"] += row["open_amount"] * days * rate
    if missing:  # no rate for one of its currencies: none of its money is computed
        figures.update(dict.fromkeys(MONEY, None))
    figures["fx_missing"] = sorted(missing)
    return figures


def _staged(run_id: int, customer_ids: list[int]) -> dict[int, dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, {', '.join(COLUMNS)}, fx_missing"  # noqa: S608
            f" FROM {stage.stage_table(run_id)} ORDER BY customer_id"
        )
        rows = cursor.fetchall()
    staged = {}
    for customer_id, *values, fx_missing in rows:
        figures = dict(zip(COLUMNS, values, strict=True))
        figures["fx_missing"] = sorted(part for part in (fx_missing or "").split(",") if part)
        staged[customer_id] = figures
    assert list(staged) == customer_ids
    return staged


def _comparable(figures: dict) -> dict:
    """Exact on PostgreSQL; SQLite sums REALs, compared to the hundredth."""
    if dialect.is_postgresql():
        return {key: (int(v) if key in COLUMNS[:3] else v) for key, v in figures.items()}
    return {
        key: round(float(value), 2) if isinstance(value, (int, float, Decimal)) else value
        for key, value in figures.items()
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(portfolio=portfolios)
# Always: a customer billed in dollars and euros, paid late and open past due, and one
# in euros alone.
@example(
    portfolio=[
        [
            {
                "currency": "USD",
                "total": Decimal("100.00"),
                "cost": Decimal(0),
                "age": 90,
                "state": "paid",
                "days_late": 7,
            },
            {
                "currency": "EUR",
                "total": Decimal("250.10"),
                "cost": Decimal("99.99"),
                "age": 60,
                "state": "open",
                "days_late": 0,
            },
        ],
        [
            {
                "currency": "EUR",
                "total": Decimal("80.00"),
                "cost": Decimal(0),
                "age": 400,
                "state": "paid",
                "days_late": 3,
            },
        ],
    ]
)
# And the window's edges: issued on its first day (out), the next (in), after the as-of.
@example(
    portfolio=[
        [
            {"currency": "USD", "total": Decimal("10.00"), "cost": Decimal(0), "age": age,
             "state": "open", "days_late": 0}
            for age in (365, 364, -1)
        ]
    ]
)  # fmt: skip
def test_the_stage_equals_a_recomputation_invoice_by_invoice(portfolio):
    # given customers billed in any mix of currencies (GBP without a rate)
    FxRate.objects.get_or_create(date=AS_OF, currency="EUR", defaults={"rate": RATES["EUR"]})
    customers = [CustomerFactory(currency="USD") for _ in portfolio]
    created = {
        customer.pk: [_create(customer, spec) for spec in specs]
        for customer, specs in zip(customers, portfolio, strict=True)
    }
    config = PipelineConfig.from_settings()
    window = Window.trailing(AS_OF, config.window_days)
    run_id = next(runs)

    # when the stage is built for their ids
    try:
        stage.stage_create(
            run_id=run_id,
            config=config,
            window=window,
            rates=fx_rates_as_of(as_of=AS_OF, base_currency=config.base_currency),
            first_id=customers[0].pk,
            last_id=customers[-1].pk,
        )
        staged = _staged(run_id, [customer.pk for customer in customers])
    finally:
        stage.stage_drop(run_id=run_id)

    # then every figure is the recomputed one
    for customer_id, rows in created.items():
        assert _comparable(staged[customer_id]) == _comparable(_expected(rows, config, window))
