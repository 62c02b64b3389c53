"""The geocoding chain: offline gazetteer → cached Nominatim answers → Nominatim (when online).

Why this order: the gazetteer is local, instant and needs no attribution, so it answers whatever it
knows; the cache replays earlier Nominatim answers without any network (also in offline mode, so a
colleague's cache file keeps working on a plane); Nominatim is asked only for what neither knows and
only when ``settings.geocoder == "online"``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from geoapp.geocode.cache import CACHE_FILENAME, GeocodeCache
from geoapp.geocode.nominatim import LookupResult, NominatimGeocoder, lookup_cached, query_problem
from geoapp.model import Candidate, Place
from geoapp.settings import Settings
from geoapp.text import name_key

#: Shown on maps whenever a Nominatim-derived place is drawn (ODbL attribution).
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

#: Nominatim's ``featuretype`` values and the gazetteer features each admits.
_FEATURETYPE_FEATURES = {
    "country": {"country"},
    "state": {"region"},
    "city": {"city"},
    "settlement": {"city", "region", "country"},
}


class CandidateSource(Protocol):
    """What the chain needs of a gazetteer: candidates for a :func:`geoapp.text.name_key`."""

    def candidates(self, key: str) -> list[Candidate]: ...


def _filter(
    cands: Iterable[Candidate], country_codes: list[str] | str | None, featuretype: str | None
) -> list[Candidate]:
    """Apply the same restrictions Nominatim would, so both sources answer the same question."""
    if isinstance(country_codes, str):
        country_codes = [country_codes]
    codes = {c.upper() for c in country_codes or []}
    features = _FEATURETYPE_FEATURES.get(featuretype or "")
    return [
        c
        for c in cands
        if (not codes or (c.country_code or "").upper() in codes)
        and (features is None or c.feature in features)
    ]


class GeocoderChain:
    """One entry point for place lookups, used by the pipeline, the CLI and the app alike.

    ``cache`` defaults to the file in ``settings.cache_dir``: opened (created if need be) in online
    mode, and in offline mode only when it already exists, so offline runs create no files.
    Raises a :class:`~geoapp.geocode.errors.GeocodeSetupError` up front in online mode when online
    lookups cannot run (a User-Agent the public service forbids: ``UserAgentError``; a cache folder
    that cannot exist: ``CacheError``), rather than failing on the first unknown place mid-run.
    Online without a cache is refused rather than allowed, because the usage policy requires
    caching: every run would ask every question again.

    ``skipped_lookups`` and ``failed_lookups`` count the online lookups that did not happen (the
    service was unreachable) or failed after retries, so a front end can exit non-zero when the
    user asked for online lookups and did not get them (:meth:`problem`).
    """

    def __init__(
        self, gazetteer: CandidateSource, settings: Settings, cache: GeocodeCache | None = None
    ) -> None:
        self.gazetteer = gazetteer
        self.settings = settings
        self.online = settings.geocoder == "online"
        if cache is None:
            path = Path(settings.cache_dir) / CACHE_FILENAME
            if self.online or path.exists():
                cache = GeocodeCache.from_settings(settings)
        self.cache = cache
        #: Only built online: offline mode reads the cache directly and needs no agent.
        self.nominatim = NominatimGeocoder(settings, cache) if self.online else None
        #: True once any answer from Nominatim (fresh or cached) was returned: maps must then show
        #: :data:`OSM_ATTRIBUTION`.
        self.attribution_needed = False
        #: Online lookups not made because the service was unreachable (status ``skipped``).
        self.skipped_lookups = 0
        #: Online lookups that failed after their retries (status ``error``).
        self.failed_lookups = 0
        self._count_lock = threading.Lock()

    @property
    def notices(self) -> list[str]:
        """One-line messages for the user (cache set aside, online lookups skipped)."""
        out = list(self.cache.notices) if self.cache is not None else []
        if self.nominatim is not None and self.nominatim.offline_notice:
            out.append(self.nominatim.offline_notice)
        return out

    def lookup(
        self,
        query: str,
        *,
        lang: str = "en",
        country_codes: list[str] | str | None = None,
        featuretype: str | None = None,
        limit: int = 10,
    ) -> LookupResult:
        """Candidates for ``query`` from the first source that has any.

        A Nominatim failure or a skipped online lookup is passed on (status ``error``/``skipped``)
        so callers can report it; it is never turned into "not found".
        """
        problem = query_problem(query)
        if problem is not None:  # e.g. bytes that are not text: no gazetteer, cache or service can answer
            return LookupResult([], "none", "error", problem)
        found = _filter(self.gazetteer.candidates(name_key(query)), country_codes, featuretype)
        if found:
            return LookupResult(found, "gazetteer", "found")
        if self.nominatim is not None:
            result = self.nominatim.candidates(
                query, lang=lang, country_codes=country_codes, featuretype=featuretype, limit=limit
            )
        else:
            result = lookup_cached(
                self.cache,
                self.settings.nominatim_url,
                query,
                lang=lang,
                country_codes=country_codes,
                featuretype=featuretype,
                limit=limit,
            ) or LookupResult([], "gazetteer", "not_found")
        if result.candidates and result.source in ("cache", "nominatim"):
            self.attribution_needed = True
        if result.source == "nominatim" and result.status in ("skipped", "error"):
            with self._count_lock:
                if result.status == "skipped":
                    self.skipped_lookups += 1
                else:
                    self.failed_lookups += 1
        return result

    def problem(self) -> str | None:
        """One line saying which online lookups did not happen, or None when all did.

        For front ends: print it and exit non-zero when it is not None and online lookups were asked
        for explicitly.
        """
        parts = []
        if self.skipped_lookups:
            url = self.nominatim.url if self.nominatim is not None else self.settings.nominatim_url
            parts.append(f"Nominatim at {url} was unreachable: {self.skipped_lookups} online lookups skipped")
        if self.failed_lookups:
            parts.append(f"{self.failed_lookups} online lookups failed")
        return "; ".join(parts) or None


def choose_online(candidates: list[Candidate], countries: list[str]) -> Place | None:
    """The online answer to keep for an unresolved mention: the service's ranking, but inside the
    countries the article names when any candidate is (Nominatim ranks by global importance)."""
    if not candidates:
        return None
    inside = [c for c in candidates if c.country_code in countries]
    best = (inside or candidates)[0]
    why = f"{best.source}: first of {len(candidates)} answers"
    if inside:
        why += ", in a country the article names"
    return best.to_place(why=why)
