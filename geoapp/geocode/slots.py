"""The request slots kept in the cache file, shared by every process that uses it.

Why in the cache file: it is the one thing every geoapp process on the same cache folder already
opens, SQLite's write lock (``BEGIN IMMEDIATE``) already serialises them, and the answers the slots
protect live next to them, so "is it answered yet?" and "may I ask now?" are decided in one
transaction. Two tables: the earliest wall-clock time of the next request per host, and the
questions being asked right now (so a second process waits for the answer instead of asking too).
Wall-clock time, because monotonic clocks are not comparable between processes after a reboot.

The functions take a connection inside the caller's write transaction; they never commit.
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geoapp.geocode.cache import CacheEntry

SCHEMA = """
CREATE TABLE IF NOT EXISTS request_slots (host TEXT PRIMARY KEY, next_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pending_requests (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL NOT NULL)
"""
#: How often a process waiting for another's answer to the same question looks again (seconds).
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Claim:
    """What a claim decided: send now, wait ``wait`` seconds and claim again, or use ``entry``, the
    answer another process (or thread) stored meanwhile."""

    send: bool
    wait: float = 0.0
    entry: CacheEntry | None = None


def create(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        conn.execute(statement)


def take(
    conn: sqlite3.Connection, host: str, key: str, owner: str, *, delay: float, lease: float, max_wait: float
) -> Claim:
    """Take the next slot for ``host`` to ask ``key`` (the caller found no answer for it), or say
    how long to wait: for another owner asking ``key`` right now, or for the slot itself.

    A stored slot more than ``max_wait`` ahead is a clock that jumped back, and is ignored.
    """
    now = time.time()  # read under the write lock, not before waiting for it
    conn.execute("DELETE FROM pending_requests WHERE expires < ?", (now,))
    row = conn.execute("SELECT owner, expires FROM pending_requests WHERE key = ?", (key,)).fetchone()
    if row is not None and row[0] != owner:
        return Claim(False, max(0.01, min(POLL_SECONDS, row[1] - now)))
    row = conn.execute("SELECT next_at FROM request_slots WHERE host = ?", (host,)).fetchone()
    next_at = row[0] if row is not None and isinstance(row[0], (int, float)) else 0.0
    if not math.isfinite(next_at) or next_at - now > max_wait:
        next_at = now
    if next_at > now:
        return Claim(False, next_at - now)
    conn.execute(
        "INSERT INTO request_slots (host, next_at) VALUES (?, ?) "
        "ON CONFLICT(host) DO UPDATE SET next_at = excluded.next_at",
        (host, now + delay),
    )
    conn.execute(
        "INSERT INTO pending_requests (key, owner, expires) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires",
        (key, owner, now + lease),
    )
    return Claim(True)


def push_back(
    conn: sqlite3.Connection, host: str, seconds: float, key: str, owner: str, lease: float
) -> None:
    """No request to ``host`` for ``seconds``; ``owner``'s claim on ``key`` outlives the pause."""
    now = time.time()
    conn.execute(
        "INSERT INTO request_slots (host, next_at) VALUES (?, ?) "
        "ON CONFLICT(host) DO UPDATE SET next_at = max(next_at, excluded.next_at)",
        (host, now + seconds),
    )
    conn.execute(
        "UPDATE pending_requests SET expires = max(expires, ?) WHERE key = ? AND owner = ?",
        (now + seconds + lease, key, owner),
    )


def release(conn: sqlite3.Connection, key: str, owner: str) -> None:
    """``owner`` is done asking ``key`` (answered or given up)."""
    conn.execute("DELETE FROM pending_requests WHERE key = ? AND owner = ?", (key, owner))
