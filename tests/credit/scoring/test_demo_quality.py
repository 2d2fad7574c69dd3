"""The quality gate of issue #5: on a demo portfolio, whose generator hides each customer's
propensity to pay late, the backtest separates defaulters from good customers (AUC >= 0.75).

A product property measured on a small portfolio (the figure on 20,000 customers is in
docs/credit-scoring.md), not a timing.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from credit.scoring.services import credit_backtest_run

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


@pytest.mark.parametrize("seed", [3, 17])
def test_backtest_auc_on_a_demo_portfolio_is_at_least_0_75(seed):
    # given a small demo portfolio
    call_command("seed_demo", customers=400, seed=seed, as_of=AS_OF.isoformat(), quiet=True)
    # when the backtest scores it six months back and observes defaults since
    backtest = credit_backtest_run(as_of=AS_OF)
    # then the score separates the customers who defaulted
    assert backtest.customers > 300
    assert 0 < backtest.defaults < backtest.customers
    print(f"seed {seed}: AUC {backtest.auc} over {backtest.customers} customers")
    assert backtest.auc >= 0.75, backtest.grades
    # and worse grades default more often: the worst grade with customers worse than A
    # (E may be empty: customers scored E are mostly in default already, out of the sample)
    rates = {row["grade"]: row["default_rate"] for row in backtest.grades if row["customers"]}
    worst = max(rates)
    assert worst in {"D", "E"}, backtest.grades
    assert rates[worst] > rates["A"], backtest.grades
