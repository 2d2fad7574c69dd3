"""Why a customer is where it is in the queue, in words a clerk reads."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from receivables.collections.priority import (
    ESCALATION_AGENCY,
    ESCALATION_BOUNCED,
    ESCALATION_NO_ADDRESS,
    Escalation,
    WorklistRow,
)


def percent(value: Decimal) -> str:
    """0.0800 -> "8%", 0.0525 -> "5.25%"."""
    scaled = (value * 100).quantize(Decimal("0.01")).normalize()
    return f"{scaled:f}%"


def factor(value: Decimal) -> str:
    return f"×{value.normalize():f}"


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def escalation_reason(escalation: Escalation) -> str:
    values = {"level": escalation.level_position, "date": escalation.run_date.isoformat()}
    if escalation.kind == ESCALATION_BOUNCED:
        return _("Level %(level)s reminder of %(date)s bounced: check the billing address") % values
    if escalation.kind == ESCALATION_NO_ADDRESS:
        return _("Level %(level)s reminder of %(date)s not sent: no billing email address") % values
    if escalation.kind == ESCALATION_AGENCY:
        return _("Level %(level)s reminder sent on %(date)s: flagged for the agency") % values
    return _("Level %(level)s reminder sent on %(date)s: needs a collector") % values


def worklist_reasons(row: WorklistRow) -> list[str]:
    """Every component of the row's priority, escalations first."""
    reasons = [escalation_reason(escalation) for escalation in row.escalations]
    balance = row.balance
    if row.pd_is_default:
        grade = _("not graded, default")
    else:
        grade = _("grade %(grade)s") % {"grade": balance.customer.risk_grade or "?"}
    reasons.append(
        _("%(amount)s overdue × PD %(pd)s (%(grade)s)")
        % {
            "amount": money(balance.overdue_total, balance.currency),
            "pd": percent(row.probability_of_default),
            "grade": grade,
        }
    )
    if row.days_past_due is not None:
        days = ngettext("%(days)s day past due", "%(days)s days past due", row.days_past_due) % {
            "days": row.days_past_due
        }
        if row.bucket_boost != 1:
            days = f"{days} {factor(row.bucket_boost)}"
        reasons.append(days)
    if row.broken_promises:
        promises = ngettext(
            "%(count)s broken promise", "%(count)s broken promises", row.broken_promises
        ) % {"count": row.broken_promises}
        reasons.append(f"{promises} {factor(row.promise_boost)}")
    return reasons
