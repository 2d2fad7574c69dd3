"""Redis down for a test: the Celery app publishes to a closed local port, so a
publish fails the way it does when Redis is down (connection refused), with the
timeouts of the settings. ``broker_down`` is a fixture (tests/conftest.py registers
this module as a plugin); ``broker_back`` makes the broker answer again (tasks then run in-process).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from crm.celery import app as celery_app


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is


def _use_broker(url: str, *, eager: bool, transport_options: dict) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.broker_write_url = url
    celery_app.conf.broker_transport_options = transport_options
    celery_app.conf.task_always_eager = eager
    celery_app._pool = None  # connections are made afresh for the new URL
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings) -> Iterator[None]:
    settings.CRM_DUNNING_ATTACH_STATEMENT = False
    before = (
        celery_app.conf.broker_url,
        celery_app.conf.task_always_eager,
        dict(celery_app.conf.broker_transport_options or {}),
    )
    _use_broker(
        f"redis://127.0.0.1:{_closed_port()}/2",
        eager=False,
        transport_options=settings.CRM_REDIS_BROKER_TRANSPORT_OPTIONS,
    )
    yield
    url, eager, options = before
    _use_broker(url, eager=eager, transport_options=options)


def broker_back() -> None:
    """The broker answers again (tests run its tasks in-process)."""
    celery_app.conf.task_always_eager = True
