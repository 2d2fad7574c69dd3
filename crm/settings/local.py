"""Development profile: the zero-setup default (SQLite, file broker, emails as files)."""

import os
import secrets

from crm.settings.env import BASE_DIR

_key_file = BASE_DIR / "var" / "secret_key"
if not os.environ.get("SECRET_KEY"):
    # Generated once per checkout so sessions survive restarts; never used in production.
    _key_file.parent.mkdir(parents=True, exist_ok=True)
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
    os.environ["SECRET_KEY"] = _key_file.read_text().strip()
os.environ.setdefault("DEBUG", "true")

from crm.settings.base import *  # noqa: E402, F403
