"""The demo launcher behind `make demo`.

Migrates the database, seeds demo data once, prints one login per role, then
runs the web server, the Celery worker and Celery beat together. Ctrl-C stops
all three; when one of them stops on its own, the others are stopped too.

Runs with the virtual environment's Python: `.venv/bin/python scripts/demo.py`.
Environment: DEMO_PORT (default 8000), DEMO_CUSTOMERS (default 300), DEMO_SEED
(default 42), plus every setting in .env.example.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
LOG_DIR = VAR / "log"
HOST = "127.0.0.1"
PORT = int(os.environ.get("DEMO_PORT", "8000"))
CUSTOMERS = os.environ.get("DEMO_CUSTOMERS", "300")
SEED = os.environ.get("DEMO_SEED", "42")
STOP_TIMEOUT_SECONDS = 15


class Process:
    """One long-running child in its own process group, so stopping it also
    stops its children (the worker's pool processes)."""

    def __init__(self, name: str, command: list[str], log_path: Path | None) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        if log_path is not None:
            self._log = log_path.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603 - fixed commands, no shell
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log else None,
            start_new_session=True,
        )

    def exit_code(self) -> int | None:
        return self.popen.poll()

    def terminate(self) -> None:
        """Ask the process to stop; it stops its own children (the worker's pool
        would hang in its warm shutdown if the pool processes got the signal too)."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, signal.SIGTERM)

    def kill(self) -> None:
        """Kill the process and every process it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()


def main() -> int:
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
    os.environ["PYTHONUNBUFFERED"] = "1"
    _check_port_free()
    for folder in (LOG_DIR, VAR / "celery" / "queue", VAR / "celery" / "processed", VAR / "mail"):
        folder.mkdir(parents=True, exist_ok=True)

    _step("Applying database migrations")
    _manage("migrate", "--noinput", "--verbosity", "1")
    _step(f"Seeding demo data ({CUSTOMERS} customers, seed {SEED}; skipped when customers exist)")
    _manage("seed_demo", "--customers", CUSTOMERS, "--seed", SEED, "--if-empty")
    # The nightly jobs, once now, so scores, tiers and KPIs are on the pages at once.
    _step("Scoring the customers (backtest, grades and probabilities of default)")
    _manage("credit_score", "--backtest")
    _step("Running the analytics pipeline (RFM, CLV, profitability, tiers)")
    _manage("analytics_run")
    _step("Taking the portfolio KPI snapshots of the last 13 weeks")
    today = datetime.date.today()  # noqa: DTZ011 - the local day the demo runs
    _manage(
        "kpi_snapshots_backfill",
        "--start", (today - datetime.timedelta(days=91)).isoformat(),
        "--end", today.isoformat(),
    )  # fmt: skip
    _step("Creating the demo logins")
    logins = _demo_logins()

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    processes = _start_all()
    if _wait_for_web(processes):
        _print_banner(logins)
    while not _stop_requested:
        for process in processes:
            code = process.exit_code()
            if code is not None:
                _say(
                    f"The {process.name} stopped on its own (exit code {code})"
                    + (f"; see {_relative(process.log_path)}" if process.log_path else "")
                    + ". Stopping the others."
                )
                _stop_all(processes)
                return 1
        time.sleep(0.5)
    _say("Stopping the web server, the worker and beat ...")
    _stop_all(processes)
    _say("Stopped.")
    return 0


_stop_requested = False


def _request_stop(signum: int, frame: FrameType | None) -> None:
    global _stop_requested
    _stop_requested = True


def _start_all() -> list[Process]:
    python = sys.executable
    worker_log = LOG_DIR / "worker.log"
    beat_log = LOG_DIR / "beat.log"
    _step(f"Starting the Celery worker (log: {_relative(worker_log)})")
    worker = Process(
        "Celery worker",
        [python, "-m", "celery", "-A", "crm", "worker", "--loglevel=info", "--concurrency=2"],
        worker_log,
    )
    _step(f"Starting Celery beat (log: {_relative(beat_log)})")
    beat = Process(
        "Celery beat",
        [
            python,
            "-m",
            "celery",
            "-A",
            "crm",
            "beat",
            "--loglevel=info",
            "--scheduler",
            "crm.beat:SeedOnceDatabaseScheduler",
        ],
        beat_log,
    )
    _step(f"Starting the web server on http://{HOST}:{PORT}/ (its log follows below)")
    web = Process(
        "web server",
        [python, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        None,
    )
    return [web, worker, beat]


def _stop_all(processes: list[Process]) -> None:
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes:
        try:
            process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"The {process.name} did not stop in {STOP_TIMEOUT_SECONDS} s; killing it.")
        process.kill()  # whatever it left behind in its process group
        process.popen.wait()
        process.close()


def _wait_for_web(processes: list[Process], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not _stop_requested:
        if any(process.exit_code() is not None for process in processes):
            return False
        try:
            with socket.create_connection((HOST, PORT), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _check_port_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex((HOST, PORT)) == 0:
            _fail(
                f"Port {PORT} on {HOST} is already in use (another `make demo` or server?). "
                f"Stop it, or pick another port: DEMO_PORT=8001 make demo"
            )


def _manage(*args: str) -> None:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=False)  # noqa: S603
    if result.returncode != 0:
        _fail(f"`python manage.py {' '.join(args)}` failed with exit code {result.returncode}.")


def _demo_logins() -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_users"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        return (
            "(no demo logins: `python manage.py demo_users` failed, see above; "
            "create an account with `.venv/bin/python manage.py createsuperuser`)"
        )
    return result.stdout.rstrip()


def _print_banner(logins: str) -> None:
    url = f"http://{HOST}:{PORT}"
    rule = "=" * 72
    lines = [
        "",
        rule,
        f"  The demo is running: {url}/",
        f"  Back office (admin): {url}/admin/",
        f"  REST API:            {url}/api/v1/   (Swagger UI: {url}/api/docs/)",
        f"  Health:              {url}/healthz/  (background_jobs turns ok about a minute",
        "                       after start, once beat has run the heartbeat on the worker)",
        f"  Logs: worker {_relative(LOG_DIR / 'worker.log')}, beat {_relative(LOG_DIR / 'beat.log')}",
        "",
        *("  " + line for line in logins.splitlines()),
        "",
        "  Press Ctrl-C to stop the web server, the worker and beat.",
        rule,
        "",
    ]
    print("\n".join(lines), flush=True)


def _relative(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)


def _say(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def _fail(message: str) -> None:
    print(f"make demo: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        _say("Interrupted.")
        sys.exit(130)
