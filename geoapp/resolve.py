"""Choosing one referent per place mention, with the article as context.

There are dozens of Washingtons and Parises. A reader picks one from what else the article says: the
countries and regions it names ("Paris, Texas"; "Durant, Oklahoma"), the places near the others, cue
words ("Region Kursk" is the oblast, not the city), and, when nothing else helps, the bigger and more
important place. Each choice keeps a short ``why`` for the map's popup, so a user can see (and fix) a
wrong one.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from .features import is_curated
from .model import Candidate, PlaceMention
from .places import PlaceCandidateSpan
from .text import name_key

MAX_CANDIDATES = 25
_NEAR_KM = 300.0
_FEATURE_PRIOR = {"continent": 5.5, "country": 6.0, "region": 4.0, "feature": 3.0, "other": 1.0}
#: Prior of the curated table's seas, rivers, territories and landmarks (before their importance):
#: each is there because news names it, so it outranks a town or first-level region of the same name
#: even in an article about that town's country ("Atlantic", Iowa; "Middle East", Maryland; the Red
#: Sea state of Sudan), but not a country or a city of 100,000 named with its country in context.
_CURATED_PRIOR = 6.5


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


# Degrees of latitude that surely exceed _NEAR_KM (one degree is at least 110.5 km): a cheap test
# that skips most great-circle computations when candidates are scored against the article's places.
_NEAR_LAT_DEG = _NEAR_KM / 110.5


def _near_any(lat: float, lon: float, anchors: list[tuple[float, float]]) -> bool:
    """Whether any anchor lies within :data:`_NEAR_KM` of the point."""
    return any(
        abs(lat - la) <= _NEAR_LAT_DEG and haversine_km(lat, lon, la, lo) < _NEAR_KM for la, lo in anchors
    )


def prior(c: Candidate) -> float:
    """Importance of a candidate before any context: kind of place, population, capital status.

    Regions and countries grow only slowly with population: a city that shares its name with its
    region ("São Paulo", "Kursk") is what news means unless a cue says "region". Curated features
    (:data:`_CURATED_PRIOR`) sit between countries and towns.
    """
    if is_curated(c.geonameid):
        return _CURATED_PRIOR + c.importance
    size = math.log10(c.population + 1) if c.population else 0.0
    if c.feature == "country":
        return 6.0 + 0.3 * max(0.0, size - 6)
    if c.feature == "continent":
        return 5.5
    if c.feature == "region":
        return 4.0 + 0.25 * max(0.0, size - 5)
    if c.feature == "city" or size:
        score = size
        if c.feature_code == "PPLC":
            score += 2.0
        elif c.feature_code in ("PPLA", "PPLG"):
            score += 0.5
        return score
    return _FEATURE_PRIOR.get(c.feature, 1.0) + c.importance


@dataclass
class _Context:
    countries: Counter
    regions: set  # (country_code, admin1 name key)
    anchors: list  # (lat, lon) of unambiguous non-country places

    #: ``sum(countries.values())``, summed once: :meth:`country_share` is asked for every
    #: candidate of every mention, and the counter does not change after :func:`_build_context`.
    total: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.total = sum(self.countries.values())

    def country_share(self, cc: str | None) -> float:
        total = self.total
        return self.countries[cc] / total if cc and total else 0.0


def _region_key(cc: str | None, name: str | None) -> tuple[str | None, str]:
    return cc, name_key(name or "")


def _build_context(spans: list[PlaceCandidateSpan]) -> _Context:
    countries: Counter = Counter()
    regions: set = set()
    anchors: list = []
    for span in spans:
        if not span.candidates:
            continue  # a tagger's span the gazetteer does not know: no evidence of a country
        best = max(span.candidates[:MAX_CANDIDATES], key=prior)
        unambiguous = len({c.country_code for c in span.candidates}) == 1
        if best.feature == "country":
            countries[best.country_code] += 2
        elif best.feature == "region" and (unambiguous or span.cue == "region"):
            countries[best.country_code] += 1
            regions.add(_region_key(best.country_code, best.name))
        elif unambiguous:
            countries[best.country_code] += 1
            if best.feature == "city":
                anchors.append((best.lat, best.lon))
    return _Context(countries, regions, anchors)


def _adjacent_region(spans: list[PlaceCandidateSpan], index: int, text_of) -> PlaceCandidateSpan | None:
    """The mention right after "City, " (``Paris, Texas``; ``Durant, Oklahoma``; ``Leticia, Kolumbien``)."""
    if index + 1 >= len(spans):
        return None
    here, nxt = spans[index].mention, spans[index + 1].mention
    if here.field != nxt.field:
        return None
    gap = text_of(here.field)[here.end : nxt.start]
    return spans[index + 1] if gap.strip() == "," else None


def resolve(spans: list[PlaceCandidateSpan], *, text: str = "", title: str = "") -> list[PlaceMention]:
    """One :class:`PlaceMention` per span, each with its chosen place and why."""
    context = _build_context(spans)

    def text_of(field_name: str) -> str:
        return title if field_name == "title" else text

    chosen: dict[tuple[str, str | None], tuple[Candidate | None, str]] = {}
    out: list[PlaceMention] = []
    for index, span in enumerate(spans):
        memo_key = (span.key, span.cue)
        adjacent = _adjacent_region(spans, index, text_of) if text else None
        if memo_key in chosen and adjacent is None:
            cand, why = chosen[memo_key]
        else:
            cand, why = _choose(span, context, adjacent, span.name_flags)
            chosen.setdefault(memo_key, (cand, why))
        out.append(PlaceMention(span.mention, cand.to_place(why=why) if cand else None))
    return out


def _choose(span: PlaceCandidateSpan, ctx: _Context, adjacent: PlaceCandidateSpan | None, flags: dict):
    cands = _dedupe(span.candidates)[:MAX_CANDIDATES]
    if not cands:
        # Found by the German tagger ("Lehrter Bahnhof", a street): a place without coordinates
        # here, left for the online geocoder chain when it is enabled.
        return None, "not in the gazetteer"
    if span.cue == "region" and not any(c.feature == "region" for c in cands):
        # "Lamar County" is not the town of Lamar: leave it for a geocoder that knows counties.
        return None, "region cue, but no region of that name in the gazetteer"
    adjacent_targets: set = set()
    if adjacent is not None:
        for c in adjacent.candidates:
            if c.feature == "country":
                adjacent_targets.add((c.country_code, None))
            elif c.feature == "region":
                adjacent_targets.add(_region_key(c.country_code, c.name))
    scored = []
    for position, c in enumerate(cands):  # cands is deduplicated: its index is the position
        s = prior(c)
        reasons = []
        share = ctx.country_share(c.country_code)
        if share and c.feature != "country":
            s += 3.0 * share
            reasons.append(f"{c.country_code} named in the article")
        own_name = bool(flags.get(c.geonameid or -1, frozenset()) & {"main", "en", "de", "abbr"})
        if own_name:
            s += 1.5  # the text used this place's own name, not a loose alternate
        elif c.feature not in ("country", "continent"):
            # A loose alternate of a town is weak evidence; a country's alternates survive the
            # gazetteer's filters only when they are real ("America", "Holland"), and a country
            # so called outranks the village whose main name it is.
            s -= 1.5
        if own_name and c.feature in ("country", "continent"):
            # A country called by its own name is the country, whatever country the article is
            # about: the context bonus must not let Peru, Maine outrank Peru.
            s += 3.0
        own_region = _region_key(c.country_code, c.admin1) if c.admin1 else None
        if own_region in ctx.regions and own_region[1] != span.key:
            s += 2.5
            reasons.append(f"in {c.admin1}, named in the article")
        if adjacent_targets and (
            (c.country_code, None) in adjacent_targets
            or _region_key(c.country_code, c.admin1) in adjacent_targets
        ):
            s += 6.0
            reasons.append(f"followed by '{adjacent.mention.text}'")
        if span.cue == "region" and c.feature == "region":
            s += 8.0  # "Region Kursk" says region in so many words
            reasons.append("region cue")
        elif span.cue == "city" and c.feature == "city":
            s += 3.0
            reasons.append("city cue")
        if ctx.anchors and c.feature in ("city", "feature", "other"):
            if _near_any(c.lat, c.lon, ctx.anchors[:50]):
                s += 1.0
                reasons.append("near other places in the article")
        scored.append((s, -position, c, reasons))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    _, _, best, reasons = scored[0]
    if len(cands) == 1:
        why = "only candidate"
    else:
        detail = "; ".join(reasons) if reasons else "largest or most important"
        why = f"{len(cands)} candidates: {detail}"
    if best.population:
        why += f" (pop. {best.population:,})"
    return best, why


def _dedupe(cands) -> list[Candidate]:
    seen = set()
    out = []
    for c in cands:
        ident = c.geonameid or (c.name, round(c.lat, 3), round(c.lon, 3))
        if ident not in seen:
            seen.add(ident)
            out.append(c)
    return out
