"""Rows for one table as typed columns of numpy arrays, and their text forms.

Money is held as integer minor units (cents) and written as exact decimal
text ("1234.50"); dates are day numbers written as ISO dates; timestamps are
a day number at 09:00 UTC, so that a portfolio is identical run after run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db import models

from demo.generator.timeline import as_dates


@dataclass(frozen=True)
class Column:
    kind: str  # "int", "text", "money", "date", "datetime", "bool"
    values: object  # array, or a scalar repeated on every row
    null: np.ndarray | None = None  # True where the value is NULL


def integer(values, null: np.ndarray | None = None) -> Column:
    return Column("int", values, null)


def text(values) -> Column:
    return Column("text", values)


def money(minor_units) -> Column:
    return Column("money", minor_units)


def date(days, null: np.ndarray | None = None) -> Column:
    return Column("date", days, null)


def timestamp(days, null: np.ndarray | None = None) -> Column:
    return Column("datetime", days, null)


def boolean(values) -> Column:
    return Column("bool", values)


NULL = Column("null", None)


@dataclass(frozen=True)
class Rows:
    """``count`` rows of ``model``; ``columns`` maps field attnames (``customer_id``)
    to columns. Nullable fields left out are written as NULL."""

    model: type[models.Model]
    count: int
    columns: dict[str, Column] = field(default_factory=dict)

    def sliced(self, start: int, stop: int) -> Rows:
        """Rows ``start`` to ``stop`` (exclusive)."""

        def part(column: Column) -> Column:
            values = np.asarray(column.values)
            return Column(
                column.kind,
                values if values.ndim == 0 else values[start:stop],
                None if column.null is None else column.null[start:stop],
            )

        stop = min(stop, self.count)
        return Rows(self.model, stop - start, {k: part(c) for k, c in self.columns.items()})

    def db_columns(self) -> list[tuple[str, models.Field, Column]]:
        """(column name, field, column) for every concrete field, in model order."""
        result = []
        given = dict(self.columns)
        for model_field in self.model._meta.concrete_fields:
            column = given.pop(model_field.attname, None)
            if column is None:
                if not model_field.null:
                    raise ValueError(
                        f"The demo generator has no value for {self.model.__name__}."
                        f"{model_field.attname}, which cannot be NULL; add it to "
                        "demo/generator/assemble.py."
                    )
                column = NULL
            result.append((model_field.column, model_field, column))
        if given:
            raise ValueError(f"{self.model.__name__} has no fields {sorted(given)}.")
        return result


_CENTS = np.array([f".{cents:02d}" for cents in range(100)])


def money_text(minor_units: np.ndarray) -> np.ndarray:
    """Exact decimal text of amounts in minor units (two decimal places)."""
    minor_units = np.asarray(minor_units, dtype=np.int64)
    if (minor_units < 0).any():
        raise ValueError("the demo generator only writes amounts of zero or more")
    return np.char.add((minor_units // 100).astype(str), _CENTS[minor_units % 100])


def date_text(days: np.ndarray, suffix: str = "") -> np.ndarray:
    """ISO dates (plus ``suffix``); formats each distinct day once."""
    distinct, position = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    return np.char.add(as_dates(distinct).astype(str), suffix)[position.reshape(-1)]


def text_values(column: Column, count: int, *, timestamp_suffix: str) -> np.ndarray:
    """The column as an array of strings (money, dates and timestamps as text),
    ints or bools; an object array with None where the column is NULL."""
    if column.kind == "null":
        return np.full(count, None, dtype=object)
    values = np.asarray(column.values)
    if values.ndim == 0:
        values = np.full(count, values)
    if column.kind == "money":
        values = money_text(values)
    elif column.kind == "date":
        values = date_text(values)
    elif column.kind == "datetime":
        values = date_text(values, timestamp_suffix)
    if column.null is not None and column.null.any():
        values = values.astype(object)
        values[column.null] = None
    return values


_CSV_SPECIAL = (",", '"', "\n", "\r")


def csv_values(column: Column, count: int, *, timestamp_suffix: str) -> list[str]:
    """The column as CSV fields for PostgreSQL's COPY: NULL is an empty unquoted
    field, booleans are t/f, text is quoted where it needs to be."""
    if column.kind == "null":
        return [""] * count
    if column.kind == "bool":
        values = np.where(np.broadcast_to(np.asarray(column.values), (count,)), "t", "f")
    else:
        values = text_values(column, count, timestamp_suffix=timestamp_suffix)
    if values.dtype == object:
        values = np.where(values == None, "", values).astype(str)  # noqa: E711
    elif values.dtype.kind != "U":
        values = values.astype(str)
    if column.kind == "text" and len(values):
        special = np.zeros(count, dtype=bool)
        for character in _CSV_SPECIAL:
            special |= np.char.find(values, character) >= 0
        if special.any():
            values = values.astype(object)
            values[special] = [
                '"' + value.replace('"', '""') + '"' for value in values[special].tolist()
            ]
    return values.tolist()
