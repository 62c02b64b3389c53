"""Checks for geocoding data that comes from outside this process: JSONL imports, rows read back from
an old or damaged cache file, and answers from a Nominatim server that may misbehave.

Why one module: the three sources fail in the same ways (a list where a string belongs, a latitude
of "abc" or 1e400, a timestamp of infinity that then wins every "newer wins" merge and breaks
``cache stats``), so one set of rules decides what may enter the cache. Every check raises
:class:`RecordError` with a short reason; callers add the file and line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Longest query stored or sent: Nominatim rejects far shorter ones, so longer is never a place name.
MAX_QUERY_CHARS = 1000
#: Most results one answer may hold (Nominatim returns at most 40).
MAX_ANSWER_ITEMS = 100
#: Longest string in a result or a correction (display names run to a few hundred characters).
MAX_TEXT_CHARS = 10_000
#: Largest mention offset accepted in a correction (a 100 MB article is already absurd).
MAX_OFFSET = 100_000_000
#: How far in the future a ``created`` time may lie (clock skew between machines), in seconds.
FUTURE_SLACK_SECONDS = 86_400.0
STATUSES = ("found", "not_found")
CORRECTION_FIELDS = ("text", "title")

ANSWER_KEYS = frozenset({"query", "params", "status", "answer", "source", "created"})
PARAM_KEYS = frozenset({"provider", "endpoint", "lang", "country_codes", "featuretype", "limit", "details"})
CORRECTION_KEYS = frozenset({"article_id", "field", "start", "end", "text", "place", "created"})
#: Result fields whose type the candidate mapping relies on.
_RESULT_TEXT_KEYS = ("display_name", "name", "class", "category", "type", "addresstype")
_RESULT_MAP_KEYS = ("address", "namedetails")


class RecordError(ValueError):
    """One record (or one result of an answer) is not acceptable; the message says why."""


def text(value: Any, what: str, *, limit: int = MAX_TEXT_CHARS, empty: bool = True) -> str:
    """A string of sane length that can be stored as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        raise RecordError(f"{what} must be a string, not {type(value).__name__}")
    if len(value) > limit:
        raise RecordError(f"{what} is longer than {limit} characters")
    if not empty and not value.strip():
        raise RecordError(f"{what} is empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RecordError(f"{what} is not valid text") from exc
    return value


def number(value: Any, what: str, lo: float, hi: float, *, strings: bool = False) -> float:
    """A finite number within ``[lo, hi]``; numeric strings only where the format has them."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str) if strings else (int, float)):
        raise RecordError(f"{what} must be a number, not {type(value).__name__}")
    if isinstance(value, str):
        if len(value) > 40:
            raise RecordError(f"{what} is not a number")
        try:
            value = float(value)
        except ValueError:
            raise RecordError(f"{what} {value!r} is not a number") from None
    try:
        result = float(value)
    except OverflowError:  # an int too large for a float
        raise RecordError(f"{what} is out of range") from None
    if not math.isfinite(result):
        raise RecordError(f"{what} must be finite, not {result}")
    if not lo <= result <= hi:
        raise RecordError(f"{what} {result:g} is outside {lo:g}..{hi:g}")
    return result


def integer(value: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{what} must be an integer, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise RecordError(f"{what} {value} is outside {lo}..{hi}")
    return value


def created_time(value: Any, now: float) -> float:
    """A Unix time no later than ``now`` plus a day: a future or infinite time would win every merge."""
    return number(value, "created", 0.0, now + FUTURE_SLACK_SECONDS)


def _unknown(rec: Mapping[str, Any], known: frozenset[str], what: str) -> None:
    extra = sorted(str(k) for k in rec if k not in known)
    if extra:
        raise RecordError(f"unknown {what} field(s): {', '.join(extra)[:200]}")


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordError(f"{what} must be an object, not {type(value).__name__}")
    return value


def result_item(item: Any) -> dict[str, Any]:
    """One Nominatim result, checked so that mapping it to a candidate cannot fail or mislead.

    The item is returned unchanged (OSM ids and all) when acceptable; a result with coordinates off
    the globe, or with a list where a name belongs, is refused rather than repaired.
    """
    item = _mapping(item, "result")
    if "lat" not in item or "lon" not in item:
        raise RecordError("result has no lat/lon")
    number(item["lat"], "lat", -90.0, 90.0, strings=True)
    number(item["lon"], "lon", -180.0, 180.0, strings=True)
    for key in _RESULT_TEXT_KEYS:
        if item.get(key) is not None:
            text(item[key], key)
    for key in _RESULT_MAP_KEYS:
        if item.get(key) is not None:
            for k, v in _mapping(item[key], key).items():
                text(k, f"{key} key", limit=200)
                if v is not None:
                    text(v, f"{key}.{k}")
    if item.get("importance") is not None:
        number(item["importance"], "importance", -1e6, 1e6, strings=True)
    if item.get("place_rank") is not None:
        number(item["place_rank"], "place_rank", 0, 100, strings=True)
    return dict(item)


def answer(value: Any) -> list[dict[str, Any]]:
    """A whole answer: a list of acceptable results (an import or a stored row, all or nothing)."""
    if not isinstance(value, list):
        raise RecordError(f"answer must be a list, not {type(value).__name__}")
    if len(value) > MAX_ANSWER_ITEMS:
        raise RecordError(f"answer has more than {MAX_ANSWER_ITEMS} results")
    out = []
    for n, item in enumerate(value, 1):
        try:
            out.append(result_item(item))
        except RecordError as exc:
            raise RecordError(f"answer result {n}: {exc}") from None
    return out


def params(value: Any) -> dict[str, Any]:
    """The request parameters of a cached answer (the second half of its key)."""
    value = _mapping(value, "params")
    _unknown(value, PARAM_KEYS, "params")
    for key in ("provider", "endpoint", "lang", "featuretype", "details"):
        if key in value:
            text(value[key], f"params.{key}", limit=2000)
    if "limit" in value:
        integer(value["limit"], "params.limit", 1, MAX_ANSWER_ITEMS)
    if "country_codes" in value:
        codes = value["country_codes"]
        if not isinstance(codes, list) or len(codes) > 300:
            raise RecordError("params.country_codes must be a list of codes")
        for code in codes:
            text(code, "params.country_codes item", limit=10)
    return dict(value)


def answer_record(rec: Any, now: float) -> dict[str, Any]:
    """One line of ``cache export``, checked: ``query, params, status, answer, source, created``."""
    rec = _mapping(rec, "record")
    _unknown(rec, ANSWER_KEYS, "record")
    if "query" not in rec:
        raise RecordError("record has no query")
    query = text(rec["query"], "query", limit=MAX_QUERY_CHARS, empty=False)
    status = rec.get("status")
    if status not in STATUSES:
        raise RecordError(f"status must be one of {', '.join(STATUSES)}, not {str(status)[:40]!r}")
    results = answer(rec.get("answer", []))
    if (status == "found") != bool(results):
        raise RecordError(f"status {status} does not match an answer of {len(results)} results")
    return {
        "query": query,
        "params": params(rec.get("params", {})),
        "status": status,
        "answer": results,
        "source": text(rec.get("source", "nominatim"), "source", limit=100, empty=False),
        "created": created_time(rec.get("created", now), now),
    }


def place(value: Any) -> dict[str, Any]:
    """The place of a correction: a drop (``{"action": "drop"}``) or the place the user chose.

    Fields the pipeline reads are checked (coordinates on the globe, names as text); other fields
    are the app's own notes and pass, within the line-size limit of the file.
    """
    value = _mapping(value, "place")
    action = value.get("action", "place")
    if action not in ("place", "drop"):
        raise RecordError(f"place.action must be place or drop, not {str(action)[:40]!r}")
    if ("lat" in value) != ("lon" in value):
        raise RecordError("place needs both lat and lon, or neither")
    if "lat" in value:
        number(value["lat"], "place.lat", -90.0, 90.0)
        number(value["lon"], "place.lon", -180.0, 180.0)
    if "name" in value:
        text(value["name"], "place.name", limit=1000, empty=False)
    for key in ("country_code", "feature", "admin1", "was"):
        if value.get(key) is not None:
            text(value[key], f"place.{key}", limit=1000)
    if value.get("geonameid") is not None:
        integer(value["geonameid"], "place.geonameid", 0, 2**53)
    return dict(value)


def correction_record(rec: Any, now: float) -> dict[str, Any]:
    """One line of ``cache export --corrections``, checked."""
    rec = _mapping(rec, "record")
    _unknown(rec, CORRECTION_KEYS, "record")
    for key in ("article_id", "start", "end", "place"):
        if key not in rec:
            raise RecordError(f"record has no {key}")
    start = integer(rec["start"], "start", 0, MAX_OFFSET)
    end = integer(rec["end"], "end", 0, MAX_OFFSET)
    if end <= start:
        raise RecordError(f"end {end} is not after start {start}")
    field = rec.get("field", "text")
    if field not in CORRECTION_FIELDS:
        raise RecordError(f"field must be text or title, not {str(field)[:40]!r}")
    return {
        "article_id": text(rec["article_id"], "article_id", limit=1000, empty=False),
        "field": field,
        "start": start,
        "end": end,
        "text": text(rec.get("text", ""), "text"),
        "place": place(rec["place"]),
        "created": created_time(rec.get("created", now), now),
    }
