"""Server-side SVG line charts for the score history and the backtest curves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    label: str
    css_class: str
    points: str  # "x,y x,y ..." in SVG coordinates
    dots: list[tuple[int, int, str]]  # x, y, tooltip


@dataclass(frozen=True)
class Tick:
    position: int
    label: str


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def line_chart(
    series: list[tuple[str, str, list[tuple[float, float, str]]]],
    *,
    title: str,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    x_ticks: list[tuple[float, str]],
    y_ticks: list[tuple[float, str]],
    width: int = 640,
    height: int = 240,
    show_dots: bool = False,
) -> LineChart:
    """Lay out ``(label, css_class, [(x, y, tooltip), ...])`` lines on fixed axes."""
    left, top, right, bottom = 44, 12, width - 36, height - 28
    x_low, x_high = x_range
    y_low, y_high = y_range

    def x_of(value: float) -> int:
        span = (x_high - x_low) or 1
        return round(left + (value - x_low) / span * (right - left))

    def y_of(value: float) -> int:
        span = (y_high - y_low) or 1
        return round(bottom - (value - y_low) / span * (bottom - top))

    lines = [
        Line(
            label=label,
            css_class=css_class,
            points=" ".join(f"{x_of(x)},{y_of(y)}" for x, y, _tip in points),
            dots=[(x_of(x), y_of(y), tip) for x, y, tip in points] if show_dots else [],
        )
        for label, css_class, points in series
    ]
    return LineChart(
        title=title, width=width, height=height, left=left, top=top, right=right,
        bottom=bottom, lines=lines,
        x_ticks=[Tick(x_of(value), label) for value, label in x_ticks],
        y_ticks=[Tick(y_of(value), label) for value, label in y_ticks],
    )  # fmt: skip
