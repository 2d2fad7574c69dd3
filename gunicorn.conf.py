"""gunicorn's settings for the web process, read by gunicorn from the working directory.

The number of sync workers comes from ``WEB_WORKERS`` (default 2): about one per
core when PostgreSQL runs on the same machine, two per core when it has its own
(docs/operations.md, "Scaling notes"). A bad value stops start-up with a message
naming the variable. Options given on the command line take precedence.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

WORKERS_MAX = 64


def workers_from_environment(environ: Mapping[str, str] = os.environ) -> int:
    """``WEB_WORKERS`` as a number of workers, or SystemExit saying what is wrong."""
    raw = environ.get("WEB_WORKERS", "2").strip()
    hint = (
        "about one per core when PostgreSQL runs on the same machine, two per core when it "
        "has its own (docs/operations.md)"
    )
    try:
        count = int(raw)
    except ValueError:
        raise SystemExit(
            f"WEB_WORKERS must be a whole number of web workers, got {raw!r}: {hint}."
        ) from None
    if not 1 <= count <= WORKERS_MAX:
        raise SystemExit(f"WEB_WORKERS must be between 1 and {WORKERS_MAX}, got {count}: {hint}.")
    return count


workers = workers_from_environment()
