"""KPI snapshots on a hand-built ledger: every figure computed by hand (DESIGN §5).

The period is 30 days (June 2026) ending on 2026-06-30; the base currency is USD.
  A  normal, europe, rep alice, USD
     I1 1,000 issued 04-01 due 05-01: 400 paid 05-15, 600 paid 06-10   (May 31: 600 open)
     I2 2,000 issued 06-05 due 07-05: 500 paid 07-10 (after the day)    (June 30: 2,000 current)
     I3   500 issued 02-01 due 03-01: never paid                        (June 30: 121 days late)
     I4   300 issued 06-20, voided                                      (left out everywhere)
  B  high_risk, north_america, rep bob, USD
     J1   800 issued 05-10 due 06-09: written off 06-25                 (May 31: 800 open)
     J2 1,200 issued 06-15 due 07-15: credit note 200 on 06-20, 100 on 07-05 (June 30: 1,000)
     J3   700 issued 03-15 due 04-14: 700 paid 06-01, unapplied later   (May 31: 700; June 30: 0)
  C  vip, europe, no rep, EUR (1 EUR = 1.10 USD from 06-01)
     K1 1,000 EUR issued 06-01 due 07-01                                (June 30: 1,100 USD current)
  D  normal, asia_pacific, rep alice, GBP without a rate on the day     (reported, not counted)
     L1   999 GBP issued 06-02
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from analytics.kpis.services import kpi_snapshot_take, kpi_snapshots_backfill
from analytics.kpis.tasks import kpi_snapshot_take as kpi_snapshot_take_task
from analytics.models import FxRate, KpiSnapshot
from crm import roles
from crm.exceptions import ValidationFailed
from customers.models import Customer, Region, Tier
from receivables.aging import aging_report
from receivables.services import (
    allocation_create,
    allocation_unapply,
    credit_note_create,
    invoice_create,
    invoice_void,
    payment_create,
    write_off_create,
)
from tests.factories.accounts import UserFactory
from tests.factories.customers import CustomerFactory

AS_OF = date(2026, 6, 30)
D = date


@pytest.fixture(autouse=True)
def _kpi_settings(settings):
    settings.ANALYTICS_KPI_PERIOD_DAYS = 30
    settings.ANALYTICS_KPI_COUNTBACK_MONTHS = 12
    settings.CRM_BASE_CURRENCY = "USD"


def _invoice(customer, number, issued, due, total):
    return invoice_create(
        customer=customer, number=number, issue_date=issued, due_date=due, total=total
    )


def _pay(invoice, amount, on):
    payment = payment_create(customer=invoice.customer, received_date=on, amount=amount)
    return allocation_create(payment=payment, invoice=invoice, amount=amount, allocated_on=on)


@pytest.fixture
def ledger(db):
    finance = UserFactory(roles=[roles.FINANCE_ADMIN])
    alice = UserFactory(username="alice", roles=[roles.SALES_REP])
    bob = UserFactory(username="bob", roles=[roles.SALES_REP])
    a = CustomerFactory(tier=Tier.NORMAL, region=Region.EUROPE, sales_rep=alice, currency="USD")
    b = CustomerFactory(
        tier=Tier.HIGH_RISK, region=Region.NORTH_AMERICA, sales_rep=bob, currency="USD"
    )
    c = CustomerFactory(tier=Tier.VIP, region=Region.EUROPE, sales_rep=None, currency="EUR")
    d = CustomerFactory(
        tier=Tier.NORMAL, region=Region.ASIA_PACIFIC, sales_rep=alice, currency="GBP"
    )
    i1 = _invoice(a, "I1", D(2026, 4, 1), D(2026, 5, 1), "1000.00")
    _pay(i1, "400.00", D(2026, 5, 15))
    _pay(i1, "600.00", D(2026, 6, 10))
    i2 = _invoice(a, "I2", D(2026, 6, 5), D(2026, 7, 5), "2000.00")
    _pay(i2, "500.00", D(2026, 7, 10))
    _invoice(a, "I3", D(2026, 2, 1), D(2026, 3, 1), "500.00")
    invoice_void(invoice=_invoice(a, "I4", D(2026, 6, 20), D(2026, 7, 20), "300.00"), reason="Dup")
    j1 = _invoice(b, "J1", D(2026, 5, 10), D(2026, 6, 9), "800.00")
    write_off_create(
        invoice=j1, amount="800.00", reason="Insolvent", user=finance, written_off_on=D(2026, 6, 25)
    )
    j2 = _invoice(b, "J2", D(2026, 6, 15), D(2026, 7, 15), "1200.00")
    credit_note_create(
        customer=b,
        invoice=j2,
        number="CN1",
        amount="200.00",
        reason="Short",
        issue_date=D(2026, 6, 20),
    )
    credit_note_create(
        customer=b,
        invoice=j2,
        number="CN2",
        amount="100.00",
        reason="Late",
        issue_date=D(2026, 7, 5),
    )
    j3 = _invoice(b, "J3", D(2026, 3, 15), D(2026, 4, 14), "700.00")
    allocation_unapply(allocation=_pay(j3, "700.00", D(2026, 6, 1)))
    _invoice(c, "K1", D(2026, 6, 1), D(2026, 7, 1), "1000.00")
    _invoice(d, "L1", D(2026, 6, 2), D(2026, 7, 2), "999.00")
    FxRate.objects.create(currency="EUR", date=D(2026, 5, 1), rate=Decimal("1.05"))
    FxRate.objects.create(currency="EUR", date=D(2026, 6, 1), rate=Decimal("1.10"))
    FxRate.objects.create(currency="EUR", date=D(2026, 7, 1), rate=Decimal("1.50"))
    FxRate.objects.create(currency="GBP", date=D(2026, 7, 1), rate=Decimal("1.30"))  # too late
    return {"alice": alice, "bob": bob, "finance": finance}


def _row(dimension: str, key: str = "") -> KpiSnapshot:
    return KpiSnapshot.objects.get(as_of=AS_OF, dimension=dimension, key=key)


def test_portfolio_snapshot_matches_the_hand_computed_figures(ledger):
    # when
    stored = kpi_snapshot_take(as_of=AS_OF)

    # then one row for the portfolio, 3 tiers, 3 regions and 3 rep keys (alice, bob, none)
    assert stored == 10
    row = _row("portfolio")
    assert row.currency == "USD"
    assert row.period_days == 30
    assert row.beginning_ar == Decimal("2600.00")  # 600 + 500 + 800 + 700
    assert row.ending_ar == Decimal("4600.00")  # 2000 + 500 + 1000 + 1100
    assert row.ending_current_ar == Decimal("4100.00")  # 2000 + 1000 + 1100
    assert row.ar_over_90 == Decimal("500.00")
    assert row.credit_sales == Decimal("4300.00")  # 2000 + 1200 + 1100
    assert row.write_offs == Decimal("800.00")
    assert row.dso == Decimal("32.09")  # 4600 / 4300 * 30
    assert row.best_possible_dso == Decimal("28.60")  # 4100 / 4300 * 30
    assert row.average_days_delinquent == Decimal("3.49")
    assert row.countback_dso == Decimal("41.62")  # 30 + 300 / 800 * 31 = 41.625
    assert row.collection_effectiveness_index == Decimal("82.14")  # 2300 / 2800
    assert row.bad_debt_ratio == Decimal("18.60")  # 800 / 4300
    assert row.over_90_percent == Decimal("10.87")  # 500 / 4600
    assert row.missing_fx_currencies == ["GBP"]
    assert row.customer_count == 4  # the GBP customer is counted: a count needs no rate
    # ending AR in receivables' aging buckets (I3 is 121 days past due)
    assert row.aging_buckets == [
        {"key": "current", "label": "Current", "amount": "4100.00"},
        {"key": "d1_30", "label": "1–30", "amount": "0.00"},
        {"key": "d31_60", "label": "31–60", "amount": "0.00"},
        {"key": "d61_90", "label": "61–90", "amount": "0.00"},
        {"key": "d91_120", "label": "91–120", "amount": "0.00"},
        {"key": "d121_plus", "label": "120+", "amount": "500.00"},
    ]


def test_tier_snapshots(ledger):
    # when
    kpi_snapshot_take(as_of=AS_OF)

    # then normal = customer A (D's GBP is reported missing)
    normal = _row("tier", Tier.NORMAL)
    assert (normal.beginning_ar, normal.ending_ar, normal.ending_current_ar) == (
        Decimal("1100.00"),
        Decimal("2500.00"),
        Decimal("2000.00"),
    )
    assert normal.dso == Decimal("37.50")
    assert normal.best_possible_dso == Decimal("30.00")
    assert normal.average_days_delinquent == Decimal("7.50")
    assert normal.countback_dso == Decimal("76.00")  # 30 + 31 (no May sales) + 500/1000 * 30
    assert normal.collection_effectiveness_index == Decimal("54.55")  # 600 / 1100
    assert normal.bad_debt_ratio == Decimal("0.00")
    assert normal.over_90_percent == Decimal("20.00")
    assert normal.missing_fx_currencies == ["GBP"]
    assert normal.customer_count == 2
    # high risk = customer B
    high = _row("tier", Tier.HIGH_RISK)
    assert (high.beginning_ar, high.ending_ar, high.credit_sales, high.write_offs) == (
        Decimal("1500.00"),
        Decimal("1000.00"),
        Decimal("1200.00"),
        Decimal("800.00"),
    )
    assert (high.dso, high.best_possible_dso, high.average_days_delinquent) == (
        Decimal("25.00"),
        Decimal("25.00"),
        Decimal("0.00"),
    )
    assert high.countback_dso == Decimal("25.00")
    assert high.collection_effectiveness_index == Decimal("100.00")
    assert high.bad_debt_ratio == Decimal("66.67")
    assert high.over_90_percent == Decimal("0.00")
    assert high.missing_fx_currencies == []
    # vip = customer C in EUR at the rate of the day (1.10), not the later 1.50
    vip = _row("tier", Tier.VIP)
    assert (vip.beginning_ar, vip.ending_ar, vip.credit_sales) == (
        Decimal("0.00"),
        Decimal("1100.00"),
        Decimal("1100.00"),
    )
    assert vip.dso == Decimal("30.00")
    assert vip.countback_dso == Decimal("30.00")
    assert vip.collection_effectiveness_index is None  # nothing was collectible


def test_region_and_sales_rep_snapshots(ledger):
    # when
    kpi_snapshot_take(as_of=AS_OF)

    # then europe = A + C
    europe = _row("region", Region.EUROPE)
    assert europe.ending_ar == Decimal("3600.00")
    assert europe.credit_sales == Decimal("3100.00")
    assert europe.dso == Decimal("34.84")  # 3600 / 3100 * 30 = 34.838...
    # asia pacific holds only the GBP customer: nothing counted, the currency named
    asia = _row("region", Region.ASIA_PACIFIC)
    assert (asia.ending_ar, asia.credit_sales) == (Decimal("0.00"), Decimal("0.00"))
    assert asia.dso is None
    assert asia.collection_effectiveness_index is None
    assert asia.missing_fx_currencies == ["GBP"]
    assert asia.customer_count == 1
    # sales reps: alice owns A and D, bob owns B, C has none
    alice = _row("sales_rep", str(ledger["alice"].pk))
    assert alice.label == "alice"
    assert alice.ending_ar == Decimal("2500.00")
    assert alice.missing_fx_currencies == ["GBP"]
    bob = _row("sales_rep", str(ledger["bob"].pk))
    assert (bob.label, bob.ending_ar) == ("bob", Decimal("1000.00"))
    nobody = _row("sales_rep", "")
    assert nobody.ending_ar == Decimal("1100.00")


def test_open_receivables_agree_with_the_aging_report_on_past_days(ledger):
    # given the aging report rebuilds each invoice's open amount on a past day
    kpi_snapshot_take(as_of=D(2026, 5, 31))
    kpi_snapshot_take(as_of=AS_OF)

    # then the snapshots' USD receivables (no FX involved) are aging's totals, bucket by bucket
    for day in (D(2026, 5, 31), AS_OF):
        aging = aging_report(user=ledger["finance"], as_of=day, group_by="portfolio")
        usd = aging.totals["USD"]
        by_tier = KpiSnapshot.objects.filter(as_of=day, dimension="tier").exclude(key=Tier.VIP)
        assert sum((row.ending_ar for row in by_tier), Decimal("0")) == usd.total
        for bucket in aging.buckets:
            stored = sum(
                (Decimal(b["amount"]) for row in by_tier for b in row.aging_buckets
                 if b["key"] == bucket.key),
                Decimal("0"),
            )  # fmt: skip
            assert stored == usd.buckets[bucket.key], (day, bucket.key)


def test_taking_a_day_again_replaces_its_figures(ledger):
    # given a day taken once
    kpi_snapshot_take(as_of=AS_OF)

    # when taken again after a new invoice of that day
    _invoice(ledger["bob"].owned_customers.get(), "J9", AS_OF, D(2026, 7, 30), "100.00")
    stored = kpi_snapshot_take(as_of=AS_OF)

    # then the day has one set of rows, with the new figures
    assert stored == KpiSnapshot.objects.filter(as_of=AS_OF).count() == 10
    assert _row("portfolio").credit_sales == Decimal("4400.00")
    assert _row("sales_rep", str(ledger["bob"].pk)).credit_sales == Decimal("1300.00")


def test_a_key_that_is_gone_loses_its_row_when_the_day_is_taken_again(ledger):
    # given bob's row exists, then his customer moves to alice
    kpi_snapshot_take(as_of=AS_OF)
    Customer.objects.filter(sales_rep=ledger["bob"]).update(sales_rep=ledger["alice"])

    # when
    stored = kpi_snapshot_take(as_of=AS_OF)

    # then
    assert stored == KpiSnapshot.objects.filter(as_of=AS_OF).count() == 9
    assert not KpiSnapshot.objects.filter(dimension="sales_rep", key=str(ledger["bob"].pk)).exists()
    assert _row("sales_rep", str(ledger["alice"].pk)).ending_ar == Decimal("3500.00")


def test_empty_portfolio_has_a_portfolio_row_without_figures(db):
    # when
    stored = kpi_snapshot_take(as_of=AS_OF)

    # then
    assert stored == 1
    row = _row("portfolio")
    assert (row.ending_ar, row.credit_sales, row.beginning_ar) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert row.dso is None
    assert row.best_possible_dso is None
    assert row.average_days_delinquent is None
    assert row.collection_effectiveness_index is None
    assert row.bad_debt_ratio is None
    assert row.over_90_percent is None
    assert row.countback_dso == Decimal("0.00")
    assert row.missing_fx_currencies == []
    assert row.customer_count == 0


def test_a_future_day_is_refused_and_nothing_is_stored(db):
    # when / then
    with pytest.raises(ValidationFailed) as error:
        kpi_snapshot_take(as_of=D(2999, 1, 1))
    assert error.value.code == "kpi_date_in_future"
    assert KpiSnapshot.objects.count() == 0


def test_backfill_takes_every_day_of_the_range(ledger):
    # when
    stored = kpi_snapshots_backfill(start=D(2026, 6, 28), end=AS_OF)

    # then three days of rows, each complete
    assert stored == KpiSnapshot.objects.count()
    assert sorted(set(KpiSnapshot.objects.values_list("as_of", flat=True))) == [
        D(2026, 6, 28),
        D(2026, 6, 29),
        AS_OF,
    ]
    assert _row("portfolio").dso == Decimal("32.09")


def test_backfill_of_a_reversed_range_is_refused_and_nothing_is_stored(ledger):
    with pytest.raises(ValidationFailed) as error:
        kpi_snapshots_backfill(start=AS_OF, end=D(2026, 6, 1))
    assert error.value.code == "kpi_range_reversed"
    assert "give the earlier day first" in error.value.message
    assert KpiSnapshot.objects.count() == 0


def test_backfill_command(ledger, capsys):
    # when
    call_command("kpi_snapshots_backfill", "--start", "2026-06-29", "--end", "2026-06-30")

    # then
    assert "Stored 20 KPI rows for 2 days" in capsys.readouterr().out
    assert _row("portfolio").ending_ar == Decimal("4600.00")


def test_backfill_command_says_what_is_wrong(db):
    with pytest.raises(CommandError, match="write it as YYYY-MM-DD"):
        call_command("kpi_snapshots_backfill", "--start", "June", "--end", "2026-06-30")
    with pytest.raises(CommandError, match="give the earlier day first"):
        call_command("kpi_snapshots_backfill", "--start", "2026-06-30", "--end", "2026-06-01")
    assert KpiSnapshot.objects.count() == 0


def test_daily_task_takes_the_given_day(ledger):
    # when
    stored = kpi_snapshot_take_task.delay(as_of=AS_OF.isoformat()).get()

    # then
    assert stored == 10
    assert _row("portfolio").ending_ar == Decimal("4600.00")
