"""Run the benchmarks: ``.venv/bin/python bench/run.py [--scale small|full] [--only seed]``.

Runs every ``bench/bench_<name>.py`` module, prints each figure with its ratio
to a baseline measured in the same run, and writes bench/results/<name>.json.
Exits non-zero when a benchmark could not run or failed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SCALES, Unavailable, print_result, save

BENCH_DIR = Path(__file__).resolve().parent


def _modules() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    names = [module.removeprefix("bench_") for module in _modules()]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="small", help="default: small")
    parser.add_argument("--only", action="append", choices=names, help="run only these")
    parser.add_argument(
        "--keep-database", action="store_true", help="keep the throwaway benchmark databases"
    )
    args = parser.parse_args(argv)

    failures = 0
    for name in args.only or names:
        module = importlib.import_module(f"bench_{name}")
        started = time.perf_counter()
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        try:
            result = module.run(scale=args.scale, keep_database=args.keep_database)
        except Unavailable as reason:
            print(f"{name}: cannot run here: {reason}", file=sys.stderr)
            failures += 1
            continue
        except Exception:  # report and go on with the next benchmark
            traceback.print_exc()
            print(f"{name}: failed", file=sys.stderr)
            failures += 1
            continue
        print_result(result)
        print(f"  results: {save(result).relative_to(BENCH_DIR.parent)}")
        print(f"  ({time.perf_counter() - started:.0f} s in all)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
