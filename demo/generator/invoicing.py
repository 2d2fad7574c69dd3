"""When customers are invoiced and for how much."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.generator import words
from demo.generator.timeline import Timeline
from demo.generator.traits import Customers

_SEASON = np.array(words.SEASON_BY_MONTH)
_INDUSTRY_MARGIN = np.array([i.margin for i in words.INDUSTRIES])
# The smallest invoice is 50 US dollars' worth in the customer's currency.
_MINIMUM_INVOICE_USD = 50
VOID_SHARE = 0.003


@dataclass(frozen=True)
class Invoices:
    """The invoices of one chunk of customers, sorted by customer then issue day."""

    owner: np.ndarray  # index of the customer in its chunk
    issue: np.ndarray  # day number
    due: np.ndarray  # day number
    total: np.ndarray  # minor units (cents)
    cost: np.ndarray  # minor units (cents)
    is_void: np.ndarray

    def __len__(self) -> int:
        return len(self.owner)


def _expected_counts(
    customers: Customers, timeline: Timeline, invoices_per_customer: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected invoices per customer and period, and the active part of each period."""
    period_start, period_end = timeline.edges[:-1], timeline.edges[1:]
    first = np.maximum(period_start[None, :], customers.since[:, None])
    last = np.minimum(period_end[None, :], customers.end[:, None])
    active_days = np.clip(last - first, 0, None)
    active_share = active_days / (period_end - period_start)[None, :]
    season = 1 + customers.seasonality[:, None] * (
        _SEASON[timeline.calendar_months - 1][None, :] - 1
    )
    age = np.arange(timeline.months) - (timeline.months - 1)  # 0 in the last period
    trend = np.exp(customers.trend[:, None] * age[None, :])
    expected = customers.rate[:, None] * season * trend * active_share
    total = expected.sum()
    if total > 0:
        # Scale so that the portfolio averages ``invoices_per_customer`` invoices.
        expected *= len(customers) * invoices_per_customer / total
    return expected, first, active_days


def invoices_generate(
    rng: np.random.Generator,
    customers: Customers,
    *,
    timeline: Timeline,
    invoices_per_customer: int,
) -> Invoices:
    expected, first, active_days = _expected_counts(customers, timeline, invoices_per_customer)
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    owner = cell // timeline.months
    issue = first.ravel()[cell] + (rng.random(len(cell)) * active_days.ravel()[cell]).astype(
        np.int64
    )
    order = np.lexsort((issue, owner))
    owner, issue = owner[order], issue[order]
    m = len(owner)

    sigma = 0.55
    amount = customers.size[owner] * rng.lognormal(-0.5 * sigma**2, sigma, m)
    minimum = np.rint(customers.fx[owner] * _MINIMUM_INVOICE_USD * 100)
    total = np.maximum(np.rint(amount), minimum).astype(np.int64)

    margin = np.clip(
        _INDUSTRY_MARGIN[customers.industry][owner] * rng.uniform(0.85, 1.15, m), 0.10, 0.45
    )
    cost = np.rint(total * (1 - margin)).astype(np.int64)
    return Invoices(
        owner=owner,
        issue=issue,
        due=issue + customers.terms[owner],
        total=total,
        cost=cost,
        is_void=rng.random(m) < VOID_SHARE,
    )
