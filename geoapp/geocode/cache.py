"""A persistent, shared cache of geocoder answers (and of the user's corrections) in one SQLite file.

Why SQLite: the CLI and the Streamlit app may run at the same time on the same ``cache/`` directory,
and a colleague may copy the file. SQLite in WAL mode lets one process write while others read,
``busy_timeout`` makes a second writer wait instead of failing, and every ``put`` is one transaction,
so a Ctrl-C leaves either the old or the new row, never half of one. The same file carries the
request slots that space Nominatim requests across every process sharing the folder
(:meth:`GeocodeCache.claim_request`).

Why a key over *every* parameter: Nominatim's answer for "Kalma" differs with the language, the
country filter, the feature type and the result limit; a key over the query alone would serve an
answer to a question that was never asked.

Why only found / not_found are stored: a timeout or a 500 says nothing about the place, so caching it
as "nothing found" would hide a real place for the whole negative TTL.

What goes wrong with files, and what happens then: a file that is not a geoapp cache, or whose pages
are damaged, is moved aside (after copying out every row that can still be read) and a fresh cache
is started; a file that cannot be written (read-only folder or medium) is used read-only and new
answers live for the run only; a cache folder that cannot exist (a file stands in its place) is a
:class:`CacheError`. Nothing is ever renamed for being merely unwritable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
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
from typing import Any, TypeVar

from geoapp.geocode import jsonl, records, slots
from geoapp.geocode.errors import GeocodeSetupError
from geoapp.geocode.salvage import salvage_records
from geoapp.geocode.slots import Claim

try:  # POSIX only; elsewhere two processes repairing the same file at once is merely untidy
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("geoapp.geocode")

#: The file name inside ``settings.cache_dir``.
CACHE_FILENAME = "geocode.sqlite"
#: Written to ``PRAGMA application_id`` so a foreign SQLite file is told apart from ours ("GEOA").
APPLICATION_ID = 0x47454F41
#: Bumped when the tables change incompatibly; stored in ``PRAGMA user_version``. Tables added with
#: ``IF NOT EXISTS`` (the request slots) keep the version: older geoapps simply ignore them.
SCHEMA_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_STATUSES = records.STATUSES
#: sqlite error names that mean the file's content is damaged (not merely locked or unwritable).
_DAMAGE_ERRORS = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
#: sqlite error names that mean the file or its folder cannot be written here.
_UNWRITABLE_ERRORS = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_IOERR", "SQLITE_AUTH")

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
_ANSWER_COLUMNS = "key, query, params, status, answer, source, created"
_CORRECTION_COLUMNS = 'article_id, start, "end", field, text, place, created'

T = TypeVar("T")


class CacheError(GeocodeSetupError, RuntimeError):
    """The cache cannot be used as asked (a file where its folder should be, written by a newer
    geoapp, read-only when a change was asked for); the message is one line for the user."""


def normalise_query(query: str) -> str:
    """Fold only what the geocoder itself ignores (case, Unicode form, spacing).

    Deliberately milder than :func:`geoapp.text.name_key`: accents and punctuation can change
    Nominatim's answer ("Köln, Berlin" is not "Koln Berlin"), so they stay part of the key.
    """
    return " ".join(unicodedata.normalize("NFC", query).casefold().split())


def make_key(query: str, params: Mapping[str, Any]) -> str:
    """The cache key: a hash of the normalised query plus every parameter, as canonical JSON.

    Canonical JSON (sorted keys, no spaces) makes the key independent of dict order; hashing keeps
    the primary-key index small whatever the query length. ``surrogatepass`` keeps a query that is
    not valid text (bytes from a broken terminal) from crashing the key; such a query is never stored.
    """
    canonical = json.dumps(
        {"q": normalise_query(query), "p": dict(params)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


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


def _iso(ts: Any) -> str | None:
    """A timestamp for ``cache stats``; None for a missing or nonsensical one (an old bad row)."""
    if not isinstance(ts, (int, float)) or not math.isfinite(ts):
        return None
    try:
        return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return None


def _error_name(exc: BaseException) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def is_damage(exc: BaseException) -> bool:
    """True for errors that mean damaged content ("database disk image is malformed")."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, sqlite3.OperationalError):
        return False
    name = _error_name(exc)
    return name.startswith(_DAMAGE_ERRORS) or (not name and type(exc) is sqlite3.DatabaseError)


