"""The web server's worker count from WEB_WORKERS, and the message a bad value gets."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def _workers(monkeypatch, value: str | None) -> int:
    if value is None:
        monkeypatch.delenv("WEB_WORKERS", raising=False)
    else:
        monkeypatch.setenv("WEB_WORKERS", value)
    return runpy.run_path(str(CONF))["workers"]


def test_two_workers_by_default(monkeypatch):
    assert _workers(monkeypatch, None) == 2


def test_the_variable_sets_the_workers(monkeypatch):
    assert _workers(monkeypatch, " 4 ") == 4


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "WEB_WORKERS must be a whole number of web workers, got 'abc'"),
        ("2.5", "WEB_WORKERS must be a whole number of web workers, got '2.5'"),
        ("0", "WEB_WORKERS must be between 1 and 64, got 0"),
        ("-3", "WEB_WORKERS must be between 1 and 64, got -3"),
        ("500", "WEB_WORKERS must be between 1 and 64, got 500"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(monkeypatch, value, message):
    with pytest.raises(SystemExit) as stopped:
        _workers(monkeypatch, value)
    assert message in str(stopped.value)
    assert "docs/operations.md" in str(stopped.value)
