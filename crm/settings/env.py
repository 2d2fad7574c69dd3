"""Reading settings from the environment with errors that name the variable."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

_env_file = BASE_DIR / ".env"
if _env_file.is_file():
    environ.Env.read_env(str(_env_file))

_MISSING = object()
# django-environ reads any other word as false; a typo must not switch a feature off.
_BOOLEAN_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0", "t", "f", "y", "n"}
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@]*):[^@]*@")


def _redacted(url: object) -> str:
    """``url`` with its password masked, fit for an error message or a log."""
    return _URL_PASSWORD.sub(r"\1:***@", str(url))


def read(name: str, cast: Callable[..., Any] | None = None, default: Any = _MISSING) -> Any:
    """Read ``name`` from the environment, converting it with ``env.<cast>``.

    A missing required variable or a value that cannot be converted stops
    start-up with a message that names the variable and says what is expected.
    """
    reader = cast or env.str
    if reader == env.bool and name in os.environ:
        word = os.environ[name].strip().lower()
        if word not in _BOOLEAN_WORDS:
            raise ImproperlyConfigured(
                f"Environment variable {name} has an invalid value {os.environ[name]!r}: "
                "use true or false."
            )
    try:
        if default is _MISSING:
            return reader(name)
        return reader(name, default=default)
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured(
            f"Environment variable {name} is required but not set. "
            f"Set it in the environment or in {_env_file} (see .env.example)."
        ) from error
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"Environment variable {name} has an invalid value: {error}. "
            "See .env.example for the expected format."
        ) from error


def read_database_url(name: str, default: str) -> dict[str, Any]:
    """Parse a database URL such as ``postgres://user@host:5432/db``."""
    raw = read(name, default=default)
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as error:
        raise ImproperlyConfigured(
            f"Environment variable {name}={_redacted(raw)!r} is not a database URL: {error}. "
            "Use e.g. postgres://user:password@127.0.0.1:5432/crm or sqlite:///var/db.sqlite3."
        ) from error
    engine = config.get("ENGINE", "")
    if engine not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured(
            f"Environment variable {name}={_redacted(raw)!r} names an unsupported database "
            f"({engine or 'unknown scheme'}). Use a postgres:// or sqlite:// URL."
        )
    return config


def read_url(name: str, default: str | None, schemes: tuple[str, ...]) -> str | None:
    """Read a service URL and check its scheme."""
    raw = read(name, default=default)
    if raw in (None, ""):
        return None
    scheme = str(raw).split("://", 1)[0] if "://" in str(raw) else ""
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"Environment variable {name}={_redacted(raw)!r} must be a URL starting with one of: "
            + ", ".join(f"{s}://" for s in schemes)
        )
    return str(raw)


def read_increasing_days(
    name: str, default: tuple[int, ...], max_count: int = 6
) -> tuple[int, ...]:
    """A comma-separated list of strictly increasing positive day counts, e.g. ``30,60,90``."""
    raw = env.str(name, default="")
    if not raw:
        return default
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError as error:
        raise ImproperlyConfigured(
            f"Environment variable {name}={raw!r} must be whole numbers of days separated by commas, e.g. 30,60,90,120."
        ) from error
    if values[0] < 1 or any(later <= earlier for earlier, later in itertools.pairwise(values)):
        raise ImproperlyConfigured(
            f"Environment variable {name}={raw!r} must be positive and strictly increasing, e.g. 30,60,90,120."
        )
    if len(values) > max_count:
        raise ImproperlyConfigured(
            f"Environment variable {name}={raw!r} has {len(values)} edges; at most {max_count} are supported."
        )
    return values
