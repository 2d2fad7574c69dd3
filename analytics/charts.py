"""A server-side SVG line chart for KPI trends (bars come from crm.charts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Line:
    name: str
    css_class: str
    points: str  # SVG polyline "x,y x,y ..."; days without a figure break nothing, they are skipped
    last_value: Decimal | None


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    baseline: int
    top: int
    lines: list[Line]
    low: Decimal
    high: Decimal
    first_label: str
    last_label: str


def line_chart(
    series: list[tuple[str, str, list[Decimal | None]]],
    *,
    labels: list[str],
    title: str,
    width: int = 640,
    height: int = 200,
) -> LineChart:
    """Lay out ``(name, css_class, values)`` lines over ``labels`` on one shared scale."""
    top, bottom, left = 16, 28, 8
    plot_height = height - top - bottom
    values = [value for _name, _css, points in series for value in points if value is not None]
    low = min([*values, Decimal(0)])
    high = max(values, default=Decimal(0))
    span = (high - low) or Decimal(1)
    step = (width - 2 * left) / max(len(labels) - 1, 1)
    lines = []
    for name, css_class, points in series:
        coordinates = [
            f"{left + index * step:.1f},{top + plot_height - float((value - low) / span) * plot_height:.1f}"
            for index, value in enumerate(points)
            if value is not None
        ]
        last = next((value for value in reversed(points) if value is not None), None)
        lines.append(Line(name, css_class, " ".join(coordinates), last))
    return LineChart(
        title=title,
        width=width,
        height=height,
        baseline=top + plot_height,
        top=top,
        lines=lines,
        low=low,
        high=high,
        first_label=labels[0] if labels else "",
        last_label=labels[-1] if labels else "",
    )
