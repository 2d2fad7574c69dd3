"""Admin actions that call services, with an intermediate form page when they need input.

An ``AdminAction`` is one operation offered in a changelist's action menu and,
with ``on_change_page``, as a button on a row's page (the button posts the same
action for that one row). It is offered only to users who may run it: the model
permission of the operation (``permission``) and any rule of the service's own
(``is_allowed``); the service checks again when it runs.

``PerRowAction`` runs its service once per selected row, each in a transaction
of its own, and reports every row: what was done, or the refusal naming the row.
Nothing is half-written: a refused row rolls back alone. When an action runs on
exactly one row and has a form, a refusal is shown on the form's field instead.

Another app can add actions to a model's admin without the admin's app
importing it: ``contribute_actions(Customer, ...)`` in the contributing app's
admin module; ``RowActionsMixin`` offers them (it reads the registry per request).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, NamedTuple

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from crm.admin.writes import add_refusal_errors
from crm.exceptions import ApplicationError
from crm.imports import flat_messages

APPLY = "_apply"  # set by the intermediate page: the form was filled in
ORIGIN = "_origin"  # "change": the action was started from a row's page
ACTION_FORM_TEMPLATE = "admin/crm/action_form.html"
CHANGE_FORM_TEMPLATE = "admin/crm/change_form.html"
_SHOWN_ROWS = 20  # rows named on an intermediate page
_SHOWN_MESSAGES = 10  # per-row messages shown after an action


class AdminAction(ABC):
    """One operation on the selected rows of a changelist (see the module docstring).

    Subclasses set the attributes and implement ``perform``.
    """

    name = ""  # unique within the admin; the value posted as ``action``
    description: Any = ""  # the label in the action menu
    button_label: Any = ""  # the label of the button on a row's page (default: description)
    permission = ""  # "app_label.codename" the user must hold
    form_class: type[forms.Form] | None = None  # the intermediate page's form, if any
    title: Any = ""  # the intermediate page's title (default: the description)
    submit_label: Any = _("Apply")
    single_row = False  # works on exactly one row
    max_rows: int | None = 500  # at most this many rows at once (None: no limit)
    on_change_page = False  # also a button on a row's page
    do_not_call_in_templates = True  # the template reads its name and labels

    def is_allowed(self, request: HttpRequest) -> bool:
        """The model permission of the operation; extend for a service's own rule."""
        return bool(self.permission) and request.user.has_perm(self.permission)

    def label(self, row: Model) -> str:
        """The row as messages name it, mid-sentence ("invoice INV-1")."""
        return f"{row._meta.verbose_name} {row}"

    def offered_for(self, row: Model) -> bool:
        """Whether the row's page shows the button (e.g. not "Void" on a void invoice).
        Only a hint: the service decides, and the menu offers the action for any row."""
        return True

    def initial(self, rows: Sequence[Model]) -> dict[str, Any]:
        return {}

    @abstractmethod
    def perform(
        self, modeladmin: Any, request: HttpRequest, rows: list[Model], form: forms.Form | None
    ) -> HttpResponseBase | None:
        """Do the action on the rows (the form is bound and valid when there is one)."""

    # --- what Django calls -----------------------------------------------------

    def __call__(
        self, modeladmin: Any, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponseBase | None:
        if not self.is_allowed(request):
            raise PermissionDenied
        rows = self.selected_rows(modeladmin, request, queryset)
        if rows is None:
            return None  # the admin redirects back to the list, showing why
        if self.form_class is None:
            return self.perform(modeladmin, request, rows, None)
        data = request.POST if APPLY in request.POST else None
        form = self.form_class(data, initial=self.initial(rows))
        if form.is_bound and form.is_valid():
            return self.perform(modeladmin, request, rows, form)
        return self.render_form(modeladmin, request, rows, form)

    def selected_rows(
        self, modeladmin: Any, request: HttpRequest, queryset: QuerySet
    ) -> list[Model] | None:
        """The selected rows the user may see, or None (with a message) when the
        selection does not fit the action."""
        opts = modeladmin.model._meta
        limit = 1 if self.single_row else self.max_rows
        rows = list(queryset[: limit + 1]) if limit else list(queryset)
        if not rows:
            text = _t("None of the selected %(names)s is one you may see; nothing was changed.")
            modeladmin.message_user(
                request, text % {"names": opts.verbose_name_plural}, messages.WARNING
            )
            return None
        if self.single_row and len(rows) > 1:
            text = _t("“%(action)s” works on one %(name)s at a time; select exactly one.")
            values = {"action": self.description, "name": opts.verbose_name}
            modeladmin.message_user(request, text % values, messages.ERROR)
            return None
        if limit and len(rows) > limit:
            text = _t(
                "“%(action)s” works on at most %(limit)d %(names)s at a time; "
                "select fewer (filter the list first). Nothing was changed."
            )
            values = {"action": self.description, "limit": limit, "names": opts.verbose_name_plural}
            modeladmin.message_user(request, text % values, messages.ERROR)
            return None
        return rows

    def render_form(
        self, modeladmin: Any, request: HttpRequest, rows: list[Model], form: forms.Form
    ) -> TemplateResponse:
        opts = modeladmin.model._meta
        first = next(iter(form.fields.values()), None)
        if first is not None:
            first.widget.attrs.setdefault("autofocus", True)
        origin = request.POST.get(ORIGIN, "")
        context = {
            **modeladmin.admin_site.each_context(request),
            "opts": opts,
            "title": self.title or self.description,
            "form": form,
            "row_labels": [self.label(row) for row in rows[:_SHOWN_ROWS]],
            "more_rows": max(len(rows) - _SHOWN_ROWS, 0),
            "selected": [row.pk for row in rows],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": self.name,
            "apply_name": APPLY,
            "origin_name": ORIGIN,
            "origin": origin if origin == "change" else "",
            "submit_label": self.submit_label,
            "cancel_url": self._back_url(modeladmin, request, rows),
            "media": modeladmin.media + form.media,
        }
        request.current_app = modeladmin.admin_site.name
        return TemplateResponse(request, ACTION_FORM_TEMPLATE, context)

    def back(
        self, modeladmin: Any, request: HttpRequest, rows: list[Model]
    ) -> HttpResponseRedirect | None:
        """Back to the row's page when started there; else None: back to the list."""
        if request.POST.get(ORIGIN) == "change" and len(rows) == 1:
            return HttpResponseRedirect(self._back_url(modeladmin, request, rows))
        return None

    @staticmethod
    def _back_url(modeladmin: Any, request: HttpRequest, rows: list[Model]) -> str:
        opts = modeladmin.model._meta
        site = modeladmin.admin_site.name
        if request.POST.get(ORIGIN) == "change" and len(rows) == 1:
            return reverse(admin_urlname(opts, "change"), args=[rows[0].pk], current_app=site)
        return request.get_full_path()


class PerRowAction(AdminAction):
    """Runs ``run`` for each selected row, one transaction per row (see module docstring)."""

    failed: Any = _("was not changed")  # "<row> was not changed: <the service's reason>"

    @abstractmethod
    def run(self, request: HttpRequest, row: Model, data: dict[str, Any]) -> str | Outcome:
        """Call the service for one row; return what was done (a message naming the
        row; an ``Outcome`` for another level than success). Raise the service's
        ``ApplicationError``/``ValidationError`` to refuse."""

    def perform(
        self, modeladmin: Any, request: HttpRequest, rows: list[Model], form: forms.Form | None
    ) -> HttpResponseBase | None:
        data = form.cleaned_data if form is not None else {}
        done: list[str | Outcome] = []
        refused: list[tuple[Model, ApplicationError | ValidationError | None]] = []
        for row in rows:
            try:
                with transaction.atomic():
                    done.append(self.run(request, row, data))
            except (ApplicationError, ValidationError) as error:
                refused.append((row, error))
            except IntegrityError:
                refused.append((row, None))  # a concurrent write got there first
        if form is not None and self.single_row and refused and refused[0][1] is not None:
            row, error = refused[0]
            add_refusal_errors(form, error)
            modeladmin.message_user(request, self.refusal(row, error), messages.ERROR)
            return self.render_form(modeladmin, request, rows, form)
        for level in (messages.SUCCESS, messages.INFO, messages.WARNING):
            texts = [_text(outcome) for outcome in done if _level(outcome) == level]
            _report(modeladmin, request, texts, level)
        _report(modeladmin, request, [self.refusal(r, e) for r, e in refused], messages.ERROR)
        return self.back(modeladmin, request, rows)

    def refusal(self, row: Model, error: ApplicationError | ValidationError | None) -> str:
        reason = (
            " ".join(flat_messages(error))
            if error is not None
            else _t("another change to it was saved at the same time; reload and try again.")
        )
        return f"{capfirst(self.label(row))} {self.failed}: {reason}"


class Outcome(NamedTuple):
    """What ``PerRowAction.run`` did to a row, at a message level other than success."""

    level: int
    text: str


def _level(outcome: str | Outcome) -> int:
    return outcome.level if isinstance(outcome, Outcome) else messages.SUCCESS


def _text(outcome: str | Outcome) -> str:
    return outcome.text if isinstance(outcome, Outcome) else outcome


def _report(modeladmin: Any, request: HttpRequest, texts: list[str], level: int) -> None:
    for text in texts[:_SHOWN_MESSAGES]:
        modeladmin.message_user(request, text, level)
    if len(texts) > _SHOWN_MESSAGES:
        more = _t("… and %(count)d more like it.") % {"count": len(texts) - _SHOWN_MESSAGES}
        modeladmin.message_user(request, more, level)


# --- actions contributed by other apps ----------------------------------------

_contributed: dict[str, list[AdminAction]] = {}


def contribute_actions(model: type[Model], *actions: AdminAction) -> None:
    """Offer ``actions`` in ``model``'s admin from another app (which may depend
    on the model's app, never the other way round). Idempotent by action name."""
    registered = _contributed.setdefault(model._meta.label_lower, [])
    names = {action.name for action in registered}
    registered.extend(action for action in actions if action.name not in names)


def contributed_actions(model: type[Model]) -> list[AdminAction]:
    return list(_contributed.get(model._meta.label_lower, ()))


class RowActionsMixin:
    """A ModelAdmin offering ``row_actions`` and the actions other apps contributed.

    Each action is in the action menu for users it ``is_allowed`` for; actions
    with ``on_change_page`` are also buttons on a row's page.
    """

    row_actions: tuple[AdminAction, ...] = ()
    change_form_template = CHANGE_FORM_TEMPLATE

    def all_row_actions(self) -> list[AdminAction]:
        return [*self.row_actions, *contributed_actions(self.model)]

    def get_actions(self, request: HttpRequest) -> dict[str, tuple]:
        actions = super().get_actions(request)
        if IS_POPUP_VAR in request.GET:
            return actions
        for action in self.all_row_actions():
            if action.is_allowed(request):
                actions[action.name] = (action, action.name, action.description)
        return actions

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponseBase:
        allowed = [
            action
            for action in self.all_row_actions()
            if action.on_change_page and action.is_allowed(request)
        ]
        row = self.get_object(request, unquote(object_id)) if allowed else None
        buttons = [action for action in allowed if row is not None and action.offered_for(row)]
        context = {
            **(extra_context or {}),
            "row_actions": buttons,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "origin_name": ORIGIN,
        }
        return super().change_view(request, object_id, form_url, context)
