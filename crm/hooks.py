"""Mixins whose subclasses must supply a method (Django's admin and import-export
metaclasses clash with ``abc.ABCMeta``, so the check runs when they are built)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured


def require_hook(instance: Any, name: str, signature: str) -> None:
    """Refuse to build ``instance`` when its class does not define ``name``."""
    if not callable(getattr(instance, name, None)):
        raise ImproperlyConfigured(f"{type(instance).__name__} must define {name}{signature}.")
