"""The KPI formulas of DESIGN §5 on hand-computed figures."""

from __future__ import annotations

from decimal import Decimal

from analytics.kpis import formulas


def test_dso_is_ending_ar_over_credit_sales_times_days():
    # given 4,600 open at the end of a 30-day period with 4,300 invoiced in it
    # when
    dso = formulas.days_sales_outstanding(
        ending_ar=Decimal("4600.00"), credit_sales=Decimal("4300.00"), days=30
    )

    # then 4600 / 4300 * 30 = 32.0930... rounded half-even to two places
    assert dso == Decimal("32.09")


def test_dso_without_credit_sales_is_not_defined():
    assert (
        formulas.days_sales_outstanding(
            ending_ar=Decimal("10.00"), credit_sales=Decimal("0"), days=30
        )
        is None
    )


def test_best_possible_dso_uses_only_current_ar():
    # 4100 / 4300 * 30 = 28.6046...
    assert formulas.best_possible_dso(
        current_ar=Decimal("4100.00"), credit_sales=Decimal("4300.00"), days=30
    ) == Decimal("28.60")


def test_average_days_delinquent_is_dso_minus_best_possible():
    assert formulas.average_days_delinquent(
        dso=Decimal("32.09"), best_dso=Decimal("28.60")
    ) == Decimal("3.49")
    assert formulas.average_days_delinquent(dso=None, best_dso=Decimal("1.00")) is None


def test_countback_walks_back_whole_months_then_a_share_of_the_last():
    # given AR of 4,600; June (30 days counted) sold 4,300, May (31 days) 800
    monthly = [(30, Decimal("4300.00")), (31, Decimal("800.00")), (30, Decimal("5000.00"))]

    # when
    dso = formulas.countback_dso(ending_ar=Decimal("4600.00"), monthly_sales=monthly)

    # then all of June (30) and 300 / 800 of May's 31 days = 41.625 -> 41.62 (half-even)
    assert dso == Decimal("41.62")


def test_countback_skips_months_without_sales_at_full_length():
    # given 2,500 open; June sold 2,000, May nothing, April 1,000
    monthly = [(30, Decimal("2000.00")), (31, Decimal("0.00")), (30, Decimal("1000.00"))]

    # then 30 + 31 + 500 / 1000 * 30 = 76
    assert formulas.countback_dso(ending_ar=Decimal("2500.00"), monthly_sales=monthly) == Decimal(
        "76.00"
    )


def test_countback_within_the_newest_month():
    # given AR 1,000 and 1,200 sold in the 30 counted days of this month
    # then 1000 / 1200 * 30 = 25
    assert formulas.countback_dso(
        ending_ar=Decimal("1000.00"), monthly_sales=[(30, Decimal("1200.00"))]
    ) == Decimal("25.00")


def test_countback_is_not_defined_when_ar_exceeds_every_month_of_the_window():
    assert (
        formulas.countback_dso(
            ending_ar=Decimal("5000.00"),
            monthly_sales=[(30, Decimal("100.00")), (31, Decimal("0"))],
        )
        is None
    )


def test_countback_without_receivables_is_zero_days():
    assert formulas.countback_dso(ending_ar=Decimal("0.00"), monthly_sales=[]) == Decimal("0.00")


def test_cei_of_a_period():
    # (2600 + 4300 - 4600) / (2600 + 4300 - 4100) * 100 = 2300 / 2800 * 100 = 82.1428...
    assert formulas.collection_effectiveness_index(
        beginning_ar=Decimal("2600.00"),
        credit_sales=Decimal("4300.00"),
        ending_ar=Decimal("4600.00"),
        ending_current_ar=Decimal("4100.00"),
    ) == Decimal("82.14")


def test_cei_with_nothing_collectible_is_not_defined():
    assert (
        formulas.collection_effectiveness_index(
            beginning_ar=Decimal("0"),
            credit_sales=Decimal("1100.00"),
            ending_ar=Decimal("1100.00"),
            ending_current_ar=Decimal("1100.00"),
        )
        is None
    )


def test_percent_of_rounds_half_even_and_needs_a_whole():
    assert formulas.percent_of(Decimal("800.00"), Decimal("1200.00")) == Decimal("66.67")
    assert formulas.percent_of(Decimal("1.00"), Decimal("800.00")) == Decimal("0.12")  # 0.125
    assert formulas.percent_of(Decimal("1.00"), Decimal("0")) is None
