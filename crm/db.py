"""Small SQL helpers for the hot paths where the ORM's query building costs more than the query.

They keep the ORM's semantics: columns and conversions come from model
metadata and the fields' own converters, so a raw row yields the same
instance the ORM would build, and an insert stores what ``save()`` would.
Only table and column names from model metadata are ever interpolated.
"""

# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def select_columns(model: type[models.Model], alias: str) -> str:
    """``alias.col1, alias.col2, …`` of the model's concrete fields, in field order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def instance_from_row(model: type[M], values: Sequence) -> M:
    """A model instance from the values of :func:`select_columns`, converted as the ORM
    converts them (SQLite hands dates back as text and decimals as numbers)."""
    converted = []
    fields = model._meta.concrete_fields
    for field, value in zip(fields, values, strict=True):
        expression = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression)
        converters += field.get_db_converters(connection)
        for converter in converters:
            value = converter(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def insert_unless_exists(instance: models.Model, *, unique_fields: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (unique_fields) DO NOTHING; True when this call stored the row.

    One statement, so no savepoint is needed when another transaction stored
    the same row first (the caller then reads the stored one). Sets the
    instance's primary key when stored. Like ``QuerySet.bulk_create`` it sends
    no save signals; it stores the fields' Python-side defaults and
    ``pre_save`` values (``auto_now_add``), so it is not for models with
    database defaults or generated fields. On PostgreSQL a refused insert still
    uses up a sequence value (ids may have gaps).
    """
    meta = instance._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    if any(field.generated or field.has_db_default() for field in fields):
        raise TypeError(f"{meta.label} has database-side values; use the ORM to insert it.")
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique_fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        f" ON CONFLICT ({conflict}) DO NOTHING"
    )
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            row = cursor.fetchone()
            pk = None if row is None else row[0]
        else:
            # SQLite before 3.35 has no RETURNING: the row count says whether it was stored,
            # and the unique fields find its id.
            stored = cursor.rowcount == 1
            pk = None
    if not returning and stored:
        key = {name: getattr(instance, meta.get_field(name).attname) for name in unique_fields}
        pk = type(instance)._base_manager.filter(**key).values_list("pk", flat=True).get()
    if pk is None:
        return False
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
    return True
