"""A user's fixes to place mentions, applied to every later run (app and CLI alike).

Why here and not in the app: a fix made in the Streamlit app must change what ``geoapp extract``
and ``geoapp map`` write too, so it is applied inside :meth:`geoapp.pipeline.Geoparser.parse`,
after resolution. The fixes live in the ``corrections`` table of the geocode cache database
(:class:`geoapp.geocode.cache.GeocodeCache`), keyed on article id, field and the mention's offsets,
so ``geoapp cache export --corrections`` / ``import --corrections`` carry them between machines.

Each stored ``place`` is a small JSON object:

* ``{"action": "place", "name", "lat", "lon", "country_code", "feature", "geonameid", "admin1"}``:
  the mention means this place (another gazetteer candidate, or coordinates the user typed);
* ``{"action": "drop"}``: the mention is not a place at all.

A corrected place always has ``source="user"``. A fix whose text no longer matches the article at
its offsets (the article was edited) is ignored rather than applied to the wrong words.

Reading never creates a file: the pipeline's default store (:class:`ReadOnlyCorrections`) opens
the database read-only, and only when it exists; writing goes through ``GeocodeCache`` itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from .geocode.cache import CACHE_FILENAME, Correction, GeocodeCache
from .model import PLACE_FEATURES, Article, Candidate, Mention, Place, PlaceMention

log = logging.getLogger("geoapp.corrections")

USER_SOURCE = "user"
DROP = "drop"
PLACE = "place"


class CorrectionStore(Protocol):
    """Anything that lists fixes for an article: ``GeocodeCache`` or :class:`ReadOnlyCorrections`."""

    def list_corrections(self, article_id: str | None = None) -> list[Correction]: ...


class ReadOnlyCorrections:
    """The corrections table of a cache database, opened read-only and only once the file exists.

    Why not ``GeocodeCache``: opening that creates the folder and the database and switches it to
    WAL; a plain ``geoapp extract`` on a fresh checkout must leave no file behind. The file is
    looked for on every call, so a store built before the app saved its first fix still sees it.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.notices: list[str] = []

    @classmethod
    def from_settings(cls, settings: Any) -> ReadOnlyCorrections:
        """The store for ``settings.cache_dir`` (the same file ``GeocodeCache.from_settings`` uses)."""
        return cls(Path(settings.cache_dir) / CACHE_FILENAME)

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None:
            if not self.path.is_file():
                return None
            uri = self.path.resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA busy_timeout = 30000")
            self._conn = conn
        return self._conn

    def list_corrections(self, article_id: str | None = None) -> list[Correction]:
        """The fixes (of one article, or all); none when the file is absent or not readable."""
        sql = 'SELECT article_id, start, "end", field, text, place, created FROM corrections'
        args: tuple[Any, ...] = ()
        if article_id is not None:
            sql += " WHERE article_id = ?"
            args = (article_id,)
        with self._lock:
            try:
                conn = self._connection()
                if conn is None:
                    return []
                rows = conn.execute(sql + ' ORDER BY article_id, field, start, "end"', args).fetchall()
            except sqlite3.Error as exc:  # a foreign file, a file without the table yet, …
                message = f"corrections in {self.path} not read: {exc}"
                if message not in self.notices:
                    log.warning(message)
                    self.notices.append(message)
                self._close()
                return []
        out = []
        for row in rows:
            try:
                place = json.loads(row[5])
            except (TypeError, ValueError):
                continue
            out.append(Correction(row[0], row[1], row[2], row[3], row[4], place, row[6]))
        return out

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Release the connection (the file is never touched)."""
        with self._lock:
            self._close()


def default_store(settings: Any) -> ReadOnlyCorrections:
    """The store the CLI and the app read by default: the cache dir's database, read-only."""
    return ReadOnlyCorrections.from_settings(settings)


# -- records ----------------------------------------------------------------------------------------


def drop_record() -> dict[str, Any]:
    """The stored form of "this mention is not a place"."""
    return {"action": DROP}


def place_record(
    name: str,
    lat: float,
    lon: float,
    *,
    country_code: str | None = None,
    feature: str = "other",
    geonameid: int | None = None,
    admin1: str | None = None,
    was: str | None = None,
) -> dict[str, Any]:
    """The stored form of "this mention means this place"; validates what a user typed.

    ``was`` keeps the name the pipeline had chosen, only so lists of fixes can say what changed.
    """
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinates out of range: {lat}, {lon}")
    if not name.strip():
        raise ValueError("a corrected place needs a name")
    if feature not in PLACE_FEATURES:
        raise ValueError(f"feature must be one of {', '.join(PLACE_FEATURES)}, not {feature!r}")
    record: dict[str, Any] = {
        "action": PLACE,
        "name": name.strip(),
        "lat": lat,
        "lon": lon,
        "country_code": (country_code or "").strip().upper() or None,
        "feature": feature,
        "geonameid": int(geonameid) if geonameid else None,
        "admin1": admin1 or None,
    }
    if was:
        record["was"] = was
    return record


