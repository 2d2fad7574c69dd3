"""Demo portfolio generation (seed_demo) on PostgreSQL against a plain INSERT baseline.

Creates a throwaway database next to the one DATABASE_URL names (``<name>_bench``),
migrates it, times ``seed_demo`` for 100,000 customers (full) or 10,000 (small),
and, in the same database, times ``INSERT ... SELECT generate_series`` of as many
rows into a trivial table. Run it alone with ``python bench/bench_seed.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Figure, Result, Unavailable, print_result, save

CUSTOMERS = {"small": 10_000, "full": 100_000}
TARGET_SECONDS = {"small": 60, "full": 600}
SEED, AS_OF = 42, "2025-06-30"
TABLES = (
    "customers_customer",
    "customers_contact",
    "credit_creditprofile",
    "receivables_invoice",
    "receivables_payment",
    "receivables_allocation",
    "receivables_creditnote",
    "receivables_writeoff",
    "receivables_dispute",
)


def _database() -> dict:
    from crm.settings.env import read_database_url

    config = read_database_url("DATABASE_URL", default="sqlite:///var/db.sqlite3")
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise Unavailable(
            "this benchmark measures PostgreSQL; set DATABASE_URL=postgres://user@host:5432/crm "
            "(a throwaway database <name>_bench is created next to it and dropped afterwards)"
        )
    return config


def _url(config: dict, name: str) -> str:
    user = quote(config.get("USER") or "")
    password = f":{quote(config['PASSWORD'])}" if config.get("PASSWORD") else ""
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def _connect(config: dict, name: str):
    import psycopg

    return psycopg.connect(_url(config, name).replace("postgres://", "postgresql://", 1))


def _recreate(config: dict, name: str, *, drop_only: bool = False) -> None:
    with _connect(config, "postgres") as admin:
        admin.autocommit = True
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            admin.execute(f'CREATE DATABASE "{name}"')


def _manage(env: dict, *args: str, echo: bool = False) -> tuple[float, int, str]:
    """Run manage.py; returns (seconds, peak RSS in KB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if echo:
            print(f"    {line.rstrip()}", flush=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{''.join(lines)}")
    return seconds, usage.ru_maxrss, "".join(lines)


def _baseline(config: dict, name: str, rows: int) -> float:
    with _connect(config, name) as connection:
        connection.execute(
            "CREATE TABLE bench_baseline (id bigint PRIMARY KEY, customer_id bigint NOT NULL, "
            "amount numeric(18, 2) NOT NULL, day date NOT NULL, note text NOT NULL)"
        )
        connection.commit()
        started = time.perf_counter()
        connection.execute(
            "INSERT INTO bench_baseline SELECT g, g %% 100000, (g %% 1000000) / 100.0, "
            "DATE '2024-01-01' + (g %% 700)::int, 'row ' || g FROM generate_series(1, %s) g",
            [rows],
        )
        connection.commit()
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bench_baseline")
        connection.commit()
    return seconds


def _row_counts(config: dict, name: str) -> dict[str, int]:
    with _connect(config, name) as connection:
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in TABLES
        }


def run(*, scale: str = "small", keep_database: bool = False) -> Result:
    config = _database()
    name = os.environ.get("BENCH_DATABASE") or f"{config['NAME']}_bench"
    if name == config["NAME"]:
        raise Unavailable(
            f"BENCH_DATABASE names the database DATABASE_URL points at ({name}); the benchmark "
            "drops and recreates its database, so give it another name"
        )
    customers = CUSTOMERS[scale]
    env = {**os.environ, "DATABASE_URL": _url(config, name)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
    print(f"  fresh database {name}; migrating", flush=True)
    _recreate(config, name)
    try:
        _manage(env, "migrate", "--noinput", "-v", "0")
        print(f"  seed_demo --customers {customers:,} --seed {SEED} --as-of {AS_OF}", flush=True)
        seconds, peak_kb, output = _manage(
            env,
            "seed_demo",
            "--customers",
            str(customers),
            "--seed",
            str(SEED),
            "--as-of",
            AS_OF,
            echo=True,
        )
        counts = _row_counts(config, name)
        rows = sum(counts.values())
        internal = re.search(r"in ([\d.]+) s \(", output)
        print(f"  baseline: INSERT ... SELECT generate_series of {rows:,} rows", flush=True)
        baseline = _baseline(config, name, rows)
    finally:
        if not keep_database:
            _recreate(config, name, drop_only=True)
    target = TARGET_SECONDS[scale]
    return Result(
        name="seed",
        scale=scale,
        figures=[
            Figure(
                f"seed_demo, {customers:,} customers",
                seconds,
                "s",
                baseline=baseline,
                baseline_name=f"INSERT...SELECT of {rows:,} rows",
                target=f"<= {target} s",
            ),
            Figure("rows written per second", rows / seconds, "rows/s"),
            Figure("invoices", counts["receivables_invoice"], ""),
            Figure("peak RSS of seed_demo", peak_kb / 1024, "MB"),
        ],
        details={
            "database": name,
            "customers": customers,
            "seed": SEED,
            "as_of": AS_OF,
            "seconds_wall": seconds,
            "seconds_reported_by_command": float(internal.group(1)) if internal else None,
            "rows": rows,
            "rows_per_table": counts,
            "baseline_seconds": baseline,
            "peak_rss_kb": peak_kb,
            "target_seconds": target,
            "within_target": seconds <= target,
        },
    )


def main() -> int:
    scale = sys.argv[1] if len(sys.argv) > 1 else "small"
    try:
        result = run(scale=scale)
    except Unavailable as reason:
        print(f"seed: cannot run here: {reason}", file=sys.stderr)
        return 2
    print_result(result)
    print(f"  results: {save(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
