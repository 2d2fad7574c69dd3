"""What every import and export of the product shares (django-import-export).

A row is written by the same service the API and the admin use, so it is
checked by the same rules; a file is imported all or nothing; money stays
``Decimal`` in and out; dates are ISO (YYYY-MM-DD). App-independent: each app's
``resources.py`` builds its resources on this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, QuerySet
from import_export import resources, widgets
from import_export.results import Result

from crm.exceptions import ApplicationError
from crm.hooks import require_hook


def error_messages(error: ApplicationError | ValidationError) -> dict[str, list[str]]:
    """A service's refusal as ``{field: [messages]}``; ``"__all__"`` for the whole row.

    An ``ApplicationError`` about one field keeps its full message (it names the
    value, e.g. the duplicate number) on that field.
    """
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {name: list(messages) for name, messages in error.message_dict.items()}
        return {NON_FIELD_ERRORS: list(error.messages)}
    by_field = error.extra.get("fields") or {}
    if len(by_field) == 1:
        return {next(iter(by_field)): [error.message]}
    messages = {name: [str(text) for text in texts] for name, texts in by_field.items()}
    return {NON_FIELD_ERRORS: [error.message], **messages}


def flat_messages(error: ApplicationError | ValidationError) -> list[str]:
    """Every message of a refusal, in order, without the field names."""
    return [text for texts in error_messages(error).values() for text in texts]


def adopt(target: Model, saved: Model) -> Model:
    """Copy a row a service saved into the instance a form or resource holds."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db
    return target


def import_error_lines(result: Result) -> list[str]:
    """Every error of an import as one readable line naming the row and the column.

    Rows are counted like the admin's import page does: data row 1 is the
    first line after the header.
    """
    lines = [f"File: {error.error}" for error in result.base_errors]
    for number, errors in result.row_errors():
        lines.extend(f"Row {number}: {error.error}" for error in errors)
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            where = (
                f"Row {invalid.number}"
                if name == NON_FIELD_ERRORS
                else (f"Row {invalid.number}, column {name}")
            )
            lines.extend(f"{where}: {message}" for message in messages)
    return lines


class MoneyWidget(widgets.DecimalWidget):
    """Amounts as ``Decimal``: exported as "1000.00" whatever the locale, never a float."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        if self.is_empty(value):
            return None
        # A spreadsheet hands numeric cells over as int/float; str() keeps the digits shown.
        text = str(value).strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise ValueError(f"{text!r} is not an amount; write digits and a point, e.g. 1000.00.")
        return amount

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if self.coerce_to_string and not kwargs.get("force_native_type"):
            return "" if value is None else str(value)
        return value


class IsoDateWidget(widgets.DateWidget):
    """Dates as YYYY-MM-DD only: 03/04/2026 means different days in different countries."""

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):  # a spreadsheet date cell
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2026-09-01."
            ) from None


class ChoiceWidget(widgets.CharWidget):
    """One of a field's choice values (the code, e.g. ``europe``), or blank."""

    def __init__(self, choices: Sequence[tuple[str, Any]]) -> None:
        self.values = [value for value, _label in choices]
        super().__init__()

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = (super().clean(value, row, **kwargs) or "").strip()
        if text and text not in self.values:
            raise ValueError(f"{text!r} is not allowed; use one of: {', '.join(self.values)}.")
        return text


class TextWidget(widgets.CharWidget):
    """Text, trimmed; blank becomes ``None`` when ``blank_is_none`` (unique optional keys)."""

    def __init__(self, *, blank_is_none: bool = False) -> None:
        self.blank_is_none = blank_is_none
        super().__init__()

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        text = (super().clean(value, row, **kwargs) or "").strip()
        return None if self.blank_is_none and not text else text


class LookupWidget(widgets.ForeignKeyWidget):
    """A related row by a readable key; an unknown key is a row error that says so.

    ``scope(user=...)``, when given, limits the lookup to the rows the importing
    user may see (a row outside it reads as unknown, so nothing leaks).
    """

    def __init__(
        self,
        model: type[Model],
        field: str,
        *,
        label: str,
        hint: str,
        scope: Callable[..., QuerySet] | None = None,
    ) -> None:
        self.label = label
        self.hint = hint
        self.scope = scope
        super().__init__(model, field=field)

    def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> QuerySet:
        user = kwargs.get("user")
        if self.scope is not None and user is not None:
            return self.scope(user=user)
        return super().get_queryset(value, row, *args, **kwargs)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Model | None:
        key = "" if value is None else str(value).strip()
        if not key:
            return None
        try:
            return super().clean(key, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"There is no {self.label} {key!r}; {self.hint}") from None


class ServiceResource(resources.ModelResource):
    """A resource whose rows are written by a service, all or nothing.

    Subclasses implement ``save_through_service``. A service's refusal becomes a
    validation error of that row (shown per column), and any invalid row rolls
    back the whole file. ``required_fields`` must be filled on a new row.
    """

    required_fields: tuple[str, ...] = ()

    class Meta:
        use_transactions = True
        clean_model_instances = False  # the service is the one place that validates
        skip_unchanged = False

    def import_data(  # type: ignore[override]
        self,
        dataset: Any,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = True,
        **kwargs: Any,
    ) -> Result:
        # Always in a transaction (a dry run must not write), and any bad row
        # rolls back the whole file: a half-imported ledger is worse than none.
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )

    def validate_instance(
        self,
        instance: Model,
        import_validation_errors: dict | None = None,
        validate_unique: bool = True,
    ) -> None:
        errors = dict(import_validation_errors or {})
        if instance._state.adding:
            for name in self.required_fields:
                attname = instance._meta.get_field(name).attname
                if name not in errors and getattr(instance, attname) in (None, ""):
                    errors[name] = ValidationError(f"The {name} column is required.")
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: Model, is_create: bool, row: Any, **kwargs: Any) -> None:
        try:
            saved = self.save_through_service(
                instance, is_create=is_create, row=row, user=kwargs.get("user")
            )
        except (ApplicationError, ValidationError) as error:
            raise ValidationError(error_messages(error)) from error
        adopt(instance, saved)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        require_hook(
            self,
            "save_through_service",
            "(instance, *, is_create, row, user) -> the saved object, calling the service",
        )

    def after_import(self, dataset: Any, result: Result, **kwargs: Any) -> None:
        # ModelResource resets the table's id sequence to max(id) here, which can
        # move it backwards under concurrent inserts; ids are never imported.
        return None

    @staticmethod
    def present(instance: Model, row: Any, names: Sequence[str]) -> dict[str, Any]:
        """The values of ``names`` whose column is in the file (for an update)."""
        return {name: getattr(instance, name) for name in names if name in row}
