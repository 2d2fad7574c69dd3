"""Per-chunk statistics: RFM, CLV, profitability, churn warning and the tier, one row per customer.

Money components are exact Decimals until stored; the statistical estimates
(CLV, P(alive), expected invoices) are computed in floats and converted to
Decimal and rounded once, in :func:`rows`.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from analytics.models import ClvMethod
from analytics.pipeline import frames
from analytics.pipeline.config import WEEKS_PER_MONTH, PipelineConfig
from analytics.pipeline.portfolio import (
    bgnbd_parameters,
    derive,
    gamma_gamma_parameters,
    rules_from_json,
)
from analytics.pipeline.queries import Window
from analytics.stats import bgnbd, gammagamma, rfm
from analytics.tiering.rules import TierInputs, decide


def chunk_frame(
    *,
    config: PipelineConfig,
    window: Window,
    rates: dict[str, Decimal],
    parameters: dict,
    first_id: int,
    last_id: int,
) -> pd.DataFrame:
    """Every figure of every customer in the id range, as a DataFrame indexed by customer id."""
    chunk = frames.build(
        window=window, first_id=first_id, last_id=last_id, config=config, rates=rates
    )
    customers = derive(chunk.customers, window)
    customers["notes"] = [
        [
            _("No FX rate for %(currencies)s on or before %(date)s: money figures not computed.")
            % {"currencies": ", ".join(currencies), "date": window.as_of}
        ]
        if currencies
        else []
        for currencies in customers["fx_missing"]
    ]
    has_invoices = customers["invoices_all"] > 0
    _note(customers, ~has_invoices, _("No invoices: RFM, CLV and churn not computed."))
    _rfm(customers, parameters)
    _profitability(customers, config)
    _clv(customers, config, parameters)
    _churn(customers, config)
    _tier(customers, parameters)
    customers.attrs["problems"] = chunk.customers.attrs.get("problems", [])
    return customers


def _note(customers: pd.DataFrame, mask, text: str) -> None:
    for notes in customers.loc[mask, "notes"]:
        notes.append(text)


def _rfm(customers: pd.DataFrame, parameters: dict) -> None:
    edges = parameters["rfm_edges"]
    has_invoices = customers["invoices_all"] > 0
    recency = np.where(has_invoices, customers["recency_days"], np.nan)
    frequency = np.where(has_invoices, customers["invoices_12m"].astype(float), np.nan)
    monetary = np.where(has_invoices, customers["revenue_12m_float"], np.nan)
    customers["r_score"] = (
        rfm.lower_is_better(recency, edges["recency"]) if edges["recency"] else np.nan
    )
    customers["f_score"] = (
        rfm.higher_is_better(frequency, edges["frequency"]) if edges["frequency"] else np.nan
    )
    customers["m_score"] = (
        rfm.higher_is_better(monetary, edges["monetary"]) if edges["monetary"] else np.nan
    )
    customers["rfm_segment"] = rfm.segments(
        customers["r_score"], customers["f_score"], customers["m_score"]
    )


def _profitability(customers: pd.DataFrame, config: PipelineConfig) -> None:
    capital_per_day = config.annual_cost_of_capital / Decimal(365)
    results = {
        key: []
        for key in (
            "revenue_net",
            "cost_to_serve",
            "financing_cost",
            "contribution",
        )
    }
    for row in customers[
        [
            "revenue_12m",
            "credit_notes_12m",
            "cogs_12m",
            "write_offs_12m",
            "paid_late_amount_days",
            "open_late_amount_days",
            "invoices_12m",
            "dunning_notices_12m",
            "activities_12m",
            "disputes_12m",
        ]
    ].itertuples(index=False):
        money = (
            row.revenue_12m,
            row.credit_notes_12m,
            row.cogs_12m,
            row.write_offs_12m,
            row.paid_late_amount_days,
            row.open_late_amount_days,
        )
        cost_to_serve = (
            row.invoices_12m * config.cost_per_invoice
            + row.dunning_notices_12m * config.cost_per_dunning_notice
            + row.activities_12m * config.cost_per_activity
            + row.disputes_12m * config.cost_per_dispute
        )
        results["cost_to_serve"].append(cost_to_serve)
        if any(value is None for value in money):
            for key in ("revenue_net", "financing_cost", "contribution"):
                results[key].append(None)
            continue
        revenue_net = row.revenue_12m - row.credit_notes_12m
        financing = (row.paid_late_amount_days + row.open_late_amount_days) * capital_per_day
        results["revenue_net"].append(revenue_net)
        results["financing_cost"].append(financing)
        results["contribution"].append(
            revenue_net - row.cogs_12m - cost_to_serve - financing - row.write_offs_12m
        )
    for key, values in results.items():
        customers[key] = pd.Series(values, index=customers.index, dtype=object)
    customers["weighted_days_late"] = [
        None if late is None or paid is None or paid == 0 else late / paid
        for late, paid in zip(
            customers["late_amount_days"], customers["paid_total_12m"], strict=True
        )
    ]
    _note(
        customers,
        (customers["invoices_all"] > 0)
        & customers["weighted_days_late"].isna()
        & (customers["fx_missing"].str.len() == 0),
        _(
            "No invoice paid in the window: amount-weighted days late unknown (taken as 0 for tiers)."
        ),
    )


def _clv(customers: pd.DataFrame, config: PipelineConfig, parameters: dict) -> None:
    has_invoices = (customers["invoices_all"] > 0).to_numpy()
    has_money = (customers["fx_missing"].str.len() == 0).to_numpy()
    discounts = np.asarray(config.discount_factors())
    horizon = config.clv_horizon_months
    fitted = bgnbd_parameters(parameters)
    spend = gamma_gamma_parameters(parameters)
    n = len(customers)
    clv = np.full(n, np.nan)
    expected = np.full(n, np.nan)
    alive = np.full(n, np.nan)
    margin = np.full(n, np.nan)
    method = np.full(n, ClvMethod.NONE.value, dtype=object)
    if fitted is not None and spend is not None:
        x, t_x, age = (customers[c].to_numpy(dtype=float) for c in ("x", "t_x", "age"))
        rows = has_invoices
        cumulative = np.zeros((horizon + 1, int(rows.sum())))
        for month in range(1, horizon + 1):
            cumulative[month] = bgnbd.expected_transactions(
                fitted, month * WEEKS_PER_MONTH, x[rows], t_x[rows], age[rows]
            )
        per_month = np.diff(cumulative, axis=0)
        mean_margin = customers["mean_margin"].to_numpy(dtype=float)[rows]
        invoices = customers["invoices_all"].to_numpy(dtype=float)[rows]
        positive = mean_margin > 0
        expected_margin = np.where(
            positive,
            gammagamma.conditional_expected_value(
                spend, invoices, np.where(positive, mean_margin, 1.0)
            ),
            mean_margin,
        )
        expected[rows] = cumulative[horizon]
        alive[rows] = bgnbd.probability_alive(fitted, x[rows], t_x[rows], age[rows])
        margin[rows] = expected_margin
        clv[rows] = (per_month * discounts[:, None]).sum(axis=0) * expected_margin
        method[rows] = ClvMethod.BGNBD_GG.value
        _note(
            customers,
            has_invoices & has_money & (customers["mean_margin"] <= 0).to_numpy(),
            "Margin per invoice not positive: Gamma-Gamma does not apply, the customer's own mean"
            " margin is used.",
        )
    else:
        # Historic: the trailing monthly margin run rate, discounted over the horizon.
        months_seen = np.clip(customers["age_days"].to_numpy(dtype=float) / 30.4375, 1.0, 12.0)
        monthly = customers["margin_12m"].to_numpy(dtype=float) / months_seen
        rows = has_invoices
        clv[rows] = monthly[rows] * discounts.sum()
        expected[rows] = (
            customers["invoices_12m"].to_numpy(dtype=float)[rows] / months_seen[rows] * horizon
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            margin[rows] = (
                customers["margin_12m"].to_numpy(dtype=float)[rows]
                / customers["invoices_12m"].to_numpy(dtype=float)[rows]
            )
        method[rows] = ClvMethod.HISTORIC.value
    # A numerically failed expectation (overflow in 2F1) is reported, not stored.
    unstable = has_invoices & (method == ClvMethod.BGNBD_GG.value) & ~np.isfinite(clv)
    method[unstable] = ClvMethod.NONE.value
    _note(customers, unstable, "CLV could not be evaluated numerically for this history.")
    # Without converted money there is no value to put on the invoices.
    clv[~has_money] = np.nan
    margin[~has_money] = np.nan
    method[~has_money & (method == ClvMethod.HISTORIC.value)] = ClvMethod.NONE.value
    method[~has_money & (method == ClvMethod.BGNBD_GG.value)] = ClvMethod.NONE.value
    customers["clv"] = clv
    customers["expected_invoices"] = expected
    customers["probability_alive"] = alive
    customers["expected_margin_per_invoice"] = np.where(np.isfinite(margin), margin, np.nan)
    customers["clv_method"] = method


def _churn(customers: pd.DataFrame, config: PipelineConfig) -> None:
    threshold = float(config.churn_p_alive_threshold)
    multiple = float(config.churn_gap_multiple)
    invoices = customers["invoices_all"].to_numpy()
    established = invoices >= max(config.churn_min_invoices, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(established, customers["active_days"] / np.maximum(invoices - 1, 1), np.nan)
    customers["usual_gap_days"] = gap
    recency = customers["recency_days"].to_numpy(dtype=float)
    alive = customers["probability_alive"].to_numpy(dtype=float)
    reasons = []
    for used_to_buy, p_alive, days, usual in zip(established, alive, recency, gap, strict=True):
        found = []
        if used_to_buy and np.isfinite(p_alive) and p_alive < threshold:
            found.append(
                _("P(alive) %(p)s is below %(threshold)s")
                % {"p": f"{p_alive:.2f}", "threshold": f"{threshold:.2f}"}
            )
        if used_to_buy and np.isfinite(usual) and usual > 0 and days > multiple * usual:
            found.append(
                _("no invoice for %(days)d days, %(multiple)s× the usual gap of %(gap)s days")
                % {"days": int(days), "multiple": f"{days / usual:.1f}", "gap": f"{usual:.0f}"}
            )
        reasons.append("; ".join(found))
    customers["churn_reason"] = reasons
    customers["is_churn_warning"] = customers["churn_reason"].str.len() > 0


def _tier(customers: pd.DataFrame, parameters: dict) -> None:
    percentile = np.round(
        rfm.percentiles(customers["margin_12m"].to_numpy(), parameters["value_distribution"]), 2
    )
    customers["value_percentile"] = percentile
    customers["tier_decided"] = ""
    customers["tier_rule_id"] = None
    customers["tier_rule_name"] = ""
    if parameters.get("tier_rules") is None:
        return
    rules = rules_from_json(parameters["tier_rules"])
    late = np.array(
        [np.nan if value is None else float(value) for value in customers["weighted_days_late"]]
    )
    inputs = TierInputs(
        risk_grade=customers["risk_grade"].fillna("").to_numpy(dtype=str),
        on_hold=customers["is_on_hold"].to_numpy(dtype=bool),
        days_past_due=customers["max_days_past_due"].to_numpy(dtype=float),
        value_percentile=np.nan_to_num(percentile, nan=0.0),
        days_late=np.nan_to_num(late, nan=0.0),
    )
    _note(
        customers,
        np.isnan(percentile),
        "Value percentile unknown (no converted margin): taken as 0 for tiers.",
    )
    decided = decide(rules, inputs)
    customers["tier_decided"] = [rules[i].tier if i >= 0 else "" for i in decided]
    customers["tier_rule_id"] = [rules[i].rule_id if i >= 0 else None for i in decided]
    customers["tier_rule_name"] = [rules[i].name if i >= 0 else "" for i in decided]
