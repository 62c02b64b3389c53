"""Reading what is still readable from a damaged SQLite table.

Why: a cache file with a few bad pages (a crash on a disk without barriers, a bad copy) still holds
thousands of good answers and, more precious, the user's corrections, which cannot be fetched again.
A plain ``SELECT`` stops at the first bad page; here the scan walks the table in rowid order and,
when it hits damage, probes ahead (doubling the step, then halving back) for the first rowid from
which reading works again, so only the rows on the bad pages are lost.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from geoapp.geocode import records

_MIN_ROWID = -(2**63)
_MAX_STEP = 2**62


def _first_row_after(conn: sqlite3.Connection, table: str, after: int) -> int | None:
    """The next rowid above ``after``; raises ``sqlite3.DatabaseError`` when the seek hits damage."""
    row = conn.execute(
        f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1", (after,)
    ).fetchone()
    return None if row is None else row[0]


def _skip_damage(conn: sqlite3.Connection, table: str, after: int) -> int | None:
    """A rowid bound past the damaged stretch that follows ``after`` (None: nothing readable follows).

    Doubling finds some readable start; halving back between the last failing and the first working
    probe keeps the number of good rows skipped small.
    """
    step = 1
    bad = after
    while step <= _MAX_STEP:
        probe = min(after + step, 2**63 - 1)
        try:
            found = _first_row_after(conn, table, probe)
        except sqlite3.DatabaseError:
            bad = probe
            step *= 2
            continue
        if found is None:
            return None
        good = probe
        while good - bad > 1:
            mid = (bad + good) // 2
            try:
                _first_row_after(conn, table, mid)
            except sqlite3.DatabaseError:
                bad = mid
            else:
                good = mid
        return good
    return None


def readable_rows(conn: sqlite3.Connection, table: str, columns: str) -> tuple[list[tuple[Any, ...]], int]:
    """Every row of ``table`` that can still be read, and how many damaged stretches were skipped.

    ``table`` and ``columns`` are fixed names from the caller's schema, never user input.
    """
    rows: list[tuple[Any, ...]] = []
    after = _MIN_ROWID
    skipped = 0
    while True:
        try:
            cursor = conn.execute(
                f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? ORDER BY rowid", (after,)
            )
            for row in cursor:
                rows.append(tuple(row[1:]))
                after = row[0]
            return rows, skipped
        except sqlite3.DatabaseError:
            skipped += 1
            bound = _skip_damage(conn, table, after)
            if bound is None or bound <= after:
                return rows, skipped
            after = bound


def salvage_records(
    conn: sqlite3.Connection, now: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """The answers and corrections of a damaged cache that can still be read and pass the import
    checks (:mod:`geoapp.geocode.records`), as import records; and how many read rows did not."""
    answers, corrections, unusable = [], [], 0
    rows, _ = readable_rows(conn, "answers", "query, params, status, answer, source, created")
    for query, params, status, answer, source, created in rows:
        try:
            rec = {
                "query": query,
                "params": json.loads(params),
                "status": status,
                "answer": json.loads(answer),
            }
            answers.append(records.answer_record({**rec, "source": source, "created": created}, now))
        except (TypeError, ValueError, RecursionError):
            unusable += 1
    rows, _ = readable_rows(conn, "corrections", 'article_id, field, start, "end", text, place, created')
    for article_id, field, start, end, text, place, created in rows:
        try:
            rec = {"article_id": article_id, "field": field, "start": start, "end": end, "text": text}
            corrections.append(
                records.correction_record({**rec, "place": json.loads(place), "created": created}, now)
            )
        except (TypeError, ValueError, RecursionError):
            unusable += 1
    return answers, corrections, unusable
