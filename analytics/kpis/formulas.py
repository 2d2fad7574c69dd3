"""The portfolio KPI formulas of DESIGN §5, on exact Decimals.

Pure functions: the SQL aggregates feed them, the tests check them by hand.
Each returns ``None`` when the figure is not defined for the input (no credit
sales in the period, no receivables at all), never a made-up zero. Days and
percentages are rounded once, to two places, ROUND_HALF_EVEN.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def days_sales_outstanding(
    *, ending_ar: Decimal, credit_sales: Decimal, days: int
) -> Decimal | None:
    """DSO = ending AR ÷ credit sales in the period × days in the period."""
    if credit_sales <= 0:
        return None
    return _two_places(ending_ar / credit_sales * days)


def best_possible_dso(*, current_ar: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Best possible DSO = current (not yet due) AR ÷ credit sales × days."""
    if credit_sales <= 0:
        return None
    return _two_places(current_ar / credit_sales * days)


def average_days_delinquent(*, dso: Decimal | None, best_dso: Decimal | None) -> Decimal | None:
    """ADD = DSO − best possible DSO (both already rounded, so ADD is their exact difference)."""
    if dso is None or best_dso is None:
        return None
    return dso - best_dso


def countback_dso(
    *, ending_ar: Decimal, monthly_sales: Sequence[tuple[int, Decimal]]
) -> Decimal | None:
    """Countback DSO: walk back through the sales, newest month first, until they cover the AR.

    ``monthly_sales`` is ``(days, credit sales)`` per month, newest first; the
    newest month counts only its days up to the snapshot date. Each month whose
    sales the remaining AR exceeds adds all its days; the month that covers the
    rest adds its share of days (remaining AR ÷ that month's sales × its days).
    ``None`` when the AR is more than all the months' sales together: the
    figure would be longer than the window looked at.
    """
    remaining = ending_ar
    if remaining <= 0:
        return ZERO
    elapsed = Decimal(0)
    for days, sales in monthly_sales:
        if remaining > sales:
            elapsed += days
            remaining -= sales
            continue
        return _two_places(elapsed + remaining / sales * days)
    return None


def collection_effectiveness_index(
    *,
    beginning_ar: Decimal,
    credit_sales: Decimal,
    ending_ar: Decimal,
    ending_current_ar: Decimal,
) -> Decimal | None:
    """CEI = (beginning AR + credit sales − ending AR)
    ÷ (beginning AR + credit sales − ending current AR) × 100."""
    collectible = beginning_ar + credit_sales - ending_current_ar
    if collectible <= 0:
        return None
    return _two_places((beginning_ar + credit_sales - ending_ar) / collectible * _HUNDRED)


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``; None when there is no whole.

    Bad-debt ratio = write-offs ÷ credit sales; % of AR over 90 days = AR more
    than 90 days past due ÷ ending AR.
    """
    if whole <= 0:
        return None
    return _two_places(part / whole * _HUNDRED)
