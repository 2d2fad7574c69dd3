"""Posting admin actions the way the admin's pages do, and reading the messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.messages import get_messages
from django.urls import reverse


def changelist(model_name: str, app_label: str = "receivables") -> str:
    return reverse(f"admin:{app_label}_{model_name}_changelist")


def start_action(client, url: str, action: str, rows: Iterable[Any], **extra: str):
    """Choose ``action`` for ``rows`` in the list's action menu and press "Go"."""
    data = {"action": action, "index": "0", "_selected_action": [str(row.pk) for row in rows]}
    return client.post(url, {**data, **extra})


def apply_action(client, url: str, action: str, rows: Iterable[Any], **fields: str):
    """Submit an action's intermediate form (what its "Apply" button posts)."""
    data = {"action": action, "_apply": "1", "_selected_action": [str(row.pk) for row in rows]}
    return client.post(url, {**data, **fields})


def messages_of(response) -> list[tuple[str, str]]:
    """``[(level tag, text)]`` of the messages a response left for the next page."""
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def offered_actions(client, url: str) -> set[str]:
    """The action names the list offers the client's user."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context.get("action_form")
    if form is None:
        return set()
    return {name for name, _label in form.fields["action"].choices if name}
