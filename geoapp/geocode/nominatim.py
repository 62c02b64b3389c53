"""Nominatim through geopy, with the public service's usage policy enforced in code.

Why the policy lives here and not in the docs only: the public nominatim.openstreetmap.org bans
clients that send a generic User-Agent or more than one request per second, and a ban breaks every
user behind the same address. So this module refuses to start without a real agent for the public
host, spaces requests (threads and processes included), never waits on cache hits, retries faults a
bounded number of times and then records a failure instead of a fake "nothing found".

The spacing holds across processes too (:mod:`geoapp.geocode.ratelimit`): every process sharing the
cache folder takes its turn from the same file, and checks the cache once more when its turn comes.

A self-hosted Nominatim (``GEOAPP_NOMINATIM_URL``) gets the same code path: the delay is then yours
to lower with ``GEOAPP_MIN_DELAY``.

Why answers are checked here although geopy parses them: a misbehaving server (or a proxy in
between) can send a dict, a list of strings, or a latitude of "abc" or 1e400; such results are
dropped one by one (:func:`geoapp.geocode.records.result_item`) and never reach the cache.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from geopy.adapters import AdapterHTTPError, RequestsAdapter, URLLibAdapter
from geopy.exc import (
    GeocoderParseError,
    GeocoderQueryError,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.geocoders import Nominatim

from geoapp import __version__
from geoapp.geocode import records
from geoapp.geocode.cache import GeocodeCache, make_key
from geoapp.geocode.errors import GeocodeSetupError
from geoapp.geocode.ratelimit import RequestGate, new_owner
from geoapp.model import Candidate
from geoapp.settings import Settings

log = logging.getLogger("geoapp.geocode")

PUBLIC_HOSTS = frozenset({"nominatim.openstreetmap.org"})
#: Sent to self-hosted services when no agent is configured (never accepted by the public host).
FALLBACK_USER_AGENT = f"geoapp/{__version__}"
#: Largest answer read from the server (40 results with every name and address take ~100 kB).
MAX_ANSWER_BYTES = 5_000_000
#: The public service's limit (1 request per second), kept even when GEOAPP_MIN_DELAY is set lower.
PUBLIC_MIN_DELAY_SECONDS = 1.0
#: A Retry-After longer than this is not slept through: the query is recorded as failed instead.
MAX_RETRY_AFTER_SECONDS = 600.0
#: geopy's own sample agents, refused like its default ``geopy/<version>``.
_SAMPLE_AGENTS = frozenset({"my-application", "my_app/1", "my_user_agent/1.0", "specify_your_app_name_here"})

_FEATURE_BY_TYPE = {
    "continent": "continent",
    "country": "country",
    "state": "region",
    "region": "region",
    "province": "region",
    "county": "region",
    "state_district": "region",
    "district": "region",
    "city": "city",
    "town": "city",
    "village": "city",
    "hamlet": "city",
    "municipality": "city",
    "suburb": "city",
    "borough": "city",
    "quarter": "city",
    "neighbourhood": "city",
    "city_district": "city",
    "isolated_dwelling": "city",
}
#: OSM classes that name a physical feature rather than a settlement or an administrative area.
_FEATURE_CLASSES = frozenset(
    {
        "natural",
        "waterway",
        "water",
        "leisure",
        "tourism",
        "aeroway",
        "military",
        "landuse",
        "historic",
        "mountain_pass",
        "man_made",
        "railway",
        "amenity",
        "building",
        "bridge",
        "highway",
        "harbour",
        "landmark",
    }
)


class UserAgentError(GeocodeSetupError):
    """The configured User-Agent is not allowed for the public Nominatim service."""


@dataclass(frozen=True)
class LookupResult:
    """What one lookup gave: candidates, who answered, and how it went.

    ``source``: ``cache``, ``nominatim``, ``gazetteer`` or ``none``; ``status``: ``found``,
    ``not_found``, ``error`` (failed after retries; ``error`` says why) or ``skipped`` (no network,
    online lookups switched off for this run).
    """

    candidates: list[Candidate] = field(default_factory=list)
    source: str = "none"
    status: str = "not_found"
    error: str | None = None


def is_public_host(url: str) -> bool:
    """True when ``url`` points at the OpenStreetMap Foundation's public service."""
    # A bare host ("nominatim.openstreetmap.org") must not slip past the policy for lack of a scheme.
    return (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower() in PUBLIC_HOSTS


def check_user_agent(url: str, user_agent: str) -> str:
    """The agent to send, or :class:`UserAgentError` if the public host's policy forbids it."""
    agent = (user_agent or "").strip()
    if not is_public_host(url):
        return agent or FALLBACK_USER_AGENT
    if not agent or agent.lower().startswith("geopy/") or agent in _SAMPLE_AGENTS:
        shown = agent or "(empty)"
        raise UserAgentError(
            f"the public Nominatim service ({url}) requires a User-Agent naming your application and a "
            f"contact; {shown} is not allowed. Set GEOAPP_USER_AGENT, e.g. "
            "GEOAPP_USER_AGENT='geoapp/0.1 (you@example.org)', or point GEOAPP_NOMINATIM_URL at your "
            "own Nominatim."
        )
    return agent


def request_params(
    url: str, *, lang: str, country_codes: list[str] | str | None, featuretype: str | None, limit: int
) -> dict[str, Any]:
    """Every parameter that changes Nominatim's answer, normalised: the cache key's second half."""
    if isinstance(country_codes, str):
        country_codes = [country_codes]
    codes = sorted({c.strip().lower() for c in country_codes or [] if c.strip()})
    return {
        "provider": "nominatim",
        "endpoint": url.rstrip("/"),
        "lang": lang if isinstance(lang, str) else "",
        "country_codes": codes,
        "featuretype": featuretype or "",
        "limit": int(limit),
        "details": "address,name",
    }


def feature_of(raw: dict[str, Any]) -> str:
    """Map Nominatim's addresstype / class / type onto :data:`geoapp.model.PLACE_FEATURES`."""
    osm_class = raw.get("class") or raw.get("category") or ""
    osm_type = raw.get("type") or ""
    for kind in (raw.get("addresstype"), osm_type if osm_class in ("place", "boundary") else None):
        if kind in _FEATURE_BY_TYPE:
            return _FEATURE_BY_TYPE[kind]
    if osm_class == "boundary" and osm_type == "administrative":
        rank = int(float(raw.get("place_rank") or 0))
        return "country" if rank == 4 else "region" if rank <= 12 else "city"
    if osm_class in _FEATURE_CLASSES or osm_class == "place":
        return "feature"
    return "other"


def candidate_from_raw(raw: dict[str, Any], *, lang: str = "", source: str = "nominatim") -> Candidate:
    """One Nominatim result as a :class:`Candidate`; OSM ids stay in the raw cached JSON only.

    Raises :class:`~geoapp.geocode.records.RecordError` (a ``ValueError``) for a result that is not
    a usable point: coordinates off the globe or not numbers, names that are not strings.
    """
    raw = records.result_item(raw)
    names = raw.get("namedetails") or {}
    display = raw.get("display_name") or ""
    name = (
        (names.get(f"name:{lang}") if lang else None)
        or raw.get("name")
        or names.get("name")
        or display.split(",")[0].strip()
    )
    address = raw.get("address") or {}
    country = address.get("country_code")
    osm_class = raw.get("class") or raw.get("category") or ""
    importance = float(raw.get("importance") or 0.0)
    return Candidate(
        name=name,
        lat=float(raw["lat"]),
        lon=float(raw["lon"]),
        country_code=country.upper() if country else None,
        feature=feature_of(raw),
        feature_code=f"{osm_class}:{raw.get('type') or ''}",
        admin1=address.get("state"),
        source=source,
        importance=min(1.0, max(0.0, importance)),
    )


def candidates_from_answer(answer: Any, *, lang: str = "", source: str = "nominatim") -> list[Candidate]:
    """Every usable result of a raw answer; a malformed item is skipped rather than failing all."""
    if not isinstance(answer, list):
        return []
    out = []
    for raw in answer:
        try:
            out.append(candidate_from_raw(raw, lang=lang, source=source))
        except (KeyError, TypeError, ValueError):
            log.debug("skipping malformed Nominatim result %r", raw)
    return out


def usable_results(answer: Any, limit: int) -> list[dict[str, Any]]:
    """The results of a fresh answer worth caching: each checked, at most ``limit`` of them.

    Raises ``GeocoderParseError`` when the answer is not a list, or when it had results but none
    usable: that is a misbehaving server (retried, never cached), not "nothing found".
    """
    if answer is None:
        return []
    if isinstance(answer, dict) and "error" in answer:
        raise GeocoderQueryError(str(answer["error"])[:200])
    if not isinstance(answer, list):
        raise GeocoderParseError(f"expected a list of results, got {type(answer).__name__}")
    good = []
    for item in answer[: records.MAX_ANSWER_ITEMS]:
        try:
            good.append(records.result_item(item))
        except records.RecordError as exc:
            log.debug("dropping a Nominatim result: %s", exc)
    if answer and not good:
        raise GeocoderParseError("no usable result in the answer")
    return good[:limit]


def lookup_cached(
    cache: GeocodeCache | None,
    url: str,
    query: str,
    *,
    lang: str = "en",
    country_codes: list[str] | str | None = None,
    featuretype: str | None = None,
    limit: int = 10,
) -> LookupResult | None:
    """A cached Nominatim answer without any network or policy check (offline mode reads this).

    Candidates from the cache carry ``source="cache"`` so each place records who answered.
    """
    if cache is None:
        return None
    params = request_params(url, lang=lang, country_codes=country_codes, featuretype=featuretype, limit=limit)
    entry = cache.get(query, params)
    if entry is None:
        return None
    return _from_cache(entry, lang)


def _from_cache(entry: Any, lang: str) -> LookupResult:
    return LookupResult(
        candidates_from_answer(entry.answer, lang=lang, source="cache"), "cache", entry.status
    )


def query_problem(query: Any) -> str | None:
    """Why ``query`` must not be sent or stored (None when it may): not text, empty, too long."""
    try:
        records.text(query, "the query", limit=records.MAX_QUERY_CHARS, empty=False)
    except records.RecordError as exc:
        return str(exc)
    return None


def _http_status(exc: BaseException) -> int | None:
    cause = exc.__cause__
    return cause.status_code if isinstance(cause, AdapterHTTPError) else None


class AnswerTooLarge(Exception):
    """The server sent more than :data:`MAX_ANSWER_BYTES`: a misbehaving server, not a place."""


def _bounded_body(response: Any, *args: Any, **kwargs: Any) -> Any:
    """A requests response hook that reads at most :data:`MAX_ANSWER_BYTES` of the body.

    Why a hook: requests would otherwise read a body of any size into memory before geopy sees it.
    The body read here is handed to requests as the response's content (its ``_content`` slot,
    which is where requests itself keeps a body once read).
    """
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_ANSWER_BYTES:
        response.close()
        raise AnswerTooLarge(f"answer of {int(length)} bytes, more than {MAX_ANSWER_BYTES}")
    body = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True)
    if len(body) > MAX_ANSWER_BYTES:
        response.close()
        raise AnswerTooLarge(f"answer larger than {MAX_ANSWER_BYTES} bytes")
    response._content = body
    return response


