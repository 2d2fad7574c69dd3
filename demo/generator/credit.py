"""Credit limits and holds that fit each customer's invoicing and payment record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.generator import words
from demo.generator.invoicing import Invoices
from demo.generator.payments import Payments
from demo.generator.settlement import Ledger
from demo.generator.timeline import Timeline
from demo.generator.traits import Customers

_THOUSAND = 1000 * 100  # 1,000 units of the currency, in minor units


@dataclass(frozen=True)
class CreditProfiles:
    limit: np.ndarray  # minor units, a multiple of 1,000 units
    is_on_hold: np.ndarray
    hold_reason: np.ndarray
    hold_since: np.ndarray  # day number, meaningful when on hold


def _per_customer(n: int, owner: np.ndarray, values: np.ndarray) -> np.ndarray:
    sums = np.zeros(n, dtype=np.int64)
    np.add.at(sums, owner, values.astype(np.int64))
    return sums


def credit_profiles_generate(
    rng: np.random.Generator,
    customers: Customers,
    invoices: Invoices,
    ledger: Ledger,
    payments: Payments,
    *,
    timeline: Timeline,
) -> CreditProfiles:
    n, today = len(customers), timeline.today
    recent = ~invoices.is_void & (invoices.issue >= today - 365)
    revenue = _per_customer(n, invoices.owner, np.where(recent, invoices.total, 0))
    months_seen = np.clip((today - np.maximum(customers.since, today - 365)) / 30.4, 1, 12)
    monthly = np.where(revenue > 0, revenue / months_seen, customers.size * customers.rate)
    # About two to three months of revenue, rounded to 1,000.
    limit = np.maximum(1, np.rint(monthly * rng.uniform(2, 3, n) / _THOUSAND)) * _THOUSAND

    exposure = _per_customer(n, invoices.owner, ledger.open_amount)
    squeezed = (rng.random(n) < 0.04) & (exposure > 2 * _THOUSAND)
    squeezed_limit = np.maximum(1, np.floor(exposure * rng.uniform(0.5, 0.9, n) / _THOUSAND))
    limit = np.where(squeezed, squeezed_limit * _THOUSAND, limit).astype(np.int64)

    long_overdue = _per_customer(
        n, invoices.owner, np.where(invoices.due < today - 90, ledger.open_amount, 0)
    )
    recently_bounced = np.zeros(n, dtype=bool)
    recently_bounced[payments.owner[payments.is_bounced & (payments.day >= today - 90)]] = True
    draw = rng.random(n)
    reasons = [
        (long_overdue > 0) & (customers.propensity >= 0.45) & (draw < 0.5),
        (exposure > limit) & (draw < 0.15),
        recently_bounced & (draw < 0.3),
    ]
    hold_reason = np.select(
        reasons,
        [words.HOLD_REASON_OVERDUE, words.HOLD_REASON_OVER_LIMIT, words.HOLD_REASON_BOUNCED],
        default="",
    )
    return CreditProfiles(
        limit=limit,
        is_on_hold=hold_reason != "",
        hold_reason=hold_reason,
        hold_since=today - rng.integers(1, 60, n),
    )