def _is_unwritable(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    name = _error_name(exc)
    if name:
        return name.startswith(_UNWRITABLE_ERRORS)
    message = str(exc).lower()  # Python 3.10 has no error names
    return any(s in message for s in ("readonly", "unable to open", "disk i/o", "not authorized"))


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on the cache folder itself, held while a bad file is moved aside.

    Why: two processes that find the same damaged file must not both move "it" aside, the second
    then moving the first one's fresh replacement. Under this lock the second sees the file has
    changed and simply opens the new one. A folder that cannot be opened goes unlocked.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class GeocodeCache:
    """Geocoder answers and user corrections in one SQLite file, safe for several processes.

    ``negative_ttl_days`` bounds how long "nothing found" is believed (new places get mapped);
    ``clock`` returns Unix seconds and is injectable so tests can age entries without sleeping;
    ``verify`` runs SQLite's ``quick_check`` on opening (maintenance commands: a damaged file is
    then repaired before it is listed or exported, rather than failing half-way).
    Raises :class:`CacheError` when the location cannot hold a cache at all.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        negative_ttl_days: float = 30.0,
        clock: Callable[[], float] = time.time,
        busy_timeout_ms: int = 30_000,
        verify: bool = False,
    ) -> None:
        self.path = Path(path)
        self.negative_ttl_seconds = negative_ttl_days * 86400.0
        self.clock = clock
        self.busy_timeout_ms = busy_timeout_ms
        #: One-line messages for the user (a file set aside, read-only use, a failed write).
        self.notices: list[str] = []
        #: True when the file can only be read: answers are served, new ones kept for this run only.
        self.read_only = False
        # Answers that could not be written (read-only file, failed write), so this run still never
        # asks the same question twice.
        self._memory: dict[str, CacheEntry] = {}
        # One connection shared by the threads of this process, serialised by a lock: SQLite
        # connections are not safe to use from two threads at once.
        self._lock = threading.RLock()
        self._file: tuple[int, int] | None = None
        self._conn = self._open(verify)

    @classmethod
    def from_settings(cls, settings: Any, *, verify: bool = False) -> GeocodeCache:
        """The cache in ``settings.cache_dir`` with the configured negative TTL."""
        return cls(
            Path(settings.cache_dir) / CACHE_FILENAME,
            negative_ttl_days=settings.negative_ttl_days,
            verify=verify,
        )

    # -- opening, validation, recovery -------------------------------------------------------------

    def _notice(self, message: str) -> None:
        if message not in self.notices:
            log.warning(message)
            self.notices.append(message)

    def _file_id(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _prepare_folder(self) -> None:
        """Create the folder if need be; a file standing where a folder belongs is an error."""
        folder = self.path.parent
        for p in (folder, *folder.parents):
            try:
                if p.exists():
                    if not p.is_dir():
                        raise CacheError(
                            f"cache folder {folder} cannot be used: {p} is a file, not a folder "
                            "(set GEOAPP_CACHE_DIR or --cache-dir to a folder)"
                        )
                    break
            except OSError:
                break
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create the cache folder {folder}: {exc.strerror or exc}") from None
        if self.path.is_dir():
            raise CacheError(f"geocode cache {self.path} is a folder, not a file")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        return conn

    def _open(self, verify: bool) -> sqlite3.Connection:
        """Open the file; set a foreign or damaged one aside, fall back to read-only when unwritable."""
        self._prepare_folder()
        seen = self._file_id()
        problem = self._header_problem()
        conn: sqlite3.Connection | None = None
        salvage = False
        if problem is None:
            try:
                conn = self._connect()
                problem = self._init_schema(conn)
                if problem is None and verify:
                    problem = self._quick_check(conn)
                    salvage = problem is not None
            except sqlite3.DatabaseError as exc:
                if is_damage(exc):
                    problem, salvage = f"damaged ({exc})", True
                else:
                    if conn is not None:
                        conn.close()
                    if _is_unwritable(exc) and self.path.is_file():
                        return self._open_read_only()
                    raise CacheError(f"cannot open geocode cache {self.path}: {exc}") from None
            if problem is None:
                assert conn is not None
                self._file = self._file_id()
                return conn
        return self._start_over(problem, conn if salvage else None, seen, conn)

    def _open_read_only(self) -> sqlite3.Connection:
        """The file opened for reading only; ``immutable`` when even the WAL index cannot be made."""
        uri = self.path.resolve().as_uri()
        last: BaseException | None = None
        for mode in ("mode=ro", "mode=ro&immutable=1"):
            conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None, check_same_thread=False)
            try:
                problem = self._identity_problem(conn)
            except sqlite3.DatabaseError as exc:
                conn.close()
                last = exc
                continue
            except CacheError:
                conn.close()
                raise
            if problem is not None:
                conn.close()
                raise CacheError(f"geocode cache {self.path} is {problem} and its folder is read-only")
            self.read_only = True
            self._file = self._file_id()
            self._notice(
                f"geocode cache {self.path} is read-only: answers are read from it, nothing is written "
                "to it (new answers last for this run only)"
            )
            return conn
        raise CacheError(f"cannot read geocode cache {self.path}: {last}")

    def _header_problem(self) -> str | None:
        """A cheap check before SQLite sees the file: garbage bytes fail here, not mid-run."""
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheError(f"cannot read geocode cache {self.path}: {exc.strerror or exc}") from None
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
            if problem is None:
                slots.create(conn)
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

    @staticmethod
    def _quick_check(conn: sqlite3.Connection) -> str | None:
        """SQLite's page-level check (fast: no index-against-table comparison); None when fine."""
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if [tuple(r) for r in rows] == [("ok",)]:
            return None
        return f"damaged ({str(rows[0][0])[:120] if rows else 'no answer from quick_check'})"

    def _start_over(
        self,
        problem: str,
        damaged: sqlite3.Connection | None,
        seen: tuple[int, int] | None,
        conn: sqlite3.Connection | None,
    ) -> sqlite3.Connection:
        """Move the bad file aside and start a fresh one, keeping every row still readable from a
        ``damaged`` (but ours) file. Returns the new connection."""
        with _folder_lock(self.path.parent):
            if self._file_id() != seen:  # another process has already replaced the file
                if conn is not None:
                    conn.close()
                return self._fresh_connection()
            answers, corrections, lost = self._salvage(damaged) if damaged is not None else ([], [], 0)
            if conn is not None:
                conn.close()
            # The rows still readable go into a complete new file first, which then replaces the bad
            # one in a single rename: no other process ever opens a half-restored cache.
            rebuilt = self._rebuilt(answers, corrections) if damaged is not None else None
            target = self._set_aside(problem, rebuilt)
            fresh = self._fresh_connection()
        self._conn = fresh
        message = f"geocode cache {self.path} is {problem}; moved it to {target.name} and started a fresh one"
        if damaged is not None:
            message += (
                f", keeping the {len(answers)} answers and {len(corrections)} corrections still readable"
            )
            if lost:
                message += f" ({lost} unusable rows left behind)"
        self._notice(message)
        return fresh

    def _fresh_connection(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            again = self._init_schema(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise CacheError(f"cannot start a fresh geocode cache {self.path}: {exc}") from None
        if again is not None:  # a third party put a foreign file there in the meantime
            conn.close()
            raise CacheError(f"cannot start a fresh geocode cache {self.path}: it is {again}")
        self._file = self._file_id()
        return conn

    def _salvage(self, conn: sqlite3.Connection) -> tuple[list[CacheEntry], list[Correction], int]:
        """Every answer and correction of a damaged file that can still be read and passes the checks."""
        answers, corrections, unusable = salvage_records(conn, self.clock())
        return [_entry_of(r) for r in answers], [_correction_of(r) for r in corrections], unusable

    def _rebuilt(self, answers: list[CacheEntry], corrections: list[Correction]) -> Path:
        """A new cache file beside the old one holding ``answers`` and ``corrections``, closed (so
        it has no WAL of its own) and ready to be renamed over the old one."""
        tmp = self.path.with_name(f".{self.path.name}.rebuild-{os.getpid()}")
        for p in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            p.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            if self._init_schema(conn) is None:
                with self._transaction(conn):
                    _write_answers(conn, answers, keep_newer=True)
                    _write_corrections(conn, corrections, keep_newer=True)
        except sqlite3.Error as exc:
            conn.close()
            tmp.unlink(missing_ok=True)
            raise CacheError(f"cannot rebuild the damaged geocode cache {self.path}: {exc}") from None
        conn.close()
        return tmp

    def _set_aside(self, problem: str, replacement: Path | None = None) -> Path:
        """Keep the bad file (and its WAL/SHM companions) under a new name and put ``replacement``
        (or nothing) in its place. Hard-linking first means the cache path is never missing when
        there is a replacement; the companions must go before it arrives, or SQLite would replay
        the old WAL into the new file."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            if replacement is None:
                os.replace(self.path, target)
            else:
                try:
                    os.link(self.path, target)
                except OSError:  # no hard links here: a moment without a file is acceptable
                    os.replace(self.path, target)
        except FileNotFoundError:  # another process set it aside first
            pass
        except OSError as exc:
            if replacement is not None:
                replacement.unlink(missing_ok=True)
            raise CacheError(
                f"geocode cache {self.path} is {problem} and cannot be moved aside ({exc.strerror or exc}); "
                "move or delete it"
            ) from None
        for suffix in ("-wal", "-shm"):
            companion = self.path.with_name(self.path.name + suffix)
            try:
                os.replace(companion, target.with_name(target.name + suffix))
            except OSError:
                pass
        if replacement is not None:
            os.replace(replacement, self.path)
        return target

    def _repair(self, exc: BaseException) -> None:
        """Damage found while in use: the same repair as on opening (under the folder lock)."""
        self._conn = self._start_over(f"damaged ({exc})", self._conn, self._file, self._conn)

    def _follow_replacement(self) -> None:
        """Reopen when another process has replaced the file (set a damaged one aside), so every
        process keeps sharing one file, and with it one request budget."""
        if self.read_only or self._file_id() == self._file:
            return
        try:
            conn = self._open(verify=False)
        except CacheError:
            return
        self._conn.close()
        self._conn = conn

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
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def _use(self, op: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """Run ``op`` (in a write transaction when ``write``); damage found on the way is repaired
        once (rows still readable are kept) and ``op`` runs again on the fresh file."""
        if write and self.read_only:
            raise CacheError(f"geocode cache {self.path} is read-only; nothing was changed")
        with self._lock:
            for attempt in (0, 1):
                try:
                    if write:
                        with self._transaction() as conn:
                            return op(conn)
                    return op(self._conn)
                except sqlite3.DatabaseError as exc:
                    if attempt or self.read_only or not is_damage(exc):
                        raise
                    self._repair(exc)
        raise AssertionError("unreachable")  # pragma: no cover

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

    def _fresh(self, entry: CacheEntry | None) -> CacheEntry | None:
        if entry is None or self._expired(entry.status, entry.created, self.clock()):
            return None
        return entry

    def _read_entry(self, conn: sqlite3.Connection, key: str) -> CacheEntry | None:
        row = conn.execute(f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry_of_row(row)

    def get(self, query: str, params: Mapping[str, Any]) -> CacheEntry | None:
        """The stored answer for this exact question, or None (also when a negative answer expired).

        Never raises for a broken file: a lookup then goes on as if nothing were cached, and the
        problem is said once in :attr:`notices`.
        """
        return self.get_key(make_key(query, params))

    def get_key(self, key: str) -> CacheEntry | None:
        """:meth:`get` by a key from :func:`make_key`."""
        entry = self._memory.get(key)
        if entry is None:
            try:
                entry = self._use(lambda conn: self._read_entry(conn, key))
            except (sqlite3.Error, CacheError) as exc:
                self._notice(f"geocode cache {self.path} could not be read ({exc}); answering without it")
                return None
        return self._fresh(entry)

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

        Failures must not come here: only ``found`` and ``not_found`` are accepted. When the file
        cannot be written the answer is kept in memory for this run and the reason said once.
        """
        status = status or ("found" if answer else "not_found")
        if status not in _STATUSES:
            raise ValueError(f"only found/not_found answers are cached, not {status!r}")
        records.text(query, "query", limit=records.MAX_QUERY_CHARS)
        entry = CacheEntry(make_key(query, params), query, dict(params), status, answer, source, self.clock())
        if self.read_only:
            self._memory[entry.key] = entry
            return entry
        try:
            self._follow_replacement()
            self._upsert([entry], keep_newer=False)
        except (sqlite3.Error, CacheError) as exc:
            self._memory[entry.key] = entry
            self._notice(
                f"geocode cache {self.path} could not be written ({exc}); "
                "new answers are kept for this run only"
            )
        return entry

    def _upsert(self, entries: list[CacheEntry], *, keep_newer: bool) -> int:
        return self._use(lambda conn: _write_answers(conn, entries, keep_newer=keep_newer), write=True)

    def stats(self) -> dict[str, Any]:
        """Counts, file size and age range: what ``geoapp cache stats`` prints.

        Rows with a nonsensical time (left by an older geoapp's import) are counted as ``bad_rows``
        and kept out of the age range instead of breaking it.
        """
        now = self.clock()
        latest = now + records.FUTURE_SLACK_SECONDS
        sane = "(typeof(created) IN ('integer', 'real') AND created >= 0 AND created <= ?)"

        def read(conn: sqlite3.Connection) -> tuple[Any, ...]:
            rows, found, oldest, newest, bad = conn.execute(
                "SELECT count(*), coalesce(sum(status = 'found'), 0), "
                f"min(CASE WHEN {sane} THEN created END), max(CASE WHEN {sane} THEN created END), "
                f"coalesce(sum(NOT {sane} OR status NOT IN ('found', 'not_found')), 0) FROM answers",
                (latest, latest, latest),
            ).fetchone()
            expired = conn.execute(
                "SELECT count(*) FROM answers WHERE status = 'not_found' AND created < ?",
                (now - self.negative_ttl_seconds,),
            ).fetchone()[0]
            corrections = conn.execute("SELECT count(*) FROM corrections").fetchone()[0]
            return rows, found, oldest, newest, bad, expired, corrections

        rows, found, oldest, newest, bad, expired, corrections = self._use(read)
        size = 0
        for p in (self.path, self.path.with_name(self.path.name + "-wal")):
            try:
                size += p.stat().st_size
            except OSError:
                pass
        return {
            "path": str(self.path),
            "rows": rows,
            "found": found,
            "not_found": rows - found,
            "expired_not_found": expired,
            "bad_rows": bad,
            "corrections": corrections,
            "size_bytes": size,
            "oldest": _iso(oldest),
            "newest": _iso(newest),
            "read_only": self.read_only,
        }

    def export_jsonl(self, path: str | os.PathLike[str], problems: list[str] | None = None) -> int:
        """Write every answer that passes the import checks as one JSON object per line; atomic.

        A row that would not import again (an old bad row) is left out and named in ``problems``.
        """
        rows = self._use(
            lambda conn: conn.execute(
                "SELECT query, params, status, answer, source, created FROM answers ORDER BY created, key"
            ).fetchall()
        )
        now = self.clock()
        out = []
        for query, params, status, answer, source, created in rows:
            try:
                rec = {
                    "query": query,
                    "params": json.loads(params),
                    "status": status,
                    "answer": json.loads(answer),
                    "source": source,
                    "created": created,
                }
                out.append(records.answer_record(rec, now))
            except (TypeError, ValueError, RecursionError) as exc:
                jsonl.report(
                    problems, f"{self.path}: left out the cached answer for {str(query)[:60]!r}: {exc}"
                )
        jsonl.write_atomic(Path(path), out)
        return len(out)

    def import_jsonl(self, path: str | os.PathLike[str], problems: list[str] | None = None) -> int:
        """Merge answers from a JSONL export; for a key present on both sides the newer one wins.

        Every record is checked (:func:`records.answer_record`); a bad one is refused with a line
        ``file:line: reason`` added to ``problems`` (logged when no list is given) and the good ones
        are imported. Keys are recomputed from query and params, so files from an older key scheme
        still match. Returns how many rows were inserted or replaced.
        """
        now = self.clock()
        entries = []
        for where, rec in jsonl.read(Path(path), problems):
            try:
                entries.append(_entry_of(records.answer_record(rec, now)))
            except records.RecordError as exc:
                jsonl.report(problems, f"{where}: {exc}")
        return self._upsert(entries, keep_newer=True) if entries else 0

    def clear(self, older_than: float | None = None) -> int:
        """Delete answers (all, or those older than ``older_than`` days); corrections are kept,
        because they are the user's own work and cannot be fetched again. Returns rows deleted."""
        if older_than is not None and not (math.isfinite(older_than) and older_than >= 0):
            raise ValueError(f"older_than must be a number of days >= 0, not {older_than}")

        def delete(conn: sqlite3.Connection) -> int:
            if older_than is None:
                return conn.execute("DELETE FROM answers").rowcount
            cutoff = self.clock() - older_than * 86400.0
            return conn.execute("DELETE FROM answers WHERE created < ?", (cutoff,)).rowcount

        self._memory.clear()
        return self._use(delete, write=True)

    # -- request slots shared by every process ------------------------------------------------------

    def claim_request(
        self, host: str, key: str, owner: str, *, delay: float, lease: float, max_wait: float
    ) -> Claim | None:
        """Claim the next request slot for ``host`` to ask the question ``key``, in one write
        transaction, so that of all processes sharing this file only one gets each slot.

        In order: an answer stored meanwhile is returned instead (never ask twice); a question
        another owner is asking right now means wait for its answer; a slot still in the future means
        wait for it; otherwise the slot is taken (the next one is ``delay`` later) and ``key`` is
        marked as being asked for ``lease`` seconds. A stored slot more than ``max_wait`` ahead is a
        clock that jumped back and is ignored. None when the file cannot be written: the caller
        then spaces requests within its own process only.
        """
        if self.read_only:
            return None

        def claim(conn: sqlite3.Connection) -> Claim:
            entry = self._fresh(self._read_entry(conn, key))
            if entry is not None:
                return Claim(False, 0.0, entry)
            return slots.take(conn, host, key, owner, delay=delay, lease=lease, max_wait=max_wait)

        try:
            self._follow_replacement()
            return self._use(claim, write=True)
        except (sqlite3.Error, CacheError) as exc:
            self._notice(
                f"geocode cache {self.path} cannot hold the shared request slots ({exc}); requests are "
                "spaced within this process only"
            )
            return None

    def defer_requests(self, host: str, seconds: float, key: str, owner: str, lease: float) -> bool:
        """Push ``host``'s next slot at least ``seconds`` out for every process (a 429's Retry-After,
        a backoff pause), keeping ``owner``'s claim on ``key`` alive through the pause."""
        if self.read_only or not (math.isfinite(seconds) and seconds >= 0):
            return False

        try:
            self._use(lambda conn: slots.push_back(conn, host, seconds, key, owner, lease), write=True)
        except (sqlite3.Error, CacheError):
            return False
        return True

    def release_request(self, key: str, owner: str) -> None:
        """``owner`` is done asking ``key`` (answered or given up): others may ask it now."""
        if self.read_only:
            return
        try:
            self._use(lambda conn: slots.release(conn, key, owner), write=True)
        except (sqlite3.Error, CacheError):
            pass  # the claim expires on its own

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
        return self._use(lambda conn: _write_corrections(conn, items, keep_newer=keep_newer), write=True)

    def get_correction(
        self, article_id: str, start: int, end: int, *, field: str = "text"
    ) -> Correction | None:
        """The user's fix for this exact span, if any."""
        row = self._use(
            lambda conn: conn.execute(
                f"SELECT {_CORRECTION_COLUMNS} FROM corrections "
                'WHERE article_id = ? AND field = ? AND start = ? AND "end" = ?',
                (article_id, field, start, end),
            ).fetchone()
        )
        return None if row is None else _correction_of_row(row)

    def list_corrections(self, article_id: str | None = None) -> list[Correction]:
        """All fixes (or one article's), in article and text order; unreadable rows are skipped."""
        sql = f"SELECT {_CORRECTION_COLUMNS} FROM corrections"
        args: tuple[Any, ...] = ()
        if article_id is not None:
            sql += " WHERE article_id = ?"
            args = (article_id,)
        rows = self._use(
            lambda conn: conn.execute(sql + ' ORDER BY article_id, field, start, "end"', args).fetchall()
        )
        return [c for c in map(_correction_of_row, rows) if c is not None]

    def export_corrections(self, path: str | os.PathLike[str], problems: list[str] | None = None) -> int:
        """Write every correction that passes the import checks as JSONL, atomically; returns how many."""
        now = self.clock()
        out = []
        for c in self.list_corrections():
            try:
                out.append(records.correction_record(c.to_record(), now))
            except records.RecordError as exc:
                jsonl.report(
                    problems, f"{self.path}: left out the correction of {c.article_id[:60]!r}: {exc}"
                )
        jsonl.write_atomic(Path(path), out)
        return len(out)

    def import_corrections(self, path: str | os.PathLike[str], problems: list[str] | None = None) -> int:
        """Merge corrections from JSONL; the newer fix of the same span wins. Bad records are refused
        one by one as in :meth:`import_jsonl`."""
        now = self.clock()
        items = []
        for where, rec in jsonl.read(Path(path), problems):
            try:
                items.append(_correction_of(records.correction_record(rec, now)))
            except records.RecordError as exc:
                jsonl.report(problems, f"{where}: {exc}")
        return self._upsert_corrections(items, keep_newer=True) if items else 0


def _write_answers(conn: sqlite3.Connection, entries: list[CacheEntry], *, keep_newer: bool) -> int:
    """Insert or replace answers (inside the caller's transaction); returns rows changed."""
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
    before = conn.total_changes
    conn.executemany(sql, rows)
    return conn.total_changes - before


def _write_corrections(conn: sqlite3.Connection, items: list[Correction], *, keep_newer: bool) -> int:
    """Insert or replace corrections (inside the caller's transaction); returns rows changed."""
    sql = (
        'INSERT INTO corrections (article_id, field, start, "end", text, place, created) '
        'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(article_id, field, start, "end") DO UPDATE SET '
        "text = excluded.text, place = excluded.place, created = excluded.created"
    )
    if keep_newer:
        sql += " WHERE excluded.created > corrections.created"
    rows = [
        (c.article_id, c.field, c.start, c.end, c.text, json.dumps(c.place, ensure_ascii=False), c.created)
        for c in items
    ]
    before = conn.total_changes
    conn.executemany(sql, rows)
    return conn.total_changes - before


def _entry_of(rec: Mapping[str, Any]) -> CacheEntry:
    return CacheEntry(
        make_key(rec["query"], rec["params"]),
        rec["query"],
        rec["params"],
        rec["status"],
        rec["answer"],
        rec["source"],
        rec["created"],
    )


def _entry_of_row(row: tuple[Any, ...]) -> CacheEntry | None:
    """A stored row as an entry; None for a row that does not parse (treated as not cached)."""
    key, query, params, status, answer, source, created = row
    try:
        params, answer = json.loads(params), json.loads(answer)
    except (TypeError, ValueError, RecursionError):
        return None
    if status not in _STATUSES or not isinstance(answer, list) or not isinstance(params, dict):
        return None
    if not isinstance(created, (int, float)) or math.isnan(created):
        return None
    return CacheEntry(key, query, params, status, answer, source, created)


def _correction_of(rec: Mapping[str, Any]) -> Correction:
    return Correction(
        rec["article_id"], rec["start"], rec["end"], rec["field"], rec["text"], rec["place"], rec["created"]
    )


def _correction_of_row(row: tuple[Any, ...]) -> Correction | None:
    try:
        place = json.loads(row[5])
    except (TypeError, ValueError, RecursionError):
        return None
    if not isinstance(place, dict):
        return None
    return Correction(row[0], row[1], row[2], row[3], row[4], place, row[6])
