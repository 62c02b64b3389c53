"""Fetched pages and feeds kept in one SQLite file, so that a rerun asks no web site twice.

Why a file of its own beside the geocode cache (``cache/pages.sqlite``, not ``geocode.sqlite``):
pages are large and can always be fetched again, answers and corrections cannot; the two are
cleared, copied and exported differently. What is shared is the mechanism that spaces requests
across processes: the same request-slot tables (:mod:`geoapp.geocode.slots`) live in this file, and
:class:`PageCache` offers the three methods :class:`geoapp.geocode.ratelimit.RequestGate` calls on a
cache (``claim_request``, ``defer_requests``, ``release_request``), so the geocoder's gate spaces
page requests too. Every process fetching from one site through the same cache folder takes its
turn from this file, and a page another process is fetching right now is waited for, not fetched
again.

What is stored: successful responses only (HTTP 200), body compressed, keyed on the address asked
(:func:`geoapp.fetch.cache_key`), with the final address after redirects, the validators
(``ETag``, ``Last-Modified``) for a conditional request once the entry is stale, and when it goes
stale (``expires``; ``NULL`` for an article page, which is kept until the file is removed).

When the file cannot be used (damaged, another application's, a newer geoapp's, unwritable) the run
goes on: a damaged or foreign file is moved aside and a fresh one started (pages can be fetched
again, so nothing is salvaged); a newer geoapp's or an unwritable one is replaced by memory for this
run, said once in :attr:`PageCache.notices`, and requests are then spaced within this process only.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from geoapp.geocode import slots
from geoapp.geocode.slots import Claim

log = logging.getLogger("geoapp.fetch")

#: The file name inside ``settings.cache_dir``.
PAGE_CACHE_FILENAME = "pages.sqlite"
#: ``PRAGMA application_id`` of a page cache ("GEOP"), telling it apart from any other SQLite file.
APPLICATION_ID = 0x47454F50
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key           TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    body          BLOB NOT NULL,
    fetched       REAL NOT NULL,
    expires       REAL
)
"""
_NEWER = "written by a newer geoapp"
_COLUMNS = "key, url, content_type, etag, last_modified, body, fetched, expires"

T = TypeVar("T")


@dataclass(frozen=True)
class PageEntry:
    """One stored response. ``url`` is where it came from after redirects; ``expires`` (Unix
    seconds) is when it must be asked again, None for never."""

    key: str
    url: str
    content_type: str
    body: bytes
    fetched: float
    expires: float | None = None
    etag: str | None = None
    last_modified: str | None = None

    def fresh(self, now: float) -> bool:
        return self.expires is None or self.expires > now


def _entry_of_row(row: tuple[Any, ...]) -> PageEntry | None:
    """A stored row as an entry; None for a row that does not read back (treated as not cached)."""
    key, url, content_type, etag, last_modified, body, fetched, expires = row
    try:
        data = zlib.decompress(body)
    except (zlib.error, TypeError):
        return None
    if not isinstance(fetched, (int, float)) or not (expires is None or isinstance(expires, (int, float))):
        return None
    return PageEntry(key, url, content_type, data, fetched, expires, etag, last_modified)


