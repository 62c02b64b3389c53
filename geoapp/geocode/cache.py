"""A persistent, shared cache of geocoder answers (and of the user's corrections) in one SQLite file.

Why SQLite: the CLI and the Streamlit app may run at the same time on the same ``cache/`` directory,
and a colleague may copy the file. SQLite in WAL mode lets one process write while others read,
``busy_timeout`` makes a second writer wait instead of failing, and every ``put`` is one transaction,
so a Ctrl-C leaves either the old or the new row, never half of one.

Why a key over *every* parameter: Nominatim's answer for "Kalma" differs with the language, the
country filter, the feature type and the result limit; a key over the query alone would serve an
answer to a question that was never asked.

Why only found / not_found are stored: a timeout or a 500 says nothing about the place, so caching it
as "nothing found" would hide a real place for the whole negative TTL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from geoapp.fileio import atomic_write

log = logging.getLogger("geoapp.geocode")

#: The file name inside ``settings.cache_dir``.
CACHE_FILENAME = "geocode.sqlite"
#: Written to ``PRAGMA application_id`` so a foreign SQLite file is told apart from ours ("GEOA").
APPLICATION_ID = 0x47454F41
#: Bumped when the tables change; stored in ``PRAGMA user_version``.
SCHEMA_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_STATUSES = ("found", "not_found")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key     TEXT PRIMARY KEY,
    query   TEXT NOT NULL,
    params  TEXT NOT NULL,
    status  TEXT NOT NULL CHECK (status IN ('found', 'not_found')),
    answer  TEXT NOT NULL,
    source  TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_created ON answers (created);
CREATE TABLE IF NOT EXISTS corrections (
    article_id TEXT NOT NULL,
    field      TEXT NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    place      TEXT NOT NULL,
    created    REAL NOT NULL,
    PRIMARY KEY (article_id, field, start, "end")
);
"""


class CacheError(RuntimeError):
    """The cache file cannot be used and must not be set aside (e.g. written by a newer geoapp)."""


def normalise_query(query: str) -> str:
    """Fold only what the geocoder itself ignores (case, Unicode form, spacing).

    Deliberately milder than :func:`geoapp.text.name_key`: accents and punctuation can change
    Nominatim's answer ("Köln, Berlin" is not "Koln Berlin"), so they stay part of the key.
    """
    return " ".join(unicodedata.normalize("NFC", query).casefold().split())


