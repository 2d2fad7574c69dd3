"""The first pass: what is fitted on the whole portfolio, from the compact columns of the run's stage.

BG/NBD and Gamma-Gamma parameters, RFM quintile edges, the distribution of the
tiering value (for percentiles) and the validated tier rules are computed once
here and stored on the run, then applied to every chunk — by this process or
by Celery workers.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from analytics.pipeline.config import PipelineConfig
from analytics.pipeline.queries import Window
from analytics.pipeline.stage import stage_summary
from analytics.stats import bgnbd, gammagamma, rfm
from analytics.stats.bgnbd import BgNbdParameters, FitError
from analytics.stats.gammagamma import GammaGammaParameters
from analytics.tiering.rules import RuleSpec, active_rules, rule_set_problems


def derive(customers: pd.DataFrame) -> pd.DataFrame:
    """Add the float columns the statistics use (weeks for BG/NBD) to stage rows."""
    has_invoices = customers["invoices_all"] > 0
    customers["x"] = np.maximum(customers["invoices_all"] - 1, 0).astype(float)
    customers["t_x"] = customers["active_days"] / 7.0
    customers["age"] = customers["age_days"] / 7.0
    customers["mean_margin"] = np.where(
        has_invoices, customers["margin_all"] / customers["invoices_all"].clip(lower=1), np.nan
    )
    # The currencies without a rate, as a sorted tuple (empty for almost every customer:
    # only those with a text are parsed).
    texts = customers["fx_missing"].to_numpy(dtype=object)
    listed = np.empty(len(texts), dtype=object)
    listed.fill(())
    has_money = np.ones(len(texts), dtype=bool)
    for position in np.flatnonzero(pd.notna(texts)):
        currencies = tuple(sorted({part for part in str(texts[position]).split(",") if part}))
        listed[position] = currencies
        has_money[position] = not currencies
    customers["fx_missing"] = pd.Series(listed, index=customers.index, dtype=object)
    customers["has_money"] = has_money
    return customers


def portfolio_pass(
    *,
    config: PipelineConfig,
    window: Window,
    run_id: int,
    seed: int,
    summary: pd.DataFrame | None = None,
) -> tuple[dict, list[str]]:
    """Fit the portfolio's parameters on the run's stage; returns (parameters, problems).

    ``summary``: the stage's :func:`stage_summary` when already read (by the stage's parts);
    left as it is (the run's jobs take their chunks' rows from it).
    """
    portfolio = derive(summary.copy() if summary is not None else stage_summary(run_id=run_id))
    missing = sorted(
        {currency for currencies in portfolio["fx_missing"] for currency in currencies}
    )
    fx_customers = int((~portfolio["has_money"]).sum())
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
                "currencies": ", ".join(missing),
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
            "frequency": rfm.quintile_edges(buyers["invoices_12m"].to_numpy(dtype=float)),
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
