"""A seeded demo portfolio on PostgreSQL that benchmarks share, and a way to
measure inside Django against it.

The portfolio database ``<name>_portfolio_<scale>`` (next to the one
DATABASE_URL names) is seeded once with seed_demo and reused by later runs
while its marker matches; ``migrate`` brings it up to date each time.
Measurements run in a child process whose DATABASE_URL points at it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Unavailable
from bench_seed import SEED, _connect, _database, _manage, _url

CUSTOMERS = {"small": 10_000, "full": 100_000}


def _marker(config: dict, name: str) -> dict | None:
    try:
        with _connect(config, name) as connection:
            row = connection.execute("SELECT document FROM bench_portfolio_marker").fetchone()
            return json.loads(row[0]) if row else None
    except Exception:
        return None


def portfolio_url(scale: str) -> str:
    """The URL of a migrated, seeded portfolio database for ``scale`` (created when missing)."""
    config = _database()
    name = f"{config['NAME']}_portfolio_{scale}"
    url = _url(config, name)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "crm.settings.local"}
    wanted = {"customers": CUSTOMERS[scale], "seed": SEED}
    marker = _marker(config, name)
    if marker and all(marker.get(key) == value for key, value in wanted.items()):
        print(f"  reusing portfolio database {name} (seeded as of {marker['as_of']})", flush=True)
        _manage(env, "migrate", "--noinput", "-v", "0")
        return url
    as_of = date.today().isoformat()  # noqa: DTZ011 - the portfolio is as of the day it is made
    print(
        f"  creating portfolio database {name}: {wanted['customers']:,} customers, as of {as_of}",
        flush=True,
    )
    with _connect(config, "postgres") as admin:
        admin.autocommit = True
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(
        env,
        "seed_demo",
        "--customers",
        str(wanted["customers"]),
        "--seed",
        str(SEED),
        "--as-of",
        as_of,
        echo=True,
    )
    with _connect(config, name) as connection:
        connection.execute("CREATE TABLE bench_portfolio_marker (document text NOT NULL)")
        connection.execute(
            "INSERT INTO bench_portfolio_marker VALUES (%s)",
            [json.dumps({**wanted, "as_of": as_of})],
        )
        connection.commit()
    return url


def measure_in_django(script: Path, url: str, **arguments: object) -> dict:
    """Run ``script --child '<json>'`` with DATABASE_URL=url; return the JSON it prints last."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "crm.settings.local",
        "DEBUG": "false",
    }
    env.pop("CELERY_BROKER_URL", None)
    completed = subprocess.run(
        [sys.executable, str(script), "--child", json.dumps(arguments)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode:
        raise RuntimeError(f"{script.name} child failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def child_setup() -> dict:
    """In the child: set up Django and return the arguments the parent passed."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    return json.loads(sys.argv[sys.argv.index("--child") + 1])


def timings(function: Callable[[], object], *, runs: int, warmup: int = 2) -> dict[str, float]:
    """Wall-clock seconds of ``runs`` calls after ``warmup``: p50, p95 and mean."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
        "mean": statistics.fmean(samples),
        "runs": runs,
    }


__all__ = ["Unavailable", "child_setup", "measure_in_django", "portfolio_url", "timings"]
