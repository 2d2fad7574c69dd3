"""What every benchmark module shares: figures, results files, printing.

A benchmark module is ``bench/bench_<name>.py`` with a ``run(*, scale, keep_database)``
function returning a ``Result``; it raises ``Unavailable`` when it cannot run here.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SCALES = ("small", "full")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class Unavailable(Exception):
    """The benchmark cannot run in this environment; the message says what is missing."""


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None  # measured in the same run
    baseline_name: str = ""
    target: str = ""  # printed, not asserted

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


def median_sample(samples: list[dict], key: str) -> dict:
    """The sample whose ``key`` is the median of the series (the middle one of an odd count,
    the upper middle of an even count): a whole measurement, not a mix of several."""
    ordered = sorted(samples, key=lambda sample: sample[key])
    return ordered[len(ordered) // 2]


@dataclass
class Result:
    name: str
    scale: str
    figures: list[Figure]
    details: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # printed under the figures


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def save(result: Result) -> Path:
    """Write ``bench/results/<name>.json`` (git-ignored)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{result.name}.json"
    document = {
        "name": result.name,
        "scale": result.scale,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "figures": [{**asdict(f), "ratio": f.ratio} for f in result.figures],
        "details": result.details,
        "notes": result.notes,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:,.1f} s"
    if value >= 100:
        return f"{value:,.0f} {unit}".rstrip()
    return f"{value:,.2f} {unit}".rstrip()


def print_result(result: Result) -> None:
    print(f"\n{result.name} ({result.scale})")
    for figure in result.figures:
        line = f"  {figure.name:<44}{_number(figure.value, figure.unit):>16}"
        if figure.ratio is not None:
            line += (
                f"   baseline {_number(figure.baseline, figure.unit)} "
                f"({figure.baseline_name}), ratio {figure.ratio:,.1f}x"
            )
        if figure.target:
            line += f"   target {figure.target}"
        print(line)
    for note in result.notes:
        print(f"  {note}")