class PageCache:
    """Responses and request slots in one SQLite file, safe for several processes at once."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout_ms: int = 30_000,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.busy_timeout_ms = busy_timeout_ms
        #: One-line messages for the user (a file set aside, a cache that cannot be written).
        self.notices: list[str] = []
        # Responses kept for this run when the file cannot hold them.
        self._memory: dict[str, PageEntry] = {}
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = self._open()

    @classmethod
    def from_settings(cls, settings: Any, *, clock: Callable[[], float] = time.time) -> PageCache:
        return cls(Path(settings.cache_dir) / PAGE_CACHE_FILENAME, clock=clock)

    # -- opening ------------------------------------------------------------------------------------

    def _notice(self, message: str) -> None:
        if message not in self.notices:
            log.warning(message)
            self.notices.append(message)

    def _open(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._connect()
        except (OSError, sqlite3.Error) as exc:
            self._notice(f"page cache {self.path} cannot be used ({exc}); pages are kept for this run only")
            return None
        try:
            problem = self._init(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if isinstance(exc, sqlite3.OperationalError):  # locked for too long, read-only, no space
                self._notice(
                    f"page cache {self.path} cannot be used ({exc}); pages are kept for this run only"
                )
                return None
            problem = f"damaged ({exc})"
        else:
            if problem is None:
                return conn
            conn.close()
            if problem == _NEWER:  # not ours to move: the newer geoapp still uses it
                self._notice(f"page cache {self.path} was {problem}; pages are kept for this run only")
                return None
        return self._start_over(problem)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        return conn

    def _init(self, conn: sqlite3.Connection) -> str | None:
        """Create the tables in a new file; why the file is not ours, or None when it is."""
        with self._transaction(conn):
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id == 0:
                if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    return "an SQLite file of another application"
                conn.execute(_SCHEMA)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif app_id != APPLICATION_ID:
                return f"an SQLite file of another application (application_id {app_id:#x})"
            elif conn.execute("PRAGMA user_version").fetchone()[0] > SCHEMA_VERSION:
                return _NEWER
            slots.create(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        return None

    def _start_over(self, problem: str) -> sqlite3.Connection | None:
        """Move the unusable file aside (it may hold someone's data) and start a fresh one."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                companion = self.path.with_name(self.path.name + suffix)
                if companion.exists():
                    os.replace(companion, aside.with_name(aside.name + suffix))
            conn = self._connect()
            again = self._init(conn)
        except (OSError, sqlite3.Error) as exc:
            self._notice(
                f"page cache {self.path} is {problem} and cannot be replaced ({exc}); "
                "pages are kept for this run only"
            )
            return None
        if again is not None:
            conn.close()
            self._notice(
                f"page cache {self.path} cannot be started ({again}); pages are kept for this run only"
            )
            return None
        self._notice(
            f"page cache {self.path} was {problem}; moved it to {aside.name} and started a fresh one"
        )
        return conn

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``: the write lock taken up front, so two writers queue on
        the busy timeout instead of deadlocking; rolled back on any exception, Ctrl-C included."""
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def _use(self, op: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T | None:
        """Run ``op`` on the file (in a write transaction when ``write``); on a failure say so once,
        go on without the file, and return None."""
        with self._lock:
            if self._conn is None:
                return None
            try:
                if write:
                    with self._transaction(self._conn) as conn:
                        return op(conn)
                return op(self._conn)
            except sqlite3.Error as exc:
                self._notice(f"page cache {self.path} failed ({exc}); pages are kept for this run only")
                self._conn.close()
                self._conn = None
                return None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> PageCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- responses ----------------------------------------------------------------------------------

    @staticmethod
    def _read(conn: sqlite3.Connection, key: str) -> PageEntry | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry_of_row(row)

    def get(self, key: str) -> PageEntry | None:
        """The stored response for ``key``, fresh or stale (a stale one has validators to ask with)."""
        entry = self._memory.get(key)
        if entry is None:
            entry = self._use(lambda conn: self._read(conn, key))
        return entry

    def put(self, entry: PageEntry) -> None:
        """Store (or replace) one response in its own transaction."""
        self._memory.pop(entry.key, None)
        row = (
            entry.key,
            entry.url,
            entry.content_type,
            entry.etag,
            entry.last_modified,
            zlib.compress(entry.body, 6),
            entry.fetched,
            entry.expires,
        )
        done = self._use(
            lambda conn: conn.execute(
                f"INSERT OR REPLACE INTO responses ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row
            ),
            write=True,
        )
        if done is None:
            self._memory[entry.key] = entry

    def renew(self, entry: PageEntry, expires: float | None) -> PageEntry:
        """``entry`` confirmed unchanged by the site (HTTP 304): fresh again until ``expires``."""
        renewed = replace(entry, fetched=self.clock(), expires=expires)
        self.put(renewed)
        return renewed

    def count(self) -> int:
        """How many responses the file holds (for tests and ``docs/ingest.md``'s numbers)."""
        found = self._use(lambda conn: conn.execute("SELECT count(*) FROM responses").fetchone()[0])
        return (found or 0) + len(self._memory)

    # -- request slots: what RequestGate asks of a cache -------------------------------------------

    def claim_request(
        self, host: str, key: str, owner: str, *, delay: float, lease: float, max_wait: float
    ) -> Claim | None:
        """Take the next slot for ``host`` to fetch ``key``, or say how long to wait, or hand back
        the fresh response another process stored meanwhile (as ``Claim.entry``). None when the
        file cannot be written: requests are then spaced within this process only."""

        def claim(conn: sqlite3.Connection) -> Claim:
            entry = self._read(conn, key)
            if entry is not None and entry.fresh(self.clock()):
                return Claim(False, 0.0, entry)  # type: ignore[arg-type]  # a page, not an answer
            return slots.take(conn, host, key, owner, delay=delay, lease=lease, max_wait=max_wait)

        return self._use(claim, write=True)

    def defer_requests(self, host: str, seconds: float, key: str, owner: str, lease: float) -> bool:
        """No request to ``host`` for ``seconds``, for every process (a Retry-After, a backoff)."""
        done = self._use(
            lambda conn: slots.push_back(conn, host, seconds, key, owner, lease) or True, write=True
        )
        return bool(done)

    def release_request(self, key: str, owner: str) -> None:
        """``owner`` is done fetching ``key``: others may fetch it now."""
        self._use(lambda conn: slots.release(conn, key, owner), write=True)
