"""Real infrastructure for the exactly-once tests: an SMTP server on localhost
(aiosmtpd) that counts what it accepted, and Celery worker processes consuming
from the real Redis broker against the test's PostgreSQL database."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.support.celery_worker import ROOT, worker_queue, worker_start, worker_stop


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Accepted:
    to: tuple[str, ...]
    message_id: str
    subject: str


@dataclass
class Recorder:
    """An aiosmtpd handler: accepts mail and records it; can be told to answer
    4xx to the next DATA commands, or to stall the next sessions at RCPT (a
    worker killed then has not finished the SMTP conversation)."""

    accepted: list[Accepted] = field(default_factory=list)
    refuse_next_data: int = 0
    stall_next_rcpt: int = 0
    stall_seconds: float = 30.0
    rcpt_seen: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpt_seen.set()
        with self.lock:
            stall = self.stall_next_rcpt > 0
            self.stall_next_rcpt -= 1 if stall else 0
        if stall:
            await asyncio.sleep(self.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            refuse = self.refuse_next_data > 0
            self.refuse_next_data -= 1 if refuse else 0
        if refuse:
            return "451 4.3.0 Temporary local problem, try again later"
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.accepted.append(
                Accepted(tuple(envelope.rcpt_tos), message["Message-ID"], message["Subject"])
            )
        return "250 2.0.0 Message accepted"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


class Workers:
    """Celery worker processes on a queue of their own."""

    def __init__(self, *, smtp_port: int, broker_url: str, extra_env: dict[str, str]) -> None:
        self.queue = worker_queue("test-dunning")
        self.smtp_port = smtp_port
        self.broker_url = broker_url
        self.extra_env = extra_env
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str = "w") -> subprocess.Popen:
        process = worker_start(
            queue=self.queue,
            broker_url=self.broker_url,
            settings_module="tests.receivables.dunning.worker_settings",
            name=f"{name}-{len(self.processes)}@%h",
            env={
                "TEST_CELERY_QUEUE": self.queue,
                "TEST_SMTP_PORT": str(self.smtp_port),
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
                ),
                **self.extra_env,
            },
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no cleanup."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> str:
        return "\n".join(worker_stop(process, timeout=30) for process in self.processes)


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
