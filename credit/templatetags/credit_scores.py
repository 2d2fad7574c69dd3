"""``{% credit_score_panel customer %}``: the customer's risk grade and probability of default.

A minimal panel; the scoring feature replaces it with the score, its reasons
and its history.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("credit/_score_panel.html")
def credit_score_panel(customer: Any) -> dict[str, Any]:
    return {"customer": customer}
