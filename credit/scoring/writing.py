"""Turning a scored frame into stored rows, fast enough for the whole portfolio.

The components and reasons JSON of every customer is formatted from numpy
columns with per-component templates (no per-customer ORM objects), then
written with COPY on PostgreSQL; the latest-score table is upserted with one
INSERT ... SELECT. SQLite (tests, trying the product) goes through the ORM.
The latest score is the one with the latest as-of date (ties: the newest
computed), so a back-dated run adds history only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import numpy as np
from django.db import connection
from django.utils import timezone, translation

from credit.models import CreditScore, CreditScoreLatest
from credit.scoring.config import Scorecard
from credit.scoring.reasons import reason_templates, reason_text
from credit.scoring.scorecard import top_reasons
from credit.scoring.selectors import customer_ids_scored_after

BATCH_SIZE = 2000
CHUNK_SIZE = 5000


@dataclass(frozen=True)
class ScoreRows:
    customer_ids: list[int]
    scores: list[int]
    grades: list[str]
    probabilities: list[Decimal | None]
    components: list[str]  # JSON text
    reasons: list[str]  # JSON text


def _number(value: float) -> str:
    return "null" if value != value else repr(round(value, 4))  # NaN -> null


def _components_json(
    names: list[str], maxima: list[float], values: np.ndarray, points: np.ndarray
) -> list[str]:
    template = (
        "{"
        + ", ".join(
            f'"{name}": {{"value": %s, "points": %s, "max_points": {maxima[col]!r}}}'
            for col, name in enumerate(names)
        )
        + "}"
    )
    columns = []
    for col in range(len(names)):
        columns.append([_number(v) for v in values[:, col].tolist()])
        columns.append([repr(p) for p in points[:, col].tolist()])
    return [template % row for row in zip(*columns, strict=True)]


def _json_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _reason_pieces(name: str, values: list[float], lost: list[float], templates: dict) -> list[str]:
    """The JSON object of one reason for each of these customers (all of one component)."""
    head = f'{{"component": "{name}", "points_lost": '
    if name not in templates or name == "bounced_payments":  # plural forms: text per row
        return [
            f'{head}{points!r}, "value": {_number(value)}, '
            f'"text": {_json_text(reason_text(name, None if value != value else value, templates))}}}'
            for value, points in zip(values, lost, strict=True)
        ]
    with_value, without_value, fill = templates[name]
    missing_text = _json_text(without_value)
    pieces = []
    for value, points in zip(values, lost, strict=True):
        if value != value:  # NaN: no data
            pieces.append(f'{head}{points!r}, "value": null, "text": {missing_text}}}')
        else:
            text = _json_text(with_value % fill(value))
            pieces.append(f'{head}{points!r}, "value": {_number(value)}, "text": {text}}}')
    return pieces


def _reasons_json(
    names: list[str], lost: np.ndarray, values: np.ndarray, chosen: np.ndarray
) -> list[str]:
    n = len(values)
    slots = [[""] * n for _ in range(chosen.shape[1])]
    with translation.override("en"):
        templates = reason_templates()
        for slot in range(chosen.shape[1]):
            target = slots[slot]
            for col, name in enumerate(names):
                rows = np.flatnonzero(chosen[:, slot] == col)
                if not len(rows):
                    continue
                pieces = _reason_pieces(
                    name, values[rows, col].tolist(), lost[rows, col].tolist(), templates
                )
                for row, piece in zip(rows.tolist(), pieces, strict=True):
                    target[row] = piece
    return [
        "[" + ", ".join(piece for piece in pieces if piece) + "]"
        for pieces in zip(*slots, strict=True)
    ]


def score_rows(
    points_frame, values_frame, *, scorecard: Scorecard, probabilities: Mapping[int, Decimal | None]
) -> ScoreRows:
    """``probabilities``: each customer's probability of default (Decimal or None) by id."""
    names = [component.name for component in scorecard.components]
    maxima = [component.max_points for component in scorecard.components]
    values = values_frame[names].to_numpy(dtype=float)
    points = points_frame[[f"points_{name}" for name in names]].to_numpy(dtype=float)
    lost = np.round(np.array(maxima)[None, :] - points, 1)
    grades = points_frame["grade"].astype(str).tolist()
    customer_ids = points_frame.index.astype(int).tolist()
    return ScoreRows(
        customer_ids=customer_ids,
        scores=points_frame["score"].astype(int).tolist(),
        grades=grades,
        probabilities=[probabilities.get(customer_id) for customer_id in customer_ids],
        components=_components_json(names, maxima, values, points),
        reasons=_reasons_json(names, lost, values, top_reasons(points_frame, scorecard=scorecard)),
    )


def score_row_chunks(
    points_frame,
    values_frame,
    *,
    scorecard: Scorecard,
    probabilities: Mapping[int, Decimal | None],
    size: int = CHUNK_SIZE,
) -> Iterator[ScoreRows]:
    """``score_rows`` a chunk at a time, so writing one chunk overlaps formatting the next."""
    for start in range(0, len(points_frame), size):
        yield score_rows(
            points_frame.iloc[start : start + size],
            values_frame.iloc[start : start + size],
            scorecard=scorecard,
            probabilities=probabilities,
        )


