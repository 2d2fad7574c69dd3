"""The first pass: compact per-customer summaries of the whole portfolio, and what is fitted on them.

BG/NBD and Gamma-Gamma parameters, RFM quintile edges, the distribution of the
tiering value (for percentiles) and the validated tier rules are computed once
here and stored on the run, then applied to every chunk — by this process or
by Celery workers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from analytics.pipeline import frames
from analytics.pipeline.config import PipelineConfig
from analytics.pipeline.queries import Window
from analytics.stats import bgnbd, gammagamma, rfm
from analytics.stats.bgnbd import BgNbdParameters, FitError
from analytics.stats.gammagamma import GammaGammaParameters
from analytics.tiering.rules import RuleSpec, active_rules, rule_set_problems

SUMMARY_COLUMNS = [
    "x",
    "t_x",
    "age",
    "invoices_all",
    "mean_margin",
    "margin_12m",
    "recency_days",
    "invoices_12m",
    "revenue_12m",
]


def derive(customers: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Add the float columns the statistics use (weeks for BG/NBD, days for RFM)."""
    as_of = pd.Timestamp(window.as_of)
    has_invoices = customers["invoices_all"] > 0
    first = pd.to_datetime(customers["first_issue"])
    last = pd.to_datetime(customers["last_issue"])
    customers["recency_days"] = np.where(has_invoices, (as_of - last).dt.days, np.nan)
    customers["age_days"] = np.where(has_invoices, (as_of - first).dt.days, np.nan)
    customers["active_days"] = np.where(has_invoices, (last - first).dt.days, np.nan)
    customers["x"] = np.maximum(customers["invoices_all"] - 1, 0).astype(float)
    customers["t_x"] = customers["active_days"] / 7.0
    customers["age"] = customers["age_days"] / 7.0
    customers["margin_12m_decimal"] = [
        None if revenue is None or notes is None or cost is None else revenue - notes - cost
        for revenue, notes, cost in zip(
            customers["revenue_12m"],
            customers["credit_notes_12m"],
            customers["cogs_12m"],
            strict=True,
        )
    ]
    customers["margin_12m"] = _floats(customers["margin_12m_decimal"])
    margin_all = _floats(customers["margin_all"])
    customers["mean_margin"] = np.where(
        has_invoices, margin_all / customers["invoices_all"].clip(lower=1), np.nan
    )
    customers["revenue_12m_float"] = _floats(customers["revenue_12m"])
    return customers


def _floats(values: Iterable) -> np.ndarray:
    return np.array([np.nan if value is None else float(value) for value in values], dtype=float)


def portfolio_pass(
    *,
    config: PipelineConfig,
    window: Window,
    rates: dict[str, Decimal],
    chunk_ranges: Iterable[tuple[int, int]],
    seed: int,
) -> tuple[dict, list[str]]:
    """Summarise every chunk, fit the portfolio's parameters; returns (parameters, problems)."""
    summaries = []
    missing: set[str] = set()
    fx_customers = 0
    for first_id, last_id in chunk_ranges:
        chunk = frames.build(
            window=window,
            first_id=first_id,
            last_id=last_id,
            config=config,
            rates=rates,
            full=False,
        )
        customers = derive(chunk.customers, window)
        missing |= chunk.missing_currencies
        fx_customers += int((customers["fx_missing"].str.len() > 0).sum())
        summary = customers[SUMMARY_COLUMNS[:5]].copy()
        summary["margin_12m"] = customers["margin_12m"]
        summary["recency_days"] = customers["recency_days"]
        summary["invoices_12m"] = customers["invoices_12m"].astype(float)
        summary["revenue_12m"] = customers["revenue_12m_float"]
        summaries.append(summary)
    portfolio = pd.concat(summaries) if summaries else pd.DataFrame(columns=SUMMARY_COLUMNS)
    problems: list[str] = []
    if portfolio.empty:
        problems.append(_("The portfolio has no customers: nothing to compute."))
    if missing:
        problems.append(
            _(
                "No FX rate on or before %(date)s for %(currencies)s: the money figures of"
                " %(count)d customer(s) were not computed. Add the rates under Analytics › FX"
                " rates and run the pipeline again."
            )
            % {
                "date": window.as_of,
                "currencies": ", ".join(sorted(missing)),
                "count": fx_customers,
            }
        )
    buyers = portfolio[portfolio["invoices_all"] > 0]
    parameters: dict = {
        "as_of": window.as_of.isoformat(),
        "window_start": window.start.isoformat(),
        "customers": len(portfolio),
        "customers_with_invoices": len(buyers),
        "rfm_edges": {
            "recency": rfm.quintile_edges(buyers["recency_days"].to_numpy()),
            "frequency": rfm.quintile_edges(buyers["invoices_12m"].to_numpy()),
            "monetary": rfm.quintile_edges(buyers["revenue_12m"].to_numpy()),
        },
        "value_distribution": rfm.compact_distribution(portfolio["margin_12m"].to_numpy()),
    }
    clv, clv_problems = _fit_clv(buyers, config=config, seed=seed)
    parameters.update(clv)
    problems += clv_problems
    rules = active_rules()
    rule_problems = rule_set_problems(rules)
    if rule_problems:
        parameters["tier_rules"] = None
        problems += [_("Tiers left unchanged: %(problem)s") % {"problem": p} for p in rule_problems]
    else:
        parameters["tier_rules"] = [_rule_to_json(rule) for rule in rules]
    return parameters, problems


