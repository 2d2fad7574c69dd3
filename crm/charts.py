"""Server-side SVG bar charts: no JavaScript, no external service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    x: int
    y: int
    width: int
    height: int
    css_class: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    baseline: int
    title: str


def bar_chart(
    items: list[tuple[str, Decimal, str]], *, title: str, width: int = 640, height: int = 220
) -> BarChart:
    """Lay out ``(label, value, css_class)`` bars; the tallest fills the plot height."""
    top, bottom = 20, 40
    plot_height = height - top - bottom
    largest = max((value for _label, value, _css in items), default=Decimal("0"))
    slot = width // max(len(items), 1)
    bar_width = max(int(slot * 0.6), 4)
    bars = []
    for index, (label, value, css_class) in enumerate(items):
        bar_height = int(plot_height * value / largest) if largest > 0 else 0
        x = index * slot + (slot - bar_width) // 2
        bars.append(
            Bar(label, value, x, top + plot_height - bar_height, bar_width, bar_height, css_class)
        )
    return BarChart(width=width, height=height, bars=bars, baseline=top + plot_height, title=title)
