"""Customers' visible attributes and their hidden behaviour.

The hidden traits (propensity to pay late, size, invoicing rate, trend,
seasonality, churn, payment habits) drive everything the generator makes for
a customer, but are never written to the database or to a file: the product
has to discover them from the ledger, as it would with real customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.generator import words
from demo.generator.timeline import NEVER, Timeline

_COUNTRY_REGION = np.array([words.REGIONS.index(c.region) for c in words.COUNTRIES])
_COUNTRY_WEIGHT = np.array([c.weight for c in words.COUNTRIES])
COUNTRY_CODES = np.array([c.code for c in words.COUNTRIES])
COUNTRY_CURRENCIES = np.array([c.currency for c in words.COUNTRIES])
_COUNTRY_CHINESE = np.array([c.chinese_share for c in words.COUNTRIES])
_COUNTRY_FX = np.array([words.FX_PER_USD[c.currency] for c in words.COUNTRIES])
_INDUSTRY_WEIGHT = np.array([i.weight for i in words.INDUSTRIES])
_INDUSTRY_MEDIAN = np.array([i.median_invoice_usd for i in words.INDUSTRIES])
_INDUSTRY_LATENESS = np.array([i.lateness for i in words.INDUSTRIES])
_INDUSTRY_SEASONALITY = np.array([i.seasonality for i in words.INDUSTRIES])
_INDUSTRY_TERMS = np.cumsum(np.array([i.terms for i in words.INDUSTRIES]), axis=1)
_BATCH_PAYER_INDUSTRIES = np.isin(
    [i.code for i in words.INDUSTRIES], ["manufacturing", "wholesale", "energy", "public_sector"]
)
_CHANNEL_SIZE = np.array(words.SALES_CHANNEL_SIZE)
_CHANNEL_LATENESS = np.array([0.0, 0.05, 0.15, 0.0])  # direct, distributor, online, partner


@dataclass(frozen=True)
class Customers:
    """One chunk of customers; every attribute is an array with one entry per customer."""

    ordinal: np.ndarray  # 0-based position in the portfolio (the code's number - 1)
    region: np.ndarray  # index into words.REGIONS
    country: np.ndarray  # index into words.COUNTRIES
    industry: np.ndarray  # index into words.INDUSTRIES
    channel: np.ndarray  # index into words.SALES_CHANNELS
    currency: np.ndarray  # ISO code
    fx: np.ndarray  # units of the currency per US dollar (rough)
    terms: np.ndarray  # payment terms in days
    is_chinese: np.ndarray  # Chinese company and contact names, language zh-hans
    since: np.ndarray  # customer_since, day number
    end: np.ndarray  # last day the customer buys (NEVER unless it churned)
    is_inactive: np.ndarray
    # Hidden behaviour (never stored):
    propensity: np.ndarray  # 0..1, tendency to pay late, dispute, bounce, default
    size: np.ndarray  # mean invoice amount, minor units of the currency
    rate: np.ndarray  # relative invoicing rate
    trend: np.ndarray  # log growth of the invoicing rate per month
    seasonality: np.ndarray  # amplitude of the Q4 peak / summer dip
    habit: np.ndarray  # extra days a late payer habitually takes
    is_batch_payer: np.ndarray  # pays on a monthly payment run, several invoices at once
    payment_method: np.ndarray  # index into words.PAYMENT_METHODS

    def __len__(self) -> int:
        return len(self.ordinal)


def _pick_rows(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """Per row, an index drawn from that row's cumulative probabilities."""
    draws = rng.random(len(cumulative))
    return np.minimum((draws[:, None] > cumulative).sum(axis=1), cumulative.shape[1] - 1)


def _countries(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    country = np.empty(len(region), dtype=np.int64)
    for index in range(len(words.REGIONS)):
        rows = np.flatnonzero(region == index)
        options = np.flatnonzero(np.equal(_COUNTRY_REGION, index))
        weights = _COUNTRY_WEIGHT[options] / _COUNTRY_WEIGHT[options].sum()
        country[rows] = rng.choice(options, size=len(rows), p=weights)
    return country


def _lifetimes(
    rng: np.random.Generator, n: int, timeline: Timeline
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """customer_since, last buying day and the inactive flag."""
    today = timeline.today
    window = today - timeline.start
    is_new = rng.random(n) < 0.22
    new_age = rng.uniform(20, max(window, 21), n)
    old_age = window + np.minimum(rng.exponential(1100, n), 15 * 365)
    since = today - np.where(is_new, new_age, old_age).astype(np.int64)
    churns = rng.random(n) < 0.08
    gone_for = rng.uniform(45, max(46.0, min(540.0, 0.8 * window)), n).astype(np.int64)
    end = today - gone_for
    churns &= end > since + 30
    end = np.where(churns, end, NEVER)
    is_inactive = churns & (today - end >= 180) & (rng.random(n) < 0.6)
    return since, end, is_inactive


def customers_generate(
    rng: np.random.Generator, *, ordinals: np.ndarray, timeline: Timeline
) -> Customers:
    n = len(ordinals)
    region = rng.choice(len(words.REGIONS), size=n, p=words.REGION_WEIGHTS)
    country = _countries(rng, region)
    industry = rng.choice(len(words.INDUSTRIES), size=n, p=_INDUSTRY_WEIGHT)
    channel = rng.choice(len(words.SALES_CHANNELS), size=n, p=words.SALES_CHANNEL_WEIGHTS)
    terms = np.array(words.TERMS_DAYS)[_pick_rows(rng, _INDUSTRY_TERMS[industry])]
    currency = COUNTRY_CURRENCIES[country]
    since, end, is_inactive = _lifetimes(rng, n, timeline)

    size_z = rng.standard_normal(n)
    size = (
        _INDUSTRY_MEDIAN[industry]
        * _CHANNEL_SIZE[channel]
        * np.exp(0.9 * size_z)
        * 100
        * _COUNTRY_FX[country]
    )

    base = rng.beta(1.6, 6.5, n)
    logit = (
        np.log(base / (1 - base))
        + _INDUSTRY_LATENESS[industry]
        + _CHANNEL_LATENESS[channel]
        - 0.15 * size_z
    )
    propensity = np.clip(1 / (1 + np.exp(-logit)), 0.005, 0.97)

    return Customers(
        ordinal=ordinals,
        region=region,
        country=country,
        industry=industry,
        channel=channel,
        currency=currency,
        fx=_COUNTRY_FX[country],
        terms=terms,
        is_chinese=rng.random(n) < _COUNTRY_CHINESE[country],
        since=since,
        end=end,
        is_inactive=is_inactive,
        propensity=propensity,
        size=size,
        rate=rng.lognormal(0.0, 0.6, n) * np.exp(-0.2 * size_z),
        trend=rng.normal(0.0, 0.012, n) - np.where(end < NEVER, 0.02, 0.0),
        seasonality=rng.uniform(0.3, 1.0, n) * _INDUSTRY_SEASONALITY[industry],
        habit=propensity * 25 * rng.uniform(0.5, 1.5, n),
        is_batch_payer=rng.random(n) < np.where(_BATCH_PAYER_INDUSTRIES[industry], 0.35, 0.2),
        payment_method=rng.choice(
            len(words.PAYMENT_METHODS), size=n, p=words.PAYMENT_METHOD_WEIGHTS
        ),
    )
