"""The app-independent admin and import plumbing in ``crm.admin`` and ``crm.imports``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError
from django.test import RequestFactory

from crm.admin import PerRowAction, RowScopedMixin, contribute_actions, contributed_actions, money
from crm.admin import actions as admin_actions
from crm.exceptions import Conflict, ValidationFailed
from crm.imports import error_messages, flat_messages
from tests.factories.accounts import UserFactory


class _Recorder:
    """Stands in for a ModelAdmin: records the messages an action leaves."""

    model = get_user_model()

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []

    def message_user(self, request, text, level=messages.INFO) -> None:
        self.messages.append((level, str(text)))


class _Touch(PerRowAction):
    name = "touch"
    description = "Touch"
    failed = "was not touched"

    def run(self, request, row, data):
        if row.username == "refused":
            raise Conflict("It is locked.")
        if row.username == "raced":
            raise IntegrityError("duplicate key")
        return f"Touched {row.username}."


def test_error_messages_puts_a_one_field_refusal_on_that_field():
    # given
    one_field = ValidationFailed.for_field("amount", "Too much.")
    no_field = Conflict("Already void.")
    django_error = ValidationError({"reason": ["Required."]})

    # then
    assert error_messages(one_field) == {"amount": ["Too much."]}
    assert error_messages(no_field) == {"__all__": ["Already void."]}
    assert error_messages(django_error) == {"reason": ["Required."]}
    assert flat_messages(no_field) == ["Already void."]


def test_money_rounds_to_the_currency_and_groups_thousands():
    assert money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert money(Decimal("1234.5"), "JPY") == "1,234 JPY"
    assert money(None, "EUR") == ""


def test_a_scoped_admin_without_a_scope_is_a_configuration_error():
    # given
    class Unscoped(RowScopedMixin, admin.ModelAdmin):
        pass

    model_admin = Unscoped(get_user_model(), admin.site)

    # when / then
    with pytest.raises(ImproperlyConfigured, match="Unscoped needs a scope_q"):
        model_admin.get_queryset(RequestFactory().get("/"))


def test_contributed_actions_are_registered_once_by_name(monkeypatch):
    # given
    monkeypatch.setattr(admin_actions, "_contributed", {})
    model = get_user_model()

    # when
    contribute_actions(model, _Touch())
    contribute_actions(model, _Touch())

    # then
    assert [action.name for action in contributed_actions(model)] == ["touch"]


@pytest.mark.django_db
def test_a_per_row_action_reports_each_row_and_never_raises():
    # given
    rows = [UserFactory(username=name) for name in ("fine", "refused", "raced")]
    recorder = _Recorder()
    request = RequestFactory().post("/")

    # when
    response = _Touch().perform(recorder, request, rows, None)

    # then
    assert response is None
    assert recorder.messages == [
        (messages.SUCCESS, "Touched fine."),
        (messages.ERROR, "User refused was not touched: It is locked."),
        (
            messages.ERROR,
            "User raced was not touched: another change to it was saved at the same time; "
            "reload and try again.",
        ),
    ]