def _fit_clv(buyers: pd.DataFrame, *, config: PipelineConfig, seed: int) -> tuple[dict, list[str]]:
    """BG/NBD + Gamma-Gamma when the data allow, else the historic method for everyone."""
    historic = {"clv_method": "historic", "bgnbd": None, "gamma_gamma": None}
    repeat = buyers[buyers["x"] > 0]
    if len(repeat) < config.clv_min_repeat_customers:
        return historic, [
            _(
                "CLV by the historic method: only %(count)d customer(s) have a repeat invoice,"
                " BG/NBD needs at least %(minimum)d (ANALYTICS_CLV_MIN_REPEAT_CUSTOMERS)."
            )
            % {"count": len(repeat), "minimum": config.clv_min_repeat_customers}
        ]
    rng = np.random.default_rng(seed)
    sample = buyers
    if len(sample) > config.clv_fit_sample:
        sample = sample.iloc[rng.choice(len(sample), config.clv_fit_sample, replace=False)]
    spenders = sample[(sample["x"] > 0) & (sample["mean_margin"] > 0)]
    try:
        fitted = bgnbd.fit(sample["x"], sample["t_x"], sample["age"])
        bgnbd.expected_transactions(fitted, 4.0, np.array([1.0]), np.array([1.0]), np.array([2.0]))
        if len(spenders) < config.clv_min_repeat_customers:
            raise FitError(
                f"only {len(spenders)} repeat customer(s) with a positive margin per invoice"
            )
        spend = gammagamma.fit(spenders["invoices_all"], spenders["mean_margin"])
        spend.population_mean  # noqa: B018 - raises FitError when q <= 1
    except FitError as error:
        return historic, [
            _("CLV by the historic method: the model fit failed (%(error)s).") % {"error": error}
        ]
    return {
        "clv_method": "bgnbd_gg",
        "bgnbd": fitted.as_dict(),
        "gamma_gamma": spend.as_dict(),
        "fit_sample": len(sample),
    }, []


def _rule_to_json(rule: RuleSpec) -> dict:
    return {
        key: (str(value) if isinstance(value, Decimal) else value)
        for key, value in dataclasses.asdict(rule).items()
    }


def rules_from_json(rows: list[dict]) -> list[RuleSpec]:
    def parse(key: str, value):
        if key.endswith(("_above", "_at_most")) and value is not None:
            return Decimal(value)
        if key == "risk_grades":
            return tuple(value)
        return value

    return [RuleSpec(**{key: parse(key, value) for key, value in row.items()}) for row in rows]


def bgnbd_parameters(parameters: dict) -> BgNbdParameters | None:
    values = parameters.get("bgnbd")
    return BgNbdParameters(**values) if values else None


def gamma_gamma_parameters(parameters: dict) -> GammaGammaParameters | None:
    values = parameters.get("gamma_gamma")
    return GammaGammaParameters(**values) if values else None