def _adapter_factory(proxies: Any, ssl_context: Any) -> Any:
    """geopy's adapter without its own hidden retries (every attempt must pass our rate limiter)
    and with a bound on the size of an answer."""
    if RequestsAdapter.is_available:
        adapter = RequestsAdapter(proxies=proxies, ssl_context=ssl_context, max_retries=0)
        adapter.session.hooks["response"].append(_bounded_body)
        return adapter
    return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)  # pragma: no cover


class _RawNominatim(Nominatim):
    """geopy's Nominatim client for the URL, headers and HTTP errors, minus its result parsing:
    the raw JSON comes back so :func:`usable_results` can check it (geopy's own parsing fails with an
    ``AttributeError`` on a result that is not an object)."""

    def _parse_json(self, places: Any, exactly_one: bool) -> Any:
        return places


class NominatimGeocoder:
    """Candidates for a name from Nominatim, through the cache, within the usage policy.

    Raises :class:`UserAgentError` at construction (before any request) when the agent is not
    allowed for the public host.
    """

    def __init__(self, settings: Settings, cache: GeocodeCache | None = None) -> None:
        self.settings = settings
        self.cache = cache
        self.url = settings.nominatim_url.rstrip("/")
        self.user_agent = check_user_agent(self.url, settings.user_agent)
        parts = urlsplit(self.url if "://" in self.url else f"https://{self.url}")
        delay = settings.min_delay_seconds
        if is_public_host(self.url):  # a lower delay is for self-hosted services only
            delay = max(delay, PUBLIC_MIN_DELAY_SECONDS)
        self._gate = RequestGate(
            parts.netloc,
            cache,
            delay=delay,
            timeout=settings.timeout_seconds,
            max_wait=MAX_RETRY_AFTER_SECONDS + delay,
        )
        self._geopy = _RawNominatim(
            domain=(parts.netloc + parts.path).rstrip("/"),
            scheme=parts.scheme or "https",
            user_agent=self.user_agent,
            timeout=settings.timeout_seconds,
            proxies={} if parts.hostname in ("127.0.0.1", "localhost", "::1") else None,
            adapter_factory=_adapter_factory,
        )
        #: Set once when the network turned out to be unreachable; later lookups are skipped.
        self.offline_notice: str | None = None
        self._answered = False  # has the service ever answered in this run?
        self._state_lock = threading.Lock()
        self.requests_made = 0

    def cached(
        self,
        query: str,
        *,
        lang: str = "en",
        country_codes: list[str] | str | None = None,
        featuretype: str | None = None,
        limit: int = 10,
    ) -> LookupResult | None:
        """The cached answer only (no network), or None when this question was never answered."""
        return lookup_cached(
            self.cache,
            self.url,
            query,
            lang=lang,
            country_codes=country_codes,
            featuretype=featuretype,
            limit=limit,
        )

    def candidates(
        self,
        query: str,
        *,
        lang: str = "en",
        country_codes: list[str] | str | None = None,
        featuretype: str | None = None,
        limit: int = 10,
    ) -> LookupResult:
        """Cache first (no waiting), else one polite request with bounded retries.

        Never raises for service faults: the result's ``status`` is ``error`` or ``skipped`` and the
        run goes on. Only ``found``/``not_found`` answers are cached. A query that is not text, is
        empty or absurdly long is an ``error`` without any request.
        """
        problem = query_problem(query)
        if problem is not None:
            return LookupResult([], "nominatim", "error", problem)
        hit = self.cached(query, lang=lang, country_codes=country_codes, featuretype=featuretype, limit=limit)
        if hit is not None:
            return hit
        if self.offline_notice is not None:
            return LookupResult([], "nominatim", "skipped", self.offline_notice)
        params = request_params(
            self.url, lang=lang, country_codes=country_codes, featuretype=featuretype, limit=limit
        )
        return self._ask(query, params)

    def _request(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """One HTTP request (its slot already taken); the checked raw JSON results."""
        with self._state_lock:
            self.requests_made += 1
        try:
            answer = self._geopy.geocode(
                query,
                exactly_one=False,
                limit=params["limit"],
                language=params["lang"] or False,
                country_codes=params["country_codes"] or None,
                featuretype=params["featuretype"] or None,
                addressdetails=True,
                namedetails=True,
            )
        except RecursionError:  # JSON nested deeper than the parser goes: not an answer
            raise GeocoderParseError("answer nested too deeply") from None
        return usable_results(answer, params["limit"])

    def _ask(self, query: str, params: dict[str, Any]) -> LookupResult:
        """Ask with bounded retries, each attempt through the gate.

        The answer is cached before the claim on the question is released, so a process waiting for
        it finds it. Pauses between attempts (backoff, Retry-After) are deferrals at the gate, so
        they hold for every process. "Skipped" means the service was never reachable in this run:
        refused or unresolvable at once, or silent (timeouts only) through every retry; then online
        lookups stop for the run instead of every later query paying the timeout again.
        """
        key = make_key(query, params)
        owner = new_owner()
        backoff = max(0.0, self.settings.retry_backoff_seconds)
        attempt = 0
        silent = True  # no HTTP response of any kind so far
        try:
            while True:
                entry = self._gate.enter(key, owner)
                if entry is not None:  # answered by another process or thread while we waited
                    return _from_cache(entry, params["lang"])
                retry_after = 0.0
                try:
                    answer = self._request(query, params)
                except GeocoderRateLimited as exc:
                    silent = False
                    retry_after = _seconds(exc.retry_after)
                    reason = f"rate limited (HTTP 429, Retry-After {exc.retry_after})"
                    if retry_after > MAX_RETRY_AFTER_SECONDS:
                        return LookupResult([], "nominatim", "error", reason)
                except GeocoderUnavailable as exc:
                    status = _http_status(exc)
                    if status is None and not self._answered:
                        return LookupResult([], "nominatim", "skipped", self._go_offline(exc))
                    silent = silent and status is None
                    reason = f"HTTP {status}" if status else f"service unavailable ({exc})"
                except GeocoderTimedOut as exc:  # also 503/504/408
                    status = _http_status(exc)
                    silent = silent and status is None
                    reason = (
                        f"HTTP {status}" if status else f"timed out after {self.settings.timeout_seconds:g} s"
                    )
                except GeocoderParseError as exc:
                    silent = False
                    reason = f"malformed answer ({str(exc)[:80]})"
                except GeocoderServiceError as exc:
                    status = _http_status(exc)
                    if status is None or not 500 <= status < 600:  # 4xx or a query error: retry is futile
                        self._answered = True
                        return LookupResult([], "nominatim", "error", f"request refused ({str(exc)[:200]})")
                    silent = False
                    reason = f"HTTP {status}"
                else:
                    self._answered = True
                    if self.cache is not None:
                        self.cache.put(query, params, answer, source="nominatim")
                    cands = candidates_from_answer(answer, lang=params["lang"])
                    return LookupResult(cands, "nominatim", "found" if answer else "not_found")
                if not silent:
                    self._answered = True  # the service is there, merely failing: keep trying later queries
                attempt += 1
                if attempt > self.settings.max_retries:
                    if silent and not self._answered:
                        return LookupResult(
                            [], "nominatim", "skipped", self._go_offline(TimeoutError(reason))
                        )
                    log.warning("Nominatim lookup of %r failed after %d attempts: %s", query, attempt, reason)
                    return LookupResult(
                        [], "nominatim", "error", f"{reason}; gave up after {attempt} attempts"
                    )
                pause = min(MAX_RETRY_AFTER_SECONDS, max(backoff * 2 ** (attempt - 1), retry_after))
                log.info("Nominatim: %s; retry %d in %.2f s", reason, attempt, pause)
                if pause > 0:
                    self._gate.defer(pause, key, owner)
        finally:
            self._gate.leave(key, owner)

    def _go_offline(self, exc: BaseException) -> str:
        """Switch online lookups off for the rest of the run and say so once."""
        with self._state_lock:
            if self.offline_notice is None:
                self.offline_notice = (
                    f"Nominatim at {self.url} is unreachable ({type(exc).__name__}); online lookups are "
                    "skipped for the rest of this run (gazetteer and cache still answer)"
                )
                log.warning(self.offline_notice)
            return self.offline_notice


def _seconds(value: Any) -> float:
    """A Retry-After as seconds: 0 for a missing or nonsensical header, never NaN or negative."""
    try:
        seconds = float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(seconds) or seconds <= 0:
        return 0.0
    return seconds  # infinity stays: longer than any pause that is slept through
