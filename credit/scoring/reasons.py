"""The reasons of a score in plain language: what a component measured and why it cost points.

Stored scores keep the English text for API clients; pages call
``reason_text`` again so the reader gets their own language. The templates
are looked up once per call of ``reason_templates`` so scoring a whole
portfolio formats strings instead of translating each one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.utils.translation import gettext, ngettext

# (template with a value, template without data, how the value fills the template)
Template = tuple[str, str, Callable[[float], dict]]


def _share(value: float) -> dict:
    return {"share": f"{value * 100:.0f}%"}


def _days(value: float) -> dict:
    return {"days": value}


def _whole_days(value: float) -> dict:
    return {"days": int(value)}


def reason_templates() -> dict[str, Template]:
    """Each component's reason templates in the active language."""
    return {
        "days_late": (
            gettext(
                "Invoices paid in the last 12 months were paid %(days).1f days late on average "
                "(weighted by amount)."
            ),
            gettext("No invoice was paid in the last 12 months, so payment habits are unknown."),
            _days,
        ),
        "paid_over_30_late": (
            gettext(
                "%(share)s of the invoices paid in the last 12 months were paid more than 30 "
                "days late."
            ),
            gettext("No invoice was paid in the last 12 months."),
            _share,
        ),
        "open_over_60": (
            gettext("%(share)s of the open balance is more than 60 days past due."),
            gettext("Nothing is open."),
            _share,
        ),
        "utilization": (
            gettext("The open balance uses %(share)s of the credit limit."),
            gettext("The customer owes money but has no credit limit set."),
            _share,
        ),
        "tenure": (
            gettext("A customer for only %(days)d days; a longer record earns more points."),
            gettext("The customer's start date is unknown."),
            _whole_days,
        ),
        "dispute_rate": (
            gettext("%(share)s of the invoices of the last 12 months were disputed."),
            gettext("No invoices in the last 12 months to measure disputes against."),
            _share,
        ),
        "bounced_payments": (
            "",  # plural forms: see reason_text
            "",
            lambda value: {"count": int(value)},
        ),
        "trend": (
            gettext(
                "Payments of the last 3 months were %(days).1f days later on average than in "
                "the 9 months before."
            ),
            gettext(
                "Too few payments in the last 12 months to tell whether payment is getting "
                "faster or slower."
            ),
            _days,
        ),
    }


def reason_text(
    component: str, value: float | None, templates: dict[str, Template] | None = None
) -> str:
    """Why ``component`` with ``value`` (None: no data) cost points, in the active language."""
    missing = value is None or math.isnan(value)
    if component == "bounced_payments":
        count = 0 if missing else int(value)
        return ngettext(
            "%(count)d payment bounced in the last 12 months.",
            "%(count)d payments bounced in the last 12 months.",
            count,
        ) % {"count": count}
    if component == "trend" and not missing and value < 0:
        # The trend costs points either way: paying much faster is an unsteady payer too.
        return gettext(
            "Payments of the last 3 months were %(days).1f days earlier on average than in "
            "the 9 months before: an unsteady payer."
        ) % {"days": -value}
    templates = templates or reason_templates()
    if component not in templates:
        return component
    with_value, without_value, fill = templates[component]
    return without_value if missing else with_value % fill(value)


def component_label(component: str) -> str:
    labels = {
        "days_late": gettext("Days late (12 months, amount-weighted)"),
        "paid_over_30_late": gettext("Invoices paid over 30 days late"),
        "open_over_60": gettext("Open balance over 60 days past due"),
        "utilization": gettext("Credit limit used"),
        "tenure": gettext("Length of relationship"),
        "dispute_rate": gettext("Disputed invoices"),
        "bounced_payments": gettext("Bounced payments"),
        "trend": gettext("Trend: last 3 months vs the 9 before"),
    }
    return labels.get(component, component)
