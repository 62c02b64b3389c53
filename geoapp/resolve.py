"""Choosing one referent per place mention, with the article as context, and saying how sure it is.

There are dozens of Washingtons and Parises. A reader picks one from what the article says, in this
order of strength:

1. **Cues beside the name**: "der US-Bundesstaat Florida" is the state, "the Indian state of Kerala"
   a region of India, "Region Kursk" the oblast, "Paris, Texas" the town in Texas, "Goma im Osten
   des Landes" a place in the country the article is about (:mod:`geoapp.placecues`); a town the
   gazetteer lacks in its qualifier ("Rockingham, Northamptonshire") is placed at the qualifier,
   for review.
2. **The article's geography**: the countries it names and the places it names without doubt,
   weighted by how often they come up and how close they stand to this mention, in two rounds: the
   second also counts what the first chose for ambiguous names, so one clear "Kinshasa" helps decide
   "Kongo", and each name's own mentions are left out of the evidence for itself.
3. **One referent per name** in an article, unless cues differ: "der US-Bundesstaat Florida …
   Florida hat 20,6 Millionen Einwohner" is the state both times.
4. **The prior**, when nothing else helps: the bigger and more important place, a country or a
   region by its own name.

Each choice keeps a short ``why`` for the map's popup, a ``confidence`` (0–1, from how far the
choice stands above the best candidate elsewhere, see :func:`confidence`) and up to three
``alternatives``; mentions below :data:`~geoapp.model.REVIEW_BELOW`, or unresolved, get the
:data:`~geoapp.model.NEEDS_REVIEW` flag (:func:`review_flags`).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice, repeat
from operator import itemgetter, mul

from .document import Doc
from .features import is_curated
from .model import NEEDS_REVIEW, REVIEW_BELOW, Candidate, PlaceMention
from .placecues import NO_CUE, Cue, CueReader, acronym_source, riverside_cue
from .places import NAME_JOINERS, PlaceCandidateSpan
from .settings import DATA_DIR
from .text import name_key

MAX_CANDIDATES = 25
#: Runner-up candidates shown with a choice (popup, review list).
MAX_ALTERNATIVES = 3
_NEAR_KM = 300.0
#: Characters on each side of a mention whose places count as its near context (about a paragraph).
_NEAR_CHARS = 300
#: A runner-up closer than this to the choice is no real alternative for a map (the city and the
#: region of Kursk): it does not lower the confidence. The evaluation's accuracy radius.
_SAME_PLACE_KM = 161.0
_FEATURE_PRIOR = {"continent": 5.5, "country": 6.0, "region": 4.0, "feature": 3.0, "other": 1.0}
#: Prior of the curated table's seas, rivers, territories and landmarks (before their importance):
#: each is there because news names it, so it outranks a town or first-level region of the same name
#: even in an article about that town's country, near and far ("Atlantic", Iowa; "Middle East",
#: Maryland; the Red Sea state of Sudan), but not a country or a city of 100,000 named with its
#: country in context. (6.5 plus the near-context weight :data:`_W_NEAR`.)
_CURATED_PRIOR = 8.0
#: ... except a curated region (table type ``region``, not a territory) inside one country ("West
#: Coast" of the United States, "Donbas"): ranked like a country, so that an article about another
#: country's region of the same name (New Zealand's West Coast) takes that one, while a town of the
#: name elsewhere still loses.
_CURATED_REGION_PRIOR = 6.0

# Weights of the evidence (score points; a factor of ten in population is one point).
#: The article's share of a country, and the share among the places near the mention.
_W_SHARE = 3.0
_W_NEAR = 1.5
#: A candidate inside a first-level region the article names ("Springfield" in an article naming
#: Illinois). Only :data:`_W_OWN_REGION_SMALL` for a place a tenth or less the size of the largest
#: city of its name: an article that names Ohio once ("Columbus, Ohio") is not about a village
#: called Louisville there, beside the city of 600,000 in Kentucky.
_W_OWN_REGION = 2.5
_W_OWN_REGION_SMALL = 0.5
_SMALL_NAMESAKE = 0.1
#: A country's weight in the article per mention by its own name, per adjective ("Russian").
_COUNTRY_WEIGHT = 2.0
_DEMONYM_WEIGHT = 0.5
#: Cue bonuses by kind of place, and for the country a qualifier names.
_W_CUE = {"region": 8.0, "district": 2.0, "city": 3.0, "feature": 4.0}
_W_CUE_COUNTRY = 6.0
_W_MAIN_COUNTRY = 3.0
#: A first-level region loses this much to a city of its name inside it ("New York", "Kursk").
_NAMESAKE_PENALTY = 3.0
#: How near another place of the article a district's namesake town must lie to stand in for the
#: district (a county's size).
_LOCAL_KM = 100.0
#: A place that near another place of the article gains this much more than one merely within
#: :data:`_NEAR_KM` (Suffolk County, New York, beside Southold; not the county around Boston).
_W_LOCAL = 0.5
#: A first-level region listed with other regions of its country ("California or Washington").
_W_LISTED = 3.0
#: A sibling country found by a shared short name ("Kongo" for the DR Congo) needs evidence.
_SIBLING_PENALTY = 1.0
#: A place of the qualifier's country this near the qualifier's point counts as inside it when the
#: gazetteer does not say so (a county has no admin code in GeoNames' towns).
_QUALIFIER_KM = 150.0
#: Confidence of a mention placed at its qualifier because no candidate lies inside it: below
#: :data:`~geoapp.model.REVIEW_BELOW`, so it is listed for review.
_QUALIFIER_ONLY_CONFIDENCE = 0.4


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


# Degrees of latitude that surely exceed _NEAR_KM (one degree is at least 110.5 km): a cheap test
# that skips most great-circle computations when candidates are scored against the article's places.
_NEAR_LAT_DEG = _NEAR_KM / 110.5


def _anchor_band(anchors: list[tuple[float, float]]) -> tuple[list[float], list[tuple]]:
    """The anchors sorted by latitude, as ``(latitudes, [(lat, lon, radians(lat), cos of it)])``,
    for :func:`_nearest_anchor_km`: a point looks only at the anchors in its band of latitude."""
    rows = sorted((la, lo, math.radians(la), math.cos(math.radians(la))) for la, lo in anchors)
    return [r[0] for r in rows], rows


def _nearest_anchor_km(lat: float, lon: float, band: tuple[list[float], list[tuple]]) -> float:
    """Distance to the nearest anchor within :data:`_NEAR_KM` of the point (``inf`` when none is):
    one pass serves both the near and the local weight. ``band`` is :func:`_anchor_band` of the
    anchors: only those within :data:`_NEAR_LAT_DEG` of latitude (found by bisection, with a
    margin, then tested as ever) are measured, by :func:`haversine_km`'s operations in its
    order, so each distance and the minimum are the same floats."""
    lats, rows = band
    lo_k = bisect_left(lats, lat - _NEAR_LAT_DEG - 1e-6)
    hi_k = bisect_right(lats, lat + _NEAR_LAT_DEG + 1e-6)
    best = math.inf
    if lo_k < hi_k:
        p1 = math.radians(lat)
        cos_p1 = math.cos(p1)
        for la, lo, p2, cos_p2 in rows[lo_k:hi_k]:
            if abs(lat - la) <= _NEAR_LAT_DEG:
                dp, dl = p2 - p1, math.radians(lo - lon)
                a = math.sin(dp / 2) ** 2 + cos_p1 * cos_p2 * math.sin(dl / 2) ** 2
                best = min(best, 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a))))
    return best


def prior(c: Candidate) -> float:
    """Importance of a candidate before any context: kind of place, population, capital status.

    Countries grow only slowly with population; a first-level region counts as a city of a third
    of its population (its population is the sum of its places of 1,000 or more, and a state is
    named less often than a city of its size), and loses to a city of the same name inside it
    (:func:`_rank`: "São Paulo", "Kursk", "New York" are the cities unless a cue says "region").
    Curated features (:data:`_CURATED_PRIOR`) sit between countries and towns.
    """
    if is_curated(c.geonameid):
        if c.feature_code == "region" and c.country_code:
            return _CURATED_REGION_PRIOR + c.importance
        return _CURATED_PRIOR + c.importance
    size = math.log10(c.population + 1) if c.population else 0.0
    if c.feature == "country":
        return 6.0 + 0.3 * max(0.0, size - 6)
    if c.feature == "continent":
        return 5.5
    if c.feature == "region":
        return max(4.0, size - 0.5)
    if c.feature == "city" or size:
        score = size
        if c.feature_code == "PPLC":
            score += 2.0
        elif c.feature_code in ("PPLA", "PPLG"):
            score += 0.5
        return score
    return _FEATURE_PRIOR.get(c.feature, 1.0) + c.importance


def describe(c: Candidate) -> str:
    """A candidate as a short string for popups and review lists: "Lander, VE (city)"; a curated
    feature by its table type ("Red Sea (sea)")."""
    kind = c.feature_code if is_curated(c.geonameid) and c.feature_code else c.feature
    where = f", {c.country_code}" if c.country_code else ""
    return f"{c.name}{where} ({kind})"


#: :func:`_facts` per candidate object, keyed by ``id``. Each entry holds its candidate, so no
#: other object can take that id while the entry lives. Bounded: cleared when full.
_FACTS: dict[int, tuple] = {}
_FACTS_LIMIT = 50_000


def _facts(c: Candidate) -> tuple:
    """``(candidate, prior, ident, describe, region key of its admin1, region key of its name,
    whether the near-anchor weight applies to it)`` of a candidate, memoised per candidate object.

    Why: :func:`_rank` and :func:`_choice` read these for every candidate of every mention, in
    both rounds and again for the one-referent-per-name step, and the gazetteer hands out the same
    candidate objects in article after article; ``Candidate`` is a frozen dataclass whose hash
    costs more than the facts, so the memo is keyed by identity.
    """
    got = _FACTS.get(id(c))
    if got is None or got[0] is not c:
        got = (
            c,
            prior(c),
            _ident(c),
            describe(c),
            _region_key(c.country_code, c.admin1),
            _region_key(c.country_code, c.name),
            c.feature in ("city", "feature", "other") or c.feature_code == "ADM2",
        )
        if len(_FACTS) >= _FACTS_LIMIT:
            _FACTS.clear()
        _FACTS[id(c)] = got
    return got


# -- the article's geography -------------------------------------------------------------------


@dataclass
class _Context:
    """Where the article is: weights per country, named regions, unambiguous anchors, and each
    piece of evidence with its position (for the near context) and the name it came from (so a
    name's own mentions can be left out of the evidence about it)."""

    countries: Counter = field(default_factory=Counter)
    by_key: dict = field(default_factory=lambda: defaultdict(Counter))
    regions: dict = field(default_factory=lambda: defaultdict(set))  # region key -> names (keys) naming it
    anchors: list = field(default_factory=list)  # (lat, lon, key)
    points: dict = field(default_factory=lambda: defaultdict(list))  # field -> [(offset, cc, weight, key)]
    #: ``sum(countries.values())`` and per key, summed once (asked for every candidate).
    total: float = 0.0
    key_totals: dict = field(default_factory=dict)
    #: The sorted offsets of ``points`` per field, so that :meth:`near` starts by bisection.
    offsets: dict = field(default_factory=dict)
    #: :meth:`anchors_without` per key, computed once: a long article repeats its names.
    _anchors_without: dict = field(default_factory=dict)
    #: :meth:`nearest_anchor_km` per (key, candidate object): each round ranks a repeated name's
    #: candidates once per mention, against the same anchors.
    _nearest: dict = field(default_factory=dict)
    #: :func:`_anchor_band` of :meth:`anchors_without` per key.
    _bands: dict = field(default_factory=dict)

    def add(self, cc: str | None, weight: float, key: str, fld: str, offset: int) -> None:
        if not cc or weight <= 0:
            return
        self.countries[cc] += weight
        self.by_key[key][cc] += weight
        self.points[fld].append((offset, cc, weight, key))

    def freeze(self) -> _Context:
        self.total = sum(self.countries.values())
        self.key_totals = {k: sum(v.values()) for k, v in self.by_key.items()}
        for fld, pts in self.points.items():
            pts.sort()
            self.offsets[fld] = [p[0] for p in pts]
        return self

    def anchors_without(self, key: str, limit: int = 50) -> list[tuple[float, float]]:
        """The first ``limit`` anchors (lat, lon) that come from names other than ``key``."""
        got = self._anchors_without.get(key)
        if got is None:
            others = ((la, lo) for la, lo, k in self.anchors if k != key)
            got = self._anchors_without[key] = list(islice(others, limit))
        return got

    def nearest_anchor_km(self, key: str, c: Candidate) -> float:
        """:func:`_nearest_anchor_km` of ``c`` among :meth:`anchors_without` ``key``, memoised
        (the entry holds the candidate, so its id stays its own)."""
        got = self._nearest.get((key, id(c)))
        if got is None or got[0] is not c:
            band = self._bands.get(key)
            if band is None:
                band = self._bands[key] = _anchor_band(self.anchors_without(key))
            km = _nearest_anchor_km(c.lat, c.lon, band)
            got = self._nearest[(key, id(c))] = (c, km)
        return got[1]

    def share(self, cc: str | None, key: str) -> float:
        """The country's share of the article's evidence, leaving out the evidence of ``key``."""
        if not cc:
            return 0.0
        own = self.by_key.get(key)
        total = self.total - self.key_totals.get(key, 0.0)
        weight = self.countries[cc] - (own[cc] if own else 0.0)
        return weight / total if total > 0 else 0.0

    def weight(self, cc: str | None, key: str) -> float:
        """The country's evidence, leaving out that of ``key``."""
        if not cc:
            return 0.0
        own = self.by_key.get(key)
        return self.countries[cc] - (own[cc] if own else 0.0)

    def near(self, fld: str, offset: int, key: str) -> dict[str, float]:
        """Evidence per country within :data:`_NEAR_CHARS` of ``offset``, other names only (a
        plain dict, in the order the countries come: a ``Counter`` costs more to fill)."""
        out: dict[str, float] = {}
        points = self.points.get(fld, ())
        start = bisect_left(self.offsets.get(fld, ()), offset - _NEAR_CHARS)
        stop = offset + _NEAR_CHARS
        for i in range(start, len(points)):
            at, cc, w, k = points[i]
            if at > stop:
                break
            if k != key:
                out[cc] = out.get(cc, 0) + w
        return out

    def main_country(self, key: str) -> str | None:
        """The country with the most evidence, leaving out ``key``'s own."""
        best, best_w = None, 0.0
        for cc in self.countries:
            w = self.weight(cc, key)
            if w > best_w:
                best, best_w = cc, w
        return best

    def names_region(self, region: tuple[str | None, str], key: str) -> bool:
        """Whether a name other than ``key`` names the region (no set built per question)."""
        keys = self.regions.get(region)
        return bool(keys) and (len(keys) > 1 or key not in keys)


def _region_key(cc: str | None, name: str | None) -> tuple[str | None, str]:
    return cc, name_key(name or "")


def _own_name(span: PlaceCandidateSpan, c: Candidate) -> bool:
    return bool(span.name_flags.get(c.geonameid or -1, frozenset()) & {"main", "en", "de", "abbr"})


def _evidence(ctx: _Context, span: PlaceCandidateSpan, c: Candidate, weight: float) -> None:
    """What one resolved mention says about the article's geography."""
    m = span.mention
    if c.feature == "country":
        ctx.add(c.country_code, _COUNTRY_WEIGHT * weight, span.key, m.field, m.start)
        return
    ctx.add(c.country_code, weight, span.key, m.field, m.start)
    if c.feature == "region":
        ctx.regions[_region_key(c.country_code, c.name)].add(span.key)
    elif c.feature == "city":
        ctx.anchors.append((c.lat, c.lon, span.key))


def _first_context(items: list[_Item], demonyms: Iterable) -> _Context:
    """The first reading: countries named, and places whose name has one country only."""
    ctx = _Context()
    for it in items:
        span = it.span
        if not it.cands:
            continue  # a tagger's span the gazetteer does not know: no evidence of a country
        best = max(_statics(it)[0], key=itemgetter(1))[0]  # the first of the highest prior
        unambiguous = len({c.country_code for c in it.cands}) == 1
        if best.feature == "country" and not it.siblings_possible:
            _evidence(ctx, span, best, 1.0)
        elif best.feature == "region" and (unambiguous or it.cue.kind == "region"):
            _evidence(ctx, span, best, 1.0)
        elif unambiguous and best.feature != "country":
            _evidence(ctx, span, best, 1.0)
    _add_demonyms(ctx, demonyms)
    return ctx.freeze()


def _second_context(items: list[_Item], chosen: list[_Choice | None], demonyms: Iterable) -> _Context:
    """The second reading: every mention's first-round choice, weighted by its confidence."""
    ctx = _Context()
    for it, ch in zip(items, chosen):
        if ch is not None:
            _evidence(ctx, it.span, ch.cand, ch.confidence)
    _add_demonyms(ctx, demonyms)
    return ctx.freeze()


def _add_demonyms(ctx: _Context, demonyms: Iterable) -> None:
    for d in demonyms:
        if len(d.codes) == 1:
            ctx.add(d.codes[0], _DEMONYM_WEIGHT, f"demonym:{d.codes[0]}", d.field, d.start)


# -- one mention -------------------------------------------------------------------------------


@dataclass
class _Item:
    """A mention with what the resolver reads around it."""

    span: PlaceCandidateSpan
    cands: list[Candidate]
    cue: Cue
    adjacent: PlaceCandidateSpan | None
    #: The mention is a one-word short form of a country's name that other countries share
    #: ("Kongo", "Congo", "Korea"): a country the article is about may be meant instead.
    siblings_possible: bool = False
    #: Where the long form of an acronym in parentheses stands ("Cordillera Administrative Region
    #: (CAR)"): the acronym is whatever that phrase is, not what else its letters abbreviate.
    long_form: tuple[int, int] | None = None
    #: Mentions listed with this one ("California or Washington": indexes of the items) ...
    neighbours: tuple[int, ...] = ()
    #: ... and the countries of those the first round took for first-level regions: a region of
    #: the same country is then likelier than a namesake city (set before the second round).
    listed_with: frozenset = frozenset()
    #: :func:`_statics`, computed on first use (the item is ranked in each round).
    statics: tuple | None = field(default=None, repr=False)

    @property
    def settled(self) -> bool:
        """Whether the choice cannot depend on the article's geography: one candidate, no
        possible sibling country, no region or district cue (those look at the context)."""
        kind = self.cue.kind or self.span.cue
        return (
            len(self.cands) <= 1
            and not self.siblings_possible
            and kind not in ("region", "district")
            and not self.listed_with
        )

    @property
    def cued(self) -> bool:
        """Whether something beside this mention alone speaks for one referent."""
        return bool(self.cue.kind or self.cue.country) or self.adjacent is not None


@dataclass(slots=True)
class _Choice:
    cand: Candidate
    why: str
    confidence: float
    alternatives: tuple[str, ...]
    ranked: list
    #: :func:`confidence_features` of the choice (for ``resolve(details=...)``).
    features: dict = field(default_factory=dict)

    @property
    def scores(self) -> dict:
        """Scores of every candidate (geonameid or name → score), for the one-referent-per-name
        step: built from ``ranked`` when that step asks, as it does only for names mentioned more
        than once without a cue."""
        return {_facts(c)[2]: s for s, c, _ in self.ranked}


def _ident(c: Candidate):
    return c.geonameid or (c.name, round(c.lat, 3), round(c.lon, 3))


def _statics(it: _Item) -> tuple:
    """``(facts of each candidate, region keys of the cities' regions, largest city population,
    the adjacent mention's country and region keys)``: what :func:`_rank` reads of a mention
    that no context changes, computed once per item (it is ranked in both rounds)."""
    got = it.statics
    if got is None:
        facts = [_facts(c) for c in it.cands]
        # regions with a city of the same name inside them among the candidates
        namesakes = {f[4] for f in facts if f[0].feature == "city" and f[0].admin1}
        largest_city = max((c.population for c in it.cands if c.feature == "city"), default=0)
        adjacent_targets: set = set()
        if it.adjacent is not None:
            for c in it.adjacent.candidates:
                if c.feature == "country":
                    adjacent_targets.add((c.country_code, None))
                elif c.feature == "region":
                    adjacent_targets.add(_region_key(c.country_code, c.name))
        got = it.statics = (facts, namesakes, largest_city, adjacent_targets)
    return got


#: The name kinds that make a name a place's own (:func:`_own_name`).
_OWN_KINDS = frozenset({"main", "en", "de", "abbr"})


def _rank(it: _Item, ctx: _Context, gazetteer) -> list[tuple[float, Candidate, list[str]]]:
    """Every candidate with its score and reasons, best first.

    The per-candidate facts come from :func:`_statics` and the per-country shares are computed
    once per country; the score of each candidate is summed in the same order as ever (the
    floating-point result, and so the ranking, must not move)."""
    span, cue = it.span, it.cue
    key = span.key
    facts, namesakes, largest_city, adjacent_targets = _statics(it)
    siblings: set = set()
    if it.siblings_possible and gazetteer is not None:
        sibs = _siblings(it.cands[0], ctx, key, gazetteer)
        if sibs:
            facts = facts + [_facts(sib) for sib in sibs]
            siblings = {_ident(sib) for sib in sibs}
    m = span.mention
    near = ctx.near(m.field, m.start, key)
    near_total = sum(near.values())
    main = ctx.main_country(key) if cue.main_country else None
    anchors = ctx.anchors_without(key)
    kind = cue.kind or span.cue
    flags = span.name_flags
    shares: dict = {}
    scored = []
    for position, (c, s, ident, _, admin_key, name_region, anchored) in enumerate(facts):
        reasons = []
        cc, feature = c.country_code, c.feature
        sibling = ident in siblings
        own_name = bool(flags.get(c.geonameid or -1, frozenset()) & _OWN_KINDS) or sibling
        if feature != "country" or siblings or not own_name:
            share = shares.get(cc)
            if share is None:
                share = shares[cc] = ctx.share(cc, key)
            near_share = near.get(cc, 0) / near_total if near_total and cc else 0.0
            if share or near_share:
                s += _W_SHARE * share + _W_NEAR * near_share
                reasons.append(f"{cc} named in the article")
        if own_name:
            s += 1.5  # the text used this place's own name, not a loose alternate
        elif feature not in ("country", "continent"):
            # A loose alternate of a town is weak evidence; a big city's are mostly real names
            # ("St. Petersburg"), and a country's alternates survive the gazetteer's filters only
            # when they are real ("America", "Holland"): a country so called outranks the village
            # whose main name it is.
            s -= 0.5 if c.population >= 1_000_000 else 1.5
        if own_name and feature in ("country", "continent"):
            # A country called by its own name is the country, whatever country the article is
            # about: the most context can give a smaller place must not let Peru, Maine (or
            # China, Texas) outrank Peru.
            s += _W_SHARE + _W_NEAR
        if sibling:
            s -= _SIBLING_PENALTY
            reasons.append(f"'{m.text}' also names {c.name}, which the article is about")
        if feature == "region" and kind != "region" and (
            name_region in namesakes or (c.feature_code == "ADM2" and admin_key in namesakes)
        ):
            # a second-level region loses likewise to a city of its name in the same first-level
            # region ("Manchester" the city, not the metropolitan borough)
            s -= _NAMESAKE_PENALTY
        if c.admin1 and admin_key[1] != key and ctx.names_region(admin_key, key):
            small = c.population < _SMALL_NAMESAKE * largest_city
            s += _W_OWN_REGION_SMALL if small else _W_OWN_REGION
            reasons.append(f"in {c.admin1}, named in the article")
        if adjacent_targets and ((cc, None) in adjacent_targets or admin_key in adjacent_targets):
            s += 6.0
            reasons.append(f"followed by '{it.adjacent.mention.text}'")
        if kind and _W_CUE.get(kind) and feature == ("region" if kind == "district" else kind):
            s += _W_CUE[kind]
            reasons.append(f"cue '{cue.words}'" if cue.kind else f"{kind} cue")
        if it.listed_with and c.feature_code == "ADM1" and cc in it.listed_with:
            s += _W_LISTED
            reasons.append("listed with other regions of " + cc)
        if cue.country and feature != "country":
            if cc == cue.country:
                s += _W_CUE_COUNTRY
                reasons.append(f"{cue.country} named by the cue")
            else:
                s -= _W_CUE_COUNTRY
        if main and cc == main and feature != "country":
            s += _W_MAIN_COUNTRY
            reasons.append(f"'{cue.words}': {main}")
        if anchors and anchored:
            nearest = ctx.nearest_anchor_km(key, c)
            if nearest < _NEAR_KM:
                s += 1.0 + (_W_LOCAL if nearest < _LOCAL_KM else 0.0)
                reasons.append("near other places in the article")
        scored.append((s, -position, c, reasons))
    # by score, then by position: the positions differ, so the candidates are never compared
    scored.sort(reverse=True)
    return [(s, c, reasons) for s, _, c, reasons in scored]


def _siblings(c: Candidate, ctx: _Context, key: str, gazetteer) -> list[Candidate]:
    """Countries the article is about whose name ends in the same word as ``c``'s: "Kongo" is the
    Republic of the Congo's German name, but in an article about the DR Congo it means that one."""
    last = name_key(c.name).rsplit(" ", 1)[-1]
    out = []
    for cc in ctx.countries:
        if cc == c.country_code or ctx.weight(cc, key) <= 0:
            continue
        other = gazetteer.country(cc)
        if other is not None and name_key(other.name).rsplit(" ", 1)[-1] == last:
            out.append(other)
    return out


#: The confidence model: logistic-regression weights over :func:`confidence_features`, fitted by
#: ``scripts/fit_confidence.py`` on the development corpora (the file says which).
CONFIDENCE_MODEL = DATA_DIR / "resolve_confidence.json"


@lru_cache(maxsize=1)
def _confidence_model() -> tuple[float, dict[str, float]]:
    data = json.loads(CONFIDENCE_MODEL.read_text(encoding="utf-8"))
    return float(data["bias"]), {k: float(v) for k, v in data["weights"].items()}


def confidence_features(
    margin: float | None, best: Candidate, span: PlaceCandidateSpan, cued: bool = False
) -> dict[str, float]:
    """What the confidence is computed from: the score margin over the best candidate elsewhere
    (``margin`` None: the only candidate, or the others lie within :data:`_SAME_PLACE_KM`), whether
    the choice is a populated place and how big, whether the text used a loose alternate name, and
    how doubtful the recognition was (the place filter's probability; none when a cue noun calls it
    a place in so many words: "Orange County", "Provinz Sindh")."""
    city = best.feature == "city"
    return {
        "single": 1.0 if margin is None else 0.0,
        "margin": 0.0 if margin is None else max(0.0, min(margin, 6.0)),
        "city": 1.0 if city else 0.0,
        "city_size": min(math.log10(best.population + 1), 7.0) if city else 0.0,
        "alternate": 0.0 if _own_name(span, best) else 1.0,
        "doubt": 0.0 if cued else 1.0 - max(0.0, min(span.score, 1.0)),
    }


def confidence(features: dict[str, float]) -> float:
    """How sure a choice is (0-1): the fitted model over :func:`confidence_features`. Calibrated
    on the development corpora so that a choice at 0.6 is right about six times in ten
    (docs/quality.md, "Confidence")."""
    bias, weights = _confidence_model()
    # sum() over map(): the same products added in the same order as a generator, in C
    z = bias + sum(map(mul, map(weights.get, features, repeat(0.0)), features.values()))
    return 1.0 / (1.0 + math.exp(-z))


def _choice(it: _Item, ranked: list[tuple[float, Candidate, list[str]]]) -> _Choice:
    best_score, best, reasons = ranked[0]
    margin = None
    for s, c, _ in ranked[1:]:
        if haversine_km(best.lat, best.lon, c.lat, c.lon) > _SAME_PLACE_KM:
            margin = best_score - s
            break
    alternatives: list[str] = []
    own = _facts(best)[3]
    for _, c, _ in ranked[1:]:
        text = _facts(c)[3]  # describe(c), once per candidate object
        if text not in alternatives and text != own:
            alternatives.append(text)
        if len(alternatives) == MAX_ALTERNATIVES:
            break
    if len(ranked) == 1:
        why = "only candidate"
    else:
        detail = "; ".join(reasons) if reasons else "largest or most important"
        why = f"{len(ranked)} candidates: {detail}"
    if best.population:
        why += f" (pop. {best.population:,})"
    features = confidence_features(margin, best, it.span, bool(it.cue.kind or it.span.cue))
    return _Choice(best, why, confidence(features), tuple(alternatives), ranked, features)


def _choose(it: _Item, ctx: _Context, gazetteer) -> _Choice | None:
    if not it.cands:
        # Found by the German tagger ("Lehrter Bahnhof", a street): a place without coordinates
        # here, left for the online geocoder chain when it is enabled.
        return None
    kind = it.cue.kind or it.span.cue
    if kind in ("region", "district") and all(c.feature == "city" for c in it.cands):
        # (a country or a feature so cued is itself: "the former province Kosovo", "U.S. District")
        if kind == "region":
            return _region_of_seat(it, ctx, gazetteer)
        # "Orange County": the gazetteer holds no counties or districts, and the town of the same
        # name is often elsewhere ("Lamar County" in Texas, the towns of Lamar in Missouri and
        # Colorado). A town among the article's other places stands in (on the development
        # corpora such stand-ins were within 161 km of the gold point 18 times in 19).
        ch = _choice(it, _rank(it, ctx, gazetteer))
        if not _local(ch.cand, ctx, it.span.key):
            return None
        return replace(ch, why=f"'{it.cue.words}' not in the gazetteer: the town of that name nearby")
    return _choice(it, _rank(it, ctx, gazetteer))


def _local(c: Candidate, ctx: _Context, key: str) -> bool:
    """Whether a place lies among the article's other places: near one of them, or in a region
    the article names."""
    in_region = bool(c.admin1) and ctx.names_region(_region_key(c.country_code, c.admin1), key)
    return in_region or any(
        haversine_km(c.lat, c.lon, la, lo) < _LOCAL_KM for la, lo, k in ctx.anchors[:50] if k != key
    )


def _region_of_seat(it: _Item, ctx: _Context, gazetteer) -> _Choice | None:
    """A region cue, but the gazetteer knows only cities of the name ("Region Charkiw", "Region
    Rostow"): the first-level region around the best such city, when the city is the region's seat
    or shares its name ("Kharkiv Oblast", "Rostovskaya oblast'"). Otherwise the mention stays
    unresolved: the town of a region's name may lie anywhere."""
    if gazetteer is None:
        return None
    ranked = _rank(it, ctx, gazetteer)
    c = ranked[0][1]
    if not c.admin1 or not (
        c.feature_code in ("PPLA", "PPLC") or name_key(c.name)[:4] == name_key(c.admin1)[:4]
    ):
        return None
    regions = [
        r
        for r in gazetteer.candidates(name_key(c.admin1))
        if r.feature == "region" and r.country_code == c.country_code and r.name == c.admin1
    ]
    if not regions:
        return None
    others = [describe(x) for _, x, _ in ranked][:MAX_ALTERNATIVES]
    why = f"region cue '{it.cue.words or 'region'}': the region around {c.name}"
    features = confidence_features(None, regions[0], it.span, True)
    return _Choice(regions[0], why, confidence(features), tuple(others), [], features)


# -- the article -----------------------------------------------------------------------------------


def resolve(
    spans: list[PlaceCandidateSpan],
    *,
    text: str = "",
    title: str = "",
    lang: str = "en",
    demonyms: Iterable = (),
    gazetteer=None,
    doc: Doc | None = None,
    details: dict | None = None,
) -> list[PlaceMention]:
    """One :class:`PlaceMention` per span, each with its chosen place, why, confidence and
    alternatives; unresolved and doubtful ones flagged :data:`~geoapp.model.NEEDS_REVIEW`.

    ``demonyms`` (:class:`geoapp.demonyms.Demonym`) count as weak evidence of the article's
    countries and qualify cue nouns ("indischen Bundesstaat"); ``gazetteer`` lets cues name
    countries ("US-Bundesstaat"), a region cue find the region around a city, and a shared short
    name find the country the article is about ("Kongo"). Without them the resolver still works on
    the spans alone. ``doc``: the article's document, whose tokens the cue reading reuses.
    ``details``, when given, receives each resolved mention's :func:`confidence_features` by
    ``(field, start, end)`` (for ``scripts/fit_confidence.py``).
    """
    demonyms = list(demonyms)

    def text_of(field_name: str) -> str:
        return title if field_name == "title" else text

    reader = CueReader(_country_lookup(gazetteer))
    ends: dict[str, dict[int, tuple[str, ...]]] = defaultdict(dict)
    for d in demonyms:
        ends[d.field][d.end] = d.codes
    tokenised = {f.name: (f.tokens, f.starts) for f in doc} if doc is not None else {}
    links = _list_links(spans, text_of)
    items = []
    for index, span in enumerate(spans):
        m = span.mention
        source = text_of(m.field)
        toks = tokenised.get(m.field)
        cue = reader.read(source, m.start, m.end, lang, ends[m.field], toks) if source else NO_CUE
        adjacent = _adjacent_region(spans, index, text_of) if source else None
        cands = _dedupe(span.candidates, MAX_CANDIDATES)
        if cue is NO_CUE and source and any(c.feature_code == "river" for c in cands):
            cue = riverside_cue(source, m.start, lang)  # "an der Moldau": the river, not Moldova
        long_form = acronym_source(source, m.start, m.end, toks) if source else None
        neighbours = _list_neighbours(links, index) if source else ()
        short = _short_country_name(span, cands)
        items.append(_Item(span, cands, cue, adjacent, short, long_form, neighbours))
    ctx = _first_context(items, demonyms)
    first = [_choose(it, ctx, gazetteer) for it in items]
    chosen = _acronyms(items, _one_per_name(items, first))
    ctx = _second_context(items, chosen, demonyms)
    _listed_regions(items, chosen)
    # a name with one candidate and no cue that looks at the context is decided already
    second = [ch if it.settled else _choose(it, ctx, gazetteer) for it, ch in zip(items, first)]
    second = _outside_qualifier(items, second)
    chosen = _short_forms(items, _acronyms(items, _one_per_name(items, second)))
    out = []
    for it, ch in zip(items, chosen):
        if ch is None:
            pm = PlaceMention(it.span.mention, None)
        else:
            place = ch.cand.to_place(why=ch.why, confidence=round(ch.confidence, 3),
                                     alternatives=ch.alternatives)
            pm = PlaceMention(it.span.mention, place)
            if details is not None:
                details[(pm.mention.field, pm.mention.start, pm.mention.end)] = ch.features
        out.append(pm)
    return review_flags(out)


def _one_per_name(items: list[_Item], chosen: list[_Choice | None]) -> list[_Choice | None]:
    """One referent per name and article: a mention without a cue of its own takes the referent of
    the nearest cued mention of the same name (the one before it first); where none is cued, all
    take the candidate with the best score summed over the name's mentions."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        if chosen[i] is not None and chosen[i].ranked:  # a choice with scores
            groups[it.span.key].append(i)
    out = list(chosen)
    for members in groups.values():
        if len(members) < 2:
            continue
        cued = [i for i in members if items[i].cued]
        if cued:
            for i in members:
                if not items[i].cued:
                    before = [j for j in cued if j < i]
                    j = before[-1] if before else cued[0]
                    if not _seat_of(chosen[i].cand, chosen[j].cand):
                        why = chosen[j].why + f" (as '{items[j].span.mention.text}')"
                        out[i] = replace(chosen[j], why=why)
            continue
        total: Counter = Counter()
        for i in members:
            total.update(chosen[i].scores)
        n = len(members)
        for i in members:
            ranked = sorted(chosen[i].ranked, key=lambda t: total[_facts(t[1])[2]], reverse=True)
            if _facts(ranked[0][1])[2] != _facts(chosen[i].cand)[2]:
                out[i] = _choice(items[i], [(total[_facts(c)[2]] / n, c, r) for _, c, r in ranked])
    return out


def _short_forms(items: list[_Item], chosen: list[_Choice | None]) -> list[_Choice | None]:
    """A name that is the first part of a country's two-part name the article uses takes that
    country ("Trinidad" after "Trinidad and Tobago" is no town in Bolivia), unless a cue or an
    adjacent region says otherwise. One look-up per mention."""
    firsts: dict[str, int] = {}
    for j, it in enumerate(items):
        ch = chosen[j]
        if ch is not None and ch.cand.feature == "country":
            for joiner in NAME_JOINERS:
                head, sep, _ = it.span.key.partition(joiner)
                if sep and head not in firsts:
                    firsts[head] = j
    if not firsts:
        return chosen
    out = list(chosen)
    for i, it in enumerate(items):
        j = firsts.get(it.span.key)
        if j is None or it.cued or it.adjacent is not None:
            continue
        ch = chosen[j]
        if out[i] is None or out[i].cand.country_code != ch.cand.country_code:
            out[i] = replace(ch, why=ch.why + f" (short for '{items[j].span.mention.text}')")
    return out


def _inside(c: Candidate, area: Candidate) -> bool:
    """Whether place ``c`` lies in the country or region ``area``, by its codes or, for a region the
    gazetteer gives no code of (a county), by distance (:data:`_QUALIFIER_KM`)."""
    if c.country_code != area.country_code:
        return False
    return (
        area.feature == "country"
        or _region_key(c.country_code, c.admin1) == _region_key(area.country_code, area.name)
        or haversine_km(c.lat, c.lon, area.lat, area.lon) <= _QUALIFIER_KM
    )


def _outside_qualifier(items: list[_Item], chosen: list[_Choice | None]) -> list[_Choice | None]:
    """"Rockingham, Northamptonshire" when no Rockingham of the gazetteer lies in Northamptonshire:
    the writer says where the place is, so the mention is placed at the qualifier (with low
    confidence, for review), not at a namesake on another continent. Only for a place of a country
    (not "the Gulf, Qatar", a sea in apposition) smaller than its qualifier, and not in a list
    ("Berlin, Hamburg, Bayern"; "Saipan, Guam, Alaska")."""
    out = list(chosen)
    for i, it in enumerate(items):
        ch = chosen[i]
        if ch is None or it.adjacent is None or i + 1 >= len(items):
            continue
        if (i - 1) in it.neighbours or (i + 2) in items[i + 1].neighbours:
            continue  # a list of places ("Trips to Saipan, Guam, Alaska")
        area = chosen[i + 1]
        if area is None or area.cand.feature not in ("country", "region") or not area.cand.country_code:
            continue
        if not ch.cand.country_code or ch.cand.feature in ("country", "continent") or (
            ch.cand.feature == "region" and ch.cand.feature_code != "ADM2" and area.cand.feature == "region"
        ):
            continue
        if any(_inside(c, area.cand) for c in it.cands):
            continue
        where = area.cand.name
        why = f"no '{it.span.mention.text}' in the gazetteer inside {where}: placed at {where}"
        alternatives = (describe(ch.cand), *ch.alternatives)[:MAX_ALTERNATIVES]
        out[i] = replace(area, why=why, confidence=_QUALIFIER_ONLY_CONFIDENCE, alternatives=alternatives)
    return out


def _seat_of(city: Candidate, region: Candidate) -> bool:
    """Whether ``city`` lies in ``region`` and shares its name: "the Kharkiv region … outside
    Kharkiv" names the oblast, then its city; the cue of the one does not carry over to the other."""
    return (
        city.feature == "city"
        and region.feature == "region"
        and city.country_code == region.country_code
        and _region_key(city.country_code, city.admin1) == _region_key(region.country_code, region.name)
    )


def _acronyms(items: list[_Item], chosen: list[_Choice | None]) -> list[_Choice | None]:
    """An acronym in parentheses takes the referent of its long form when that is a place mention
    ("Democratic Republic of the Congo (DRC)"), and none when it is not ("Cordillera Administrative
    Region (CAR)" is no Central African Republic): it is then left for review."""
    out = list(chosen)
    for i, it in enumerate(items):
        if it.long_form is None:
            continue
        lo, hi = it.long_form
        field_name = it.span.mention.field
        same = [
            j
            for j, other in enumerate(items)
            if (m := other.span.mention).field == field_name and m.start < hi and lo < m.end
        ]
        if same and chosen[same[0]] is not None:
            ch = chosen[same[0]]
            out[i] = replace(ch, why=ch.why + f" (acronym of '{items[same[0]].span.mention.text}')")
        else:
            out[i] = None
    return out


def review_flags(places: list[PlaceMention]) -> list[PlaceMention]:
    """Mentions unresolved or resolved below :data:`~geoapp.model.REVIEW_BELOW` carry the
    :data:`~geoapp.model.NEEDS_REVIEW` flag, the others not (a fix or an online answer that came
    later takes it away); the CLI counts them, the app lists them."""
    out = []
    for pm in places:
        doubtful = pm.place is None or pm.place.confidence < REVIEW_BELOW
        has = NEEDS_REVIEW in pm.flags
        if doubtful and not has:
            pm = replace(pm, flags=(*pm.flags, NEEDS_REVIEW))
        elif has and not doubtful:
            pm = replace(pm, flags=tuple(f for f in pm.flags if f != NEEDS_REVIEW))
        out.append(pm)
    return out


def _country_lookup(gazetteer):
    """``word -> ISO code`` for a cue's qualifier ("US", "Russland"): an exact abbreviation, or a
    name whose best candidate is a country called so by its own name."""
    if gazetteer is None:
        return lambda word: None
    memo: dict[str, str | None] = {}

    def country_of(word: str) -> str | None:
        if word not in memo:
            cc = None
            for c in gazetteer.abbreviation(word):
                if c.feature == "country":
                    cc = c.country_code
                    break
            if cc is None:
                key = name_key(word)
                cands = gazetteer.candidates(key)
                if cands and cands[0].feature == "country":
                    flags = gazetteer.name_flags(key).get(cands[0].geonameid or -1, frozenset())
                    if flags & {"main", "en", "de"}:
                        cc = cands[0].country_code
            memo[word] = cc
        return memo[word]

    return country_of


def _short_country_name(span: PlaceCandidateSpan, cands: list[Candidate]) -> bool:
    """A one-word mention whose first candidate is a country called by a name shorter than its
    own ("Kongo" for the Republic of the Congo, "Korea" for South Korea)."""
    if not cands or cands[0].feature != "country" or " " in span.key:
        return False
    own = name_key(cands[0].name)
    last = own.rsplit(" ", 1)[-1]
    # the mention is the name's last word in any spelling ("Kongo", "Congo"), not a compound of
    # its own ("Nordkorea" is North Korea in full)
    short = len(span.key) <= len(last) + 1 and span.key[-3:] == last[-3:]
    return " " in own and own != span.key and short and _own_name(span, cands[0])


def _adjacent_region(spans: list[PlaceCandidateSpan], index: int, text_of) -> PlaceCandidateSpan | None:
    """The mention right after "City, " (``Paris, Texas``; ``Durant, Oklahoma``; ``Leticia, Kolumbien``)."""
    if index + 1 >= len(spans):
        return None
    here, nxt = spans[index].mention, spans[index + 1].mention
    if here.field != nxt.field:
        return None
    gap = text_of(here.field)[here.end : nxt.start]
    return spans[index + 1] if gap.strip() == "," else None


#: What may stand between the names of a list: a comma, "and", "or", "&" (and "und", "oder").
_LIST_GAPS = {",", "and", "or", "&", ", and", ", or", "und", "oder", ", und", ", oder"}


def _list_links(spans: list[PlaceCandidateSpan], text_of) -> list[bool]:
    """For each mention but the last, whether only a list separator stands between it and the next
    ("California or Washington", "Oregon, Idaho and Montana"), in the same field: each gap is read
    once, not once from each side."""
    out = []
    for here, nxt in zip(spans, spans[1:]):
        a, b = here.mention, nxt.mention
        out.append(a.field == b.field and _list_gap(text_of(a.field)[a.end : b.start]))
    return out


def _list_gap(gap: str) -> bool:
    """Whether ``gap``, its spaces folded and in lower case, is one of :data:`_LIST_GAPS`. Each of
    those is one or two words, so a gap of three words or more is none: only that much of a long
    gap (a paragraph between two mentions) is split."""
    words = gap.split(maxsplit=2)
    return len(words) <= 2 and " ".join(words).lower() in _LIST_GAPS


def _list_neighbours(links: list[bool], index: int) -> tuple[int, ...]:
    """Indexes of the mentions right before and after mention ``index`` that :func:`_list_links`
    links to it."""
    out = []
    if index > 0 and links[index - 1]:
        out.append(index - 1)
    if index < len(links) and links[index]:
        out.append(index + 1)
    return tuple(out)


def _listed_regions(items: list[_Item], chosen: list[_Choice | None]) -> None:
    """Set each item's :attr:`_Item.listed_with` from the first round's choices of its list
    neighbours: the countries of those that are first-level regions."""
    for it in items:
        ccs = set()
        for j in it.neighbours:
            ch = chosen[j]
            if ch is not None and ch.cand.feature_code == "ADM1" and ch.cand.country_code:
                ccs.add(ch.cand.country_code)
        it.listed_with = frozenset(ccs)


def _dedupe(cands, limit: int) -> list[Candidate]:
    """The first ``limit`` distinct candidates, in order: a common name has hundreds of candidates,
    and those after the limit were deduplicated only to be cut off."""
    seen = set()
    out = []
    for c in cands:
        ident = _facts(c)[2]
        if ident not in seen:
            seen.add(ident)
            out.append(c)
            if len(out) == limit:
                break
    return out