_COPY_NULL = "\\N"


def _copy_escape(text: str) -> str:
    """COPY's text format: backslash, tab and newline escaped (JSON text has no raw
    tabs or newlines, but a version name might)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _copy_text(rows: ScoreRows, *, computed_at: datetime, as_of: date, version: str) -> str:
    fixed = f"\t{computed_at.isoformat()}\t{as_of.isoformat()}\t"
    tail = f"\t{_copy_escape(version)}\t"
    return "".join(
        f"{customer_id}{fixed}{score}\t{grade}\t{_COPY_NULL if probability is None else probability}"
        f"{tail}{_copy_escape(components)}\t{_copy_escape(reasons)}\n"
        for customer_id, score, grade, probability, components, reasons in zip(
            rows.customer_ids, rows.scores, rows.grades, rows.probabilities,
            rows.components, rows.reasons, strict=True,
        )
    )  # fmt: skip


def _write_postgresql(
    chunks: Iterable[ScoreRows], *, computed_at: datetime, as_of: date, version: str
) -> int:
    score_table = CreditScore._meta.db_table
    latest_table = CreditScoreLatest._meta.db_table
    with connection.cursor() as cursor:
        # The caller holds the scoring lock: no other run inserts scores meanwhile.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {score_table}")  # noqa: S608
        last_id = cursor.fetchone()[0]
        columns = "customer_id, computed_at, as_of, score, grade, probability_of_default, version, components, reasons"
        written = 0
        with cursor.cursor.copy(f"COPY {score_table} ({columns}) FROM STDIN") as copy:
            for rows in chunks:
                copy.write(_copy_text(rows, computed_at=computed_at, as_of=as_of, version=version))
                written += len(rows.customer_ids)
        # A back-dated run does not replace a score of a later as-of date (a run as of
        # today has none to look up: no score is as of a day after it was computed).
        later_kept = (
            f" WHERE (SELECT kept.as_of FROM {score_table} AS kept"  # noqa: S608
            f" WHERE kept.id = {latest_table}.score_id) <= %s"
            if _back_dated(as_of)
            else ""
        )
        cursor.execute(
            f"INSERT INTO {latest_table} (customer_id, score_id) "  # noqa: S608
            # ORDER BY/LIMIT keep this an index range scan even while the table's
            # statistics are stale (a plain "id > n" was planned as a full scan).
            f"SELECT customer_id, id FROM (SELECT customer_id, id FROM {score_table} "
            "WHERE id > %s ORDER BY id DESC LIMIT %s) AS new_scores "
            "ON CONFLICT (customer_id) DO UPDATE SET score_id = EXCLUDED.score_id" + later_kept,
            [last_id, written, *([as_of] if later_kept else [])],
        )
    return written


def _back_dated(as_of: date) -> bool:
    """Whether a run as of ``as_of`` may meet scores as of a later date."""
    return as_of < timezone.localdate()


def _write_portable(
    chunks: Iterable[ScoreRows], *, computed_at: datetime, as_of: date, version: str
) -> int:
    written = 0
    for rows in chunks:
        _write_portable_chunk(rows, computed_at=computed_at, as_of=as_of, version=version)
        written += len(rows.customer_ids)
    return written


def _write_portable_chunk(
    rows: ScoreRows, *, computed_at: datetime, as_of: date, version: str
) -> None:
    objects = CreditScore.objects.bulk_create(
        [
            CreditScore(
                customer_id=customer_id, computed_at=computed_at, as_of=as_of, score=score,
                grade=grade, probability_of_default=probability, version=version,
                components=json.loads(components), reasons=json.loads(reasons),
            )
            for customer_id, score, grade, probability, components, reasons in zip(
                rows.customer_ids, rows.scores, rows.grades, rows.probabilities,
                rows.components, rows.reasons, strict=True,
            )
        ],
        batch_size=BATCH_SIZE,
    )  # fmt: skip
    # A back-dated run does not replace a score of a later as-of date.
    later = (
        customer_ids_scored_after(as_of=as_of, customer_ids=rows.customer_ids)
        if _back_dated(as_of)
        else set()
    )
    CreditScoreLatest.objects.bulk_create(
        [
            CreditScoreLatest(customer_id=row.customer_id, score_id=row.pk)
            for row in objects
            if row.customer_id not in later
        ],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["score"],
    )


def scores_write(
    chunks: Iterable[ScoreRows], *, computed_at: datetime, as_of: date, version: str
) -> int:
    """Store one score per row of each chunk and make it its customer's latest unless the
    customer's latest score is of a later as-of date (inside the caller's transaction,
    which holds the scoring lock). Returns the number stored."""
    if connection.vendor == "postgresql":
        return _write_postgresql(chunks, computed_at=computed_at, as_of=as_of, version=version)
    return _write_portable(chunks, computed_at=computed_at, as_of=as_of, version=version)
