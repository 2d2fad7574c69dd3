"""Dates as integer day numbers (days since 1970-01-01), so numpy can work on them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
# A day that never comes: events planned for it have not happened by the as-of date.
NEVER = 10**6


def day_number(value: date) -> int:
    return (value - EPOCH).days


def add_months(value: date, months: int) -> date:
    """``value`` moved by whole calendar months, clamped to the month's last day."""
    month_index = value.year * 12 + value.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(value.day, last_day))


def as_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers -> ``datetime64[D]``."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def as_days(dates: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` -> day numbers."""
    return dates.astype("datetime64[D]").astype(np.int64)


def years_of(days: np.ndarray) -> np.ndarray:
    return as_dates(days).astype("datetime64[Y]").astype(np.int64) + 1970


def next_business_day(days: np.ndarray) -> np.ndarray:
    """Each day, or the next Monday-to-Friday day when it falls on a weekend."""
    return as_days(np.busday_offset(as_dates(days), 0, roll="forward"))


def next_payment_run(days: np.ndarray, *, run_day: int = 25) -> np.ndarray:
    """The next monthly payment run (``run_day`` of the month) on or after each day,
    moved to a business day."""
    dates = as_dates(days)
    month = dates.astype("datetime64[M]")
    this_run = month.astype("datetime64[D]") + (run_day - 1)
    next_run = (month + 1).astype("datetime64[D]") + (run_day - 1)
    return next_business_day(as_days(np.where(dates <= this_run, this_run, next_run)))


@dataclass(frozen=True)
class Timeline:
    """The invoicing window: ``months`` periods ending the day before ``as_of``.

    ``edges[k]`` .. ``edges[k + 1]`` (exclusive) is period k; the last edge is
    the as-of day. Events dated on or after the as-of day have not happened yet.
    """

    as_of: date
    months: int
    edges: np.ndarray  # day numbers, len months + 1
    calendar_months: np.ndarray  # 1..12, the calendar month each period starts in

    @classmethod
    def build(cls, *, as_of: date, months: int) -> Timeline:
        starts = [add_months(as_of, -months + k) for k in range(months)]
        edges = np.array([day_number(d) for d in starts] + [day_number(as_of)], dtype=np.int64)
        return cls(
            as_of=as_of,
            months=months,
            edges=edges,
            calendar_months=np.array([d.month for d in starts], dtype=np.int64),
        )

    @property
    def today(self) -> int:
        """The as-of day number."""
        return int(self.edges[-1])

    @property
    def start(self) -> int:
        return int(self.edges[0])