def make_key(query: str, params: Mapping[str, Any]) -> str:
    """The cache key: a hash of the normalised query plus every parameter, as canonical JSON.

    Canonical JSON (sorted keys, no spaces) makes the key independent of dict order; hashing keeps
    the primary-key index small whatever the query length.
    """
    canonical = json.dumps(
        {"q": normalise_query(query), "p": dict(params)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """One stored answer: ``answer`` is the provider's raw JSON (a list of results)."""

    key: str
    query: str
    params: dict[str, Any]
    status: str
    answer: Any
    source: str
    created: float


@dataclass(frozen=True)
class Correction:
    """A user's fix for one mention: which place they chose (as a plain dict) and when."""

    article_id: str
    start: int
    end: int
    field: str
    text: str
    place: dict[str, Any]
    created: float

    def to_record(self) -> dict[str, Any]:
        """The fix as one line of a fixes file (``geoapp cache export --corrections``)."""
        return {
            "article_id": self.article_id,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "place": self.place,
            "created": self.created,
        }


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


class GeocodeCache:
    """Geocoder answers and user corrections in one SQLite file, safe for several processes.

    ``negative_ttl_days`` bounds how long "nothing found" is believed (new places get mapped);
    ``clock`` returns Unix seconds and is injectable so tests can age entries without sleeping.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        negative_ttl_days: float = 30.0,
        clock: Callable[[], float] = time.time,
        busy_timeout_ms: int = 30_000,
    ) -> None:
        self.path = Path(path)
        self.negative_ttl_seconds = negative_ttl_days * 86400.0
        self.clock = clock
        self.busy_timeout_ms = busy_timeout_ms
        #: One-line messages for the user (e.g. that a corrupt file was set aside).
        self.notices: list[str] = []
        # One connection shared by the threads of this process, serialised by a lock: SQLite
        # connections are not safe to use from two threads at once.
        self._lock = threading.RLock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = self._open_checked()

    @classmethod
    def from_settings(cls, settings: Any) -> GeocodeCache:
        """The cache in ``settings.cache_dir`` with the configured negative TTL."""
        return cls(Path(settings.cache_dir) / CACHE_FILENAME, negative_ttl_days=settings.negative_ttl_days)

    # -- opening, validation, recovery -------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        return conn

    def _open_checked(self) -> sqlite3.Connection:
        """Open the file; if it is not a geoapp cache, set it aside and start a fresh one."""
        problem = self._header_problem()
        if problem is None:
            conn = self._connect()
            try:
                problem = self._init_schema(conn)
            except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed" …
                problem = f"unreadable ({exc})"
            if problem is None:
                return conn
            conn.close()
        self._set_aside(problem)
        conn = self._connect()
        again = self._init_schema(conn)
        if again is not None:  # pragma: no cover - a fresh file always initialises
            raise CacheError(f"cannot initialise geocode cache {self.path}: {again}")
        return conn

    def _header_problem(self) -> str | None:
        """A cheap check before SQLite sees the file: garbage bytes fail here, not mid-run."""
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except FileNotFoundError:
            return None
        if head == b"" or head == _SQLITE_MAGIC:
            return None
        return "not an SQLite file"

    def _init_schema(self, conn: sqlite3.Connection) -> str | None:
        """Create or verify the schema; return why the file is foreign, or None when it is ours.

        The identity check comes first and only reads, so a foreign database is not switched to
        WAL (or otherwise touched) before it is set aside.
        """
        problem = self._identity_problem(conn)
        if problem is not None:
            return problem
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        with self._transaction(conn):
            # Checked again under the write lock: another process may have initialised it meanwhile.
            problem = self._identity_problem(conn)
            if problem is None and conn.execute("PRAGMA application_id").fetchone()[0] == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return problem

    def _identity_problem(self, conn: sqlite3.Connection) -> str | None:
        """None for our own file or an empty one; otherwise why it is not a geoapp cache."""
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == 0:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            return "an SQLite file of another application" if tables or version else None
        if app_id != APPLICATION_ID:
            return f"an SQLite file of another application (application_id {app_id:#x})"
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"{self.path} was written by a newer geoapp (schema {version} > {SCHEMA_VERSION}); "
                "upgrade geoapp or set GEOAPP_CACHE_DIR to another directory"
            )
        return None

    def _set_aside(self, problem: str) -> None:
        """Rename the bad file (and its WAL/SHM companions) so nothing is lost and we can start over."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except FileNotFoundError:  # another process set it aside first
            pass
        for suffix in ("-wal", "-shm"):
            companion = self.path.with_name(self.path.name + suffix)
            try:
                os.replace(companion, target.with_name(target.name + suffix))
            except FileNotFoundError:
                pass
        message = f"geocode cache {self.path} is {problem}; moved it to {target.name} and started a fresh one"
        log.warning(message)
        self.notices.append(message)

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: takes the write lock up front so two writers queue
        on ``busy_timeout`` instead of deadlocking on a read-to-write upgrade."""
        conn = conn or self._conn
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:  # KeyboardInterrupt included: leave the file as it was
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (the file stays; WAL content is checkpointed by SQLite)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- answers ------------------------------------------------------------------------------------

    def _expired(self, status: str, created: float, now: float) -> bool:
        return status == "not_found" and now - created > self.negative_ttl_seconds

    def get(self, query: str, params: Mapping[str, Any]) -> CacheEntry | None:
        """The stored answer for this exact question, or None (also when a negative answer expired)."""
        key = make_key(query, params)
        with self._lock:
            row = self._conn.execute(
                "SELECT key, query, params, status, answer, source, created FROM answers WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None or self._expired(row[3], row[6], self.clock()):
            return None
        return CacheEntry(row[0], row[1], json.loads(row[2]), row[3], json.loads(row[4]), row[5], row[6])

    def put(
        self,
        query: str,
        params: Mapping[str, Any],
        answer: Any,
        *,
        status: str | None = None,
        source: str = "nominatim",
    ) -> CacheEntry:
        """Store one answer in its own transaction; ``status`` defaults from whether it is empty.

        Failures must not come here: only ``found`` and ``not_found`` are accepted.
        """
        status = status or ("found" if answer else "not_found")
        if status not in _STATUSES:
            raise ValueError(f"only found/not_found answers are cached, not {status!r}")
        entry = CacheEntry(make_key(query, params), query, dict(params), status, answer, source, self.clock())
        self._upsert([entry], keep_newer=False)
        return entry

    def _upsert(self, entries: list[CacheEntry], *, keep_newer: bool) -> int:
        sql = (
            "INSERT INTO answers (key, query, params, status, answer, source, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET query = excluded.query, "
            "params = excluded.params, status = excluded.status, answer = excluded.answer, "
            "source = excluded.source, created = excluded.created"
        )
        if keep_newer:
            sql += " WHERE excluded.created > answers.created"
        rows = [
            (
                e.key,
                e.query,
                json.dumps(e.params, sort_keys=True, ensure_ascii=False),
                e.status,
                json.dumps(e.answer, ensure_ascii=False),
                e.source,
                e.created,
            )
            for e in entries
        ]
        with self._transaction() as conn:
            before = conn.total_changes
            conn.executemany(sql, rows)
            return conn.total_changes - before

    def stats(self) -> dict[str, Any]:
        """Counts, file size and age range: what ``geoapp cache stats`` prints."""
        now = self.clock()
        with self._lock:
            rows, found, oldest, newest = self._conn.execute(
                "SELECT count(*), coalesce(sum(status = 'found'), 0), min(created), max(created) FROM answers"
            ).fetchone()
            expired = self._conn.execute(
                "SELECT count(*) FROM answers WHERE status = 'not_found' AND created < ?",
                (now - self.negative_ttl_seconds,),
            ).fetchone()[0]
            corrections = self._conn.execute("SELECT count(*) FROM corrections").fetchone()[0]
        size = sum(
            p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + "-wal")) if p.exists()
        )
        return {
            "path": str(self.path),
            "rows": rows,
            "found": found,
            "not_found": rows - found,
            "expired_not_found": expired,
            "corrections": corrections,
            "size_bytes": size,
            "oldest": _iso(oldest),
            "newest": _iso(newest),
        }

    def export_jsonl(self, path: str | os.PathLike[str]) -> int:
        """Write every answer as one JSON object per line; atomic (temp file + rename)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT query, params, status, answer, source, created FROM answers ORDER BY created, key"
            ).fetchall()
        records = (
            {
                "query": q,
                "params": json.loads(p),
                "status": s,
                "answer": json.loads(a),
                "source": src,
                "created": c,
            }
            for q, p, s, a, src, c in rows
        )
        _write_jsonl_atomic(Path(path), records)
        return len(rows)

    def import_jsonl(self, path: str | os.PathLike[str]) -> int:
        """Merge answers from a JSONL export; for a key present on both sides the newer one wins.

        Keys are recomputed from query and params, so files from an older key scheme still match.
        Returns how many rows were inserted or replaced.
        """
        entries = []
        for rec in _read_jsonl(Path(path)):
            if rec.get("status") not in _STATUSES:
                continue
            params = rec.get("params") or {}
            entries.append(
                CacheEntry(
                    make_key(rec["query"], params),
                    rec["query"],
                    params,
                    rec["status"],
                    rec.get("answer", []),
                    rec.get("source", "nominatim"),
                    float(rec.get("created", self.clock())),
                )
            )
        return self._upsert(entries, keep_newer=True) if entries else 0

    def clear(self, older_than: float | None = None) -> int:
        """Delete answers (all, or those older than ``older_than`` days); corrections are kept,
        because they are the user's own work and cannot be fetched again. Returns rows deleted."""
        with self._transaction() as conn:
            if older_than is None:
                cur = conn.execute("DELETE FROM answers")
            else:
                cur = conn.execute(
                    "DELETE FROM answers WHERE created < ?", (self.clock() - older_than * 86400.0,)
                )
            return cur.rowcount

    # -- corrections --------------------------------------------------------------------------------

    def put_correction(
        self,
        article_id: str,
        start: int,
        end: int,
        text: str,
        place: Mapping[str, Any],
        *,
        field: str = "text",
    ) -> Correction:
        """Record (or replace) the place a user chose for one mention."""
        corr = Correction(article_id, start, end, field, text, dict(place), self.clock())
        self._upsert_corrections([corr], keep_newer=False)
        return corr

    def _upsert_corrections(self, items: list[Correction], *, keep_newer: bool) -> int:
        sql = (
            'INSERT INTO corrections (article_id, field, start, "end", text, place, created) '
            'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(article_id, field, start, "end") DO UPDATE SET '
            "text = excluded.text, place = excluded.place, created = excluded.created"
        )
        if keep_newer:
            sql += " WHERE excluded.created > corrections.created"
        rows = [
            (
                c.article_id,
                c.field,
                c.start,
                c.end,
                c.text,
                json.dumps(c.place, ensure_ascii=False),
                c.created,
            )
            for c in items
        ]
        with self._transaction() as conn:
            before = conn.total_changes
            conn.executemany(sql, rows)
            return conn.total_changes - before

    def get_correction(
        self, article_id: str, start: int, end: int, *, field: str = "text"
    ) -> Correction | None:
        """The user's fix for this exact span, if any."""
        with self._lock:
            row = self._conn.execute(
                'SELECT article_id, start, "end", field, text, place, created FROM corrections '
                'WHERE article_id = ? AND field = ? AND start = ? AND "end" = ?',
                (article_id, field, start, end),
            ).fetchone()
        return None if row is None else _correction(row)

    def list_corrections(self, article_id: str | None = None) -> list[Correction]:
        """All fixes (or one article's), in article and text order."""
        sql = 'SELECT article_id, start, "end", field, text, place, created FROM corrections'
        args: tuple[Any, ...] = ()
        if article_id is not None:
            sql += " WHERE article_id = ?"
            args = (article_id,)
        with self._lock:
            rows = self._conn.execute(sql + ' ORDER BY article_id, field, start, "end"', args).fetchall()
        return [_correction(r) for r in rows]

    def export_corrections(self, path: str | os.PathLike[str]) -> int:
        """Write every correction as JSONL, atomically; returns how many."""
        items = self.list_corrections()
        _write_jsonl_atomic(
            Path(path),
            (c.to_record() for c in items),
        )
        return len(items)

    def import_corrections(self, path: str | os.PathLike[str]) -> int:
        """Merge corrections from JSONL; the newer fix of the same span wins."""
        items = [
            Correction(
                str(r["article_id"]),
                int(r["start"]),
                int(r["end"]),
                r.get("field", "text"),
                r.get("text", ""),
                dict(r.get("place") or {}),
                float(r.get("created", self.clock())),
            )
            for r in _read_jsonl(Path(path))
        ]
        return self._upsert_corrections(items, keep_newer=True) if items else 0


def _correction(row: tuple[Any, ...]) -> Correction:
    return Correction(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6])


def _write_jsonl_atomic(path: Path, records: Any) -> None:
    """An export that a reader (or a Ctrl-C) sees whole or not at all."""
    atomic_write(path, "".join(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n" for rec in records))


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if isinstance(rec, dict):
                yield rec