def candidate_record(candidate: Candidate, *, was: str | None = None) -> dict[str, Any]:
    """The stored form of a re-assignment to another gazetteer candidate."""
    return place_record(
        candidate.name,
        candidate.lat,
        candidate.lon,
        country_code=candidate.country_code,
        feature=candidate.feature,
        geonameid=candidate.geonameid,
        admin1=candidate.admin1,
        was=was,
    )


def record_place(record: Mapping[str, Any]) -> Place | None:
    """The :class:`Place` a stored record stands for (``source="user"``); None for a drop or junk."""
    if record.get("action", PLACE) != PLACE:
        return None
    try:
        lat, lon = float(record["lat"]), float(record["lon"])
        name = str(record["name"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    feature = record.get("feature") or "other"
    geonameid = record.get("geonameid")
    return Place(
        name=name,
        lat=lat,
        lon=lon,
        country_code=record.get("country_code") or None,
        feature=feature if feature in PLACE_FEATURES else "other",
        geonameid=int(geonameid) if geonameid else None,
        source=USER_SOURCE,
        why="corrected by the user" + (f" (was {record['was']})" if record.get("was") else ""),
        admin1=record.get("admin1") or None,
    )


def is_drop(record: Mapping[str, Any]) -> bool:
    return record.get("action") == DROP


# -- applying ---------------------------------------------------------------------------------------


def apply_corrections(
    article: Article, places: Iterable[PlaceMention], corrections: Iterable[Correction]
) -> list[PlaceMention]:
    """The article's place mentions with the user's fixes applied.

    A fix replaces the place of the mention at exactly its (field, start, end), or removes the
    mention (drop). A fix for a span the pipeline did not find (it was filtered, or the extractor
    changed) is added as a mention of its own, since the user said it is a place. A fix whose text
    does not match the article at its offsets is skipped: the article changed since the fix.
    Mentions stay in (field, offset) order, titles first as the pipeline orders them.
    """
    out = list(places)
    fixes: dict[tuple[str, int, int], Correction] = {}
    for corr in corrections:
        if corr.article_id != article.id:
            continue
        source = article.title if corr.field == "title" else article.text
        if source[corr.start : corr.end] != corr.text:
            log.info(
                "correction %s %s:%d-%d no longer matches the text; skipped",
                corr.article_id,
                corr.field,
                corr.start,
                corr.end,
            )
            continue
        fixes[(corr.field, corr.start, corr.end)] = corr
    if not fixes:
        return out
    result: list[PlaceMention] = []
    for pm in out:
        key = (pm.mention.field, pm.mention.start, pm.mention.end)
        corr = fixes.pop(key, None)
        if corr is None:
            result.append(pm)
            continue
        if is_drop(corr.place):
            continue
        place = record_place(corr.place)
        result.append(PlaceMention(pm.mention, place, pm.flags) if place is not None else pm)
    added = False
    for (field, start, end), corr in fixes.items():
        place = record_place(corr.place)
        if place is None:
            continue
        result.append(PlaceMention(Mention(start, end, corr.text, "place", field), place))
        added = True
    if added:
        order = {"title": 0, "text": 1}
        result.sort(key=lambda pm: (order.get(pm.mention.field, 2), pm.mention.start, pm.mention.end))
    return result


def save_correction(
    cache_dir: str | Path, mention: Mention, article_id: str, record: Mapping[str, Any]
) -> Correction:
    """Store one fix in the cache database of ``cache_dir`` (created if needed: the user asked)."""
    with GeocodeCache(Path(cache_dir) / CACHE_FILENAME) as cache:
        return cache.put_correction(
            article_id, mention.start, mention.end, mention.text, dict(record), field=mention.field
        )


def corrections_fingerprint(store: CorrectionStore | None, article_ids: Iterable[str]) -> str:
    """A short string that changes whenever a fix of these articles does: part of the app's cache key."""
    if store is None:
        return ""
    wanted = set(article_ids)
    digest = hashlib.sha1()
    for c in store.list_corrections():  # one query, whatever the number of articles
        if c.article_id in wanted:
            digest.update(
                json.dumps(
                    [c.article_id, c.field, c.start, c.end, c.text, c.place, c.created],
                    sort_keys=True,
                    ensure_ascii=False,
                ).encode("utf-8")
            )
    return digest.hexdigest()[:16]
