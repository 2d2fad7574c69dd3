"""Real Celery worker processes for the Redis-marked tests.

A worker runs ``celery -A crm worker`` in its own process, on a queue of its
own, against the test's PostgreSQL database and the real Redis broker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this test writes to, for a worker process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_queue(prefix: str = "test") -> str:
    """A queue name no other test run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def worker_start(
    *,
    queue: str,
    broker_url: str,
    settings_module: str = "crm.settings.test",
    name: str | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen:
    """Start one solo-pool worker consuming ``queue``; ``env`` adds to its environment."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        **(env or {}),
    }
    node = ["-n", name] if name else []
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "-Q", queue,
         *node, "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def worker_stop(process: subprocess.Popen, *, timeout: float) -> str:
    """Warm shutdown (SIGTERM), killed if it takes longer than ``timeout``; its output."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


@contextmanager
def celery_worker(*, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """One worker with the test settings on a queue of its own, for the duration;
    yields the queue. Its output is printed afterwards (shown when the test fails)."""
    queue = worker_queue()
    process = worker_start(queue=queue, broker_url=settings.CELERY_BROKER_URL, env=env)
    try:
        yield queue
    finally:
        print(worker_stop(process, timeout=20))
