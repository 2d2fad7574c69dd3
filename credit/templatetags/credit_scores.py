"""``{% load credit_scores %}{% credit_score_panel customer %}``: the customer's score with its
grade, probability of default, version, top reasons and score history chart."""

from __future__ import annotations

from django import template

from credit.scoring.presentation import (
    percent,
    score_components,
    score_history_chart,
    score_reasons,
)
from credit.scoring.selectors import credit_score_history, credit_score_latest_get
from customers.models import Customer

register = template.Library()


@register.inclusion_tag("credit/_score_panel.html")
def credit_score_panel(customer: Customer) -> dict:
    score = credit_score_latest_get(customer=customer)
    if score is None:
        return {"customer": customer, "score": None}
    return {
        "customer": customer,
        "score": score,
        "pd_percent": percent(score.probability_of_default),
        "reasons": score_reasons(score),
        "components": score_components(score),
        "history_chart": score_history_chart(credit_score_history(customer=customer)),
    }
