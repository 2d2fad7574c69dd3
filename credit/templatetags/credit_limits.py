"""Template tags of the limit pages, so partials can be included with just ``customer``."""

from __future__ import annotations

from django import template

from credit.selectors_limits import LimitHistory, credit_limit_history
from customers.models import Customer

register = template.Library()


@register.simple_tag
def limit_history_of(customer: Customer) -> LimitHistory:
    """``{% limit_history_of customer as history %}``"""
    return credit_limit_history(customer=customer)
