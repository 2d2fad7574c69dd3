"""What the score panel and the backtest page show, shaped from stored rows (no rules here)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from credit.models import CreditBacktest, CreditScore
from credit.scoring.charts import LineChart, line_chart
from credit.scoring.reasons import component_label, reason_text
from crm.charts import BarChart, bar_chart

_GRADE_CLASSES = {"A": "", "B": "", "C": "overdue", "D": "late", "E": "late"}


@dataclass(frozen=True)
class Reason:
    label: str
    text: str
    points_lost: float


@dataclass(frozen=True)
class ComponentRow:
    label: str
    points: float
    max_points: float


def score_reasons(score: CreditScore) -> list[Reason]:
    """The stored reasons, re-worded in the reader's language."""
    return [
        Reason(
            label=component_label(reason["component"]),
            text=reason_text(reason["component"], reason.get("value")),
            points_lost=reason["points_lost"],
        )
        for reason in score.reasons
    ]


def score_components(score: CreditScore) -> list[ComponentRow]:
    return [
        ComponentRow(component_label(name), part["points"], part["max_points"])
        for name, part in score.components.items()
    ]


def score_history_chart(history: list[CreditScore]) -> LineChart | None:
    if len(history) < 2:  # a line needs two points
        return None
    count = len(history)
    points = [
        (
            index,
            row.score,
            f"{date_format(row.as_of, 'SHORT_DATE_FORMAT')}: {row.score} ({row.grade})",
        )
        for index, row in enumerate(history)
    ]
    return line_chart(
        [(_("Score"), "score", points)],
        title=_("Score history, last %(count)d scores") % {"count": count},
        x_range=(0, count - 1),
        y_range=(0, 1000),
        x_ticks=[
            (0, date_format(history[0].as_of, "SHORT_DATE_FORMAT")),
            (count - 1, date_format(history[-1].as_of, "SHORT_DATE_FORMAT")),
        ],
        y_ticks=[(value, str(value)) for value in (0, 250, 500, 750, 1000)],
        height=180,
        show_dots=True,
    )


def percent(value: float | str | Decimal | None) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)) * 100:.1f}%"


def default_rate_chart(backtest: CreditBacktest) -> BarChart:
    return bar_chart(
        [
            (
                row["grade"],
                Decimal(str(row["default_rate"] or 0)) * 100,
                _GRADE_CLASSES.get(row["grade"], ""),
            )
            for row in backtest.grades
        ],
        title=_("Observed default rate per grade, %"),
    )


def roc_chart(backtest: CreditBacktest) -> LineChart:
    axis = [(value / 4, f"{value * 25}%") for value in range(5)]
    return line_chart(
        [
            (_("Scorecard"), "score", [(x, y, "") for x, y in backtest.roc]),
            (_("Coin toss"), "diagonal", [(0, 0, ""), (1, 1, "")]),
        ],
        title=_("ROC: share of defaulters caught against share of good customers refused"),
        x_range=(0, 1), y_range=(0, 1), x_ticks=axis, y_ticks=axis,
    )  # fmt: skip


def ks_chart(backtest: CreditBacktest) -> LineChart:
    return line_chart(
        [
            (_("Defaulters"), "bad", [(s, bad, "") for s, bad, _good in backtest.ks_curve]),
            (_("Non-defaulters"), "good", [(s, good, "") for s, _bad, good in backtest.ks_curve]),
        ],
        title=_("Share of customers at or below each score"),
        x_range=(0, 1000), y_range=(0, 1),
        x_ticks=[(value, str(value)) for value in (0, 250, 500, 750, 1000)],
        y_ticks=[(value / 4, f"{value * 25}%") for value in range(5)],
    )  # fmt: skip
