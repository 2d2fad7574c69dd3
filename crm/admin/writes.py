"""Admin writes that go through services, and ledger rows that are posted, not edited.

- ``ServiceWritesMixin``: ``save_model`` calls the service; when it refuses, the
  form is shown again with the service's message on the field it names, and
  nothing is written.
- ``PostOnlyMixin`` / ``ViewOnlyMixin`` / ``AddThenViewMixin``: rows that are
  added through a service (or elsewhere) and from then on only viewed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from crm.exceptions import ApplicationError
from crm.hooks import require_hook
from crm.imports import adopt, error_messages, flat_messages

_REFUSAL = "_service_refusal"


class ServiceModelForm(forms.ModelForm):
    """Parses the input only: the service it feeds is the one place that validates
    (so the user reads the service's message, not a raw constraint name).

    ``optional_fields`` maps fields the service defaults when blank to a hint.
    """

    optional_fields: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, hint in self.optional_fields.items():
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = hint

    def _get_validation_exclusions(self) -> set[str]:
        return {field.name for field in self._meta.model._meta.fields}


class ServiceRefused(Exception):
    """A service refused what the form (``prefix``: which form of the page) asked for."""

    def __init__(self, prefix: str | None, error: ApplicationError | ValidationError):
        super().__init__(str(error))
        self.prefix = prefix
        self.error = error


def add_refusal_errors(form: forms.BaseForm, error: ApplicationError | ValidationError) -> None:
    """Attach a service's refusal to a bound form: on the field it names when the
    form has that field (and no error there yet), else on the form as a whole."""
    for name, texts in error_messages(error).items():
        on_field = name in form.fields and name not in form.errors
        for text in texts:
            if on_field:
                form.add_error(name, text)
            else:
                prefix = "" if name in (NON_FIELD_ERRORS, *form.fields) else f"{name}: "
                form.add_error(None, f"{prefix}{text}")


def _showing_refusal(form_class: type[forms.BaseForm], refusal: ServiceRefused) -> type:
    class RefusedForm(form_class):  # type: ignore[valid-type, misc]
        def clean(self) -> dict[str, Any]:
            cleaned = super().clean()
            if self.prefix == refusal.prefix:
                add_refusal_errors(self, refusal.error)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class ServiceWritesMixin:
    """For a ModelAdmin whose saves go through a service (``save_through_service``).

    The service runs in ``save_model`` inside the admin's transaction. If it (or
    an inline's service) refuses, the transaction rolls back and the page is
    rendered again from the same POST, with the refusal attached to the form
    that caused it: status 200, the user's input kept, nothing written.
    """

    form = ServiceModelForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self).save_model is ServiceWritesMixin.save_model:  # not saved its own way
            require_hook(
                self,
                "save_through_service",
                "(request, obj, form, change) -> the saved object, calling the model's service",
            )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refusal:
            if getattr(request, _REFUSAL, None) is not None:
                # Shown once already and refused again: say so rather than loop.
                self.message_user(request, "; ".join(flat_messages(refusal.error)), messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            setattr(request, _REFUSAL, refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        return _showing_refusal(form_class, refusal) if refusal else form_class

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        try:
            saved = self.save_through_service(request, obj, form, change)
        except (ApplicationError, ValidationError) as error:
            raise ServiceRefused(form.prefix, error) from error
        adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        # The service saved the many-to-many fields too; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ServiceInlineMixin:
    """For an inline whose rows the parent admin saves through a service."""

    form = ServiceModelForm

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset_class = super().get_formset(request, obj, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        if refusal:
            formset_class.form = _showing_refusal(formset_class.form, refusal)
        return formset_class


class PostOnlyMixin:
    """Rows are added (through a service), then only viewed: never changed or deleted."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ViewOnlyMixin(PostOnlyMixin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


class AddThenViewMixin(PostOnlyMixin):
    """The add form shows ``add_fields``; a posted row shows everything read-only."""

    add_fields: tuple[str, ...] = ()
    view_fields: tuple[str, ...] = ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return self.add_fields if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return () if obj is None else self.view_fields

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list:
        return [] if obj is None else super().get_inline_instances(request, obj)
