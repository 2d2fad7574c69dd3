"""The admin plumbing every app's admin builds on (app-independent).

- ``writes``: saves through services, refusals shown on the form, post-only rows;
- ``lists``: row scoping, big tables, exact-key search, import/export rights, money;
- ``actions``: admin actions that call services, with intermediate form pages,
  and a registry through which an app adds actions to another app's admin.

It registers no model: the shared kernel has none.
"""

from crm.admin.actions import (
    AdminAction,
    Outcome,
    PerRowAction,
    RowActionsMixin,
    contribute_actions,
    contributed_actions,
)
from crm.admin.lists import (
    FILE_FORMATS,
    BigTableMixin,
    EstimatedCountPaginator,
    ExactKeySearchMixin,
    ImportExportPermissionsMixin,
    RowScopedMixin,
    money,
)
from crm.admin.writes import (
    AddThenViewMixin,
    PostOnlyMixin,
    ServiceInlineMixin,
    ServiceModelForm,
    ServiceRefused,
    ServiceWritesMixin,
    ViewOnlyMixin,
    add_refusal_errors,
)

__all__ = [
    "FILE_FORMATS",
    "AddThenViewMixin",
    "AdminAction",
    "BigTableMixin",
    "EstimatedCountPaginator",
    "ExactKeySearchMixin",
    "ImportExportPermissionsMixin",
    "Outcome",
    "PerRowAction",
    "PostOnlyMixin",
    "RowActionsMixin",
    "RowScopedMixin",
    "ServiceInlineMixin",
    "ServiceModelForm",
    "ServiceRefused",
    "ServiceWritesMixin",
    "ViewOnlyMixin",
    "add_refusal_errors",
    "contribute_actions",
    "contributed_actions",
    "money",
]
