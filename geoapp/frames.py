"""GeoDataFrames of places and links, built from pipeline results, and the filters over them.

One row per place per article (mentions counted, every quote kept with its highlighted spans), one
row per actor–place link. Maps, exports and the app all read these frames, so a filter applied
here means the same thing everywhere.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from .dates import event_date, parse_partial
from .model import NEEDS_REVIEW, Article, Link, Result
from .text import sentence_of, sentences

if TYPE_CHECKING:
    from .registry import ActorRegistry

PLACE_COLUMNS = [
    "article_id",
    "article_title",
    "article_url",
    "published",
    "place_key",
    "name",
    "feature",
    "country_code",
    "admin1",
    "lat",
    "lon",
    "geonameid",
    "source",
    "why",
    "mentions",
    "metonymic",
    "confidence",
    "needs_review",
    "alternatives",
    "quotes",
    "actors",
]
LINK_COLUMNS = [
    "article_id",
    "article_title",
    "actor",
    "actor_kind",
    "actor_country",
    "place_key",
    "place",
    "relation",
    "sentence",
    "highlights",
    "start",
    "end",
    # When: the article's date as given, and the event's date (from the sentence when it says,
    # else the publication date; see geoapp.dates): label as precise as known, first day, source, words.
    "published",
    "event_date",
    "event_day",
    "event_source",
    "event_phrase",
]


def _field_text(article: Article, field_name: str) -> str:
    return article.title if field_name == "title" else article.text


def places_frame(results: Iterable[Result]) -> gpd.GeoDataFrame:
    """One row per resolved place per article, with its mention count and quotes."""
    rows: list[dict] = []
    for result in results:
        article = result.article
        spans_by_field = {"text": sentences(article.text), "title": [(0, len(article.title))]}
        linked: dict[str, list[str]] = {}
        for link in result.links:
            names = linked.setdefault(link.place.key, [])
            if link.actor.name not in names:
                names.append(link.actor.name)
        by_place: dict[str, dict] = {}
        for pm in result.places:
            place = pm.place
            if place is None:
                continue
            row = by_place.get(place.key)
            if row is None:
                row = by_place[place.key] = {
                    "article_id": article.id,
                    "article_title": article.title,
                    "article_url": article.url,
                    "published": article.published,
                    "place_key": place.key,
                    "name": place.name,
                    "feature": place.feature,
                    "country_code": place.country_code,
                    "admin1": place.admin1,
                    "lat": place.lat,
                    "lon": place.lon,
                    "geonameid": place.geonameid,
                    "source": place.source,
                    "why": place.why,
                    "mentions": 0,
                    "metonymic": 0,
                    "confidence": place.confidence,
                    "needs_review": False,
                    "alternatives": list(place.alternatives),
                    "quotes": [],
                    "actors": linked.get(place.key, []),
                    "_sentences": {},
                }
                rows.append(row)
            row["mentions"] += 1
            row["metonymic"] += "metonymy" in pm.flags
            row["confidence"] = min(row["confidence"], place.confidence)
            row["needs_review"] = row["needs_review"] or NEEDS_REVIEW in pm.flags
            m = pm.mention
            s_start, s_end = sentence_of(spans_by_field[m.field], m.start)
            quote_key = (m.field, s_start)
            quote = row["_sentences"].get(quote_key)
            if quote is None:
                quote = {
                    "sentence": _field_text(article, m.field)[s_start:s_end],
                    "highlights": [],
                    "start": s_start,
                    "end": s_end,
                    "field": m.field,
                }
                row["_sentences"][quote_key] = quote
                row["quotes"].append(quote)
            quote["highlights"].append([m.start - s_start, m.end - s_start])
    for row in rows:
        del row["_sentences"]
    frame = pd.DataFrame(rows, columns=PLACE_COLUMNS)
    geometry = [Point(lon, lat) for lon, lat in zip(frame["lon"], frame["lat"])]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def link_line(link: Link) -> LineString | None:
    """A line from the actor's home to the place, bent along the great circle when long."""
    home = link.actor.home
    if home is None:
        return None
    return great_circle_line(home.lon, home.lat, link.place.lon, link.place.lat)


def great_circle_line(
    lon1: float, lat1: float, lon2: float, lat2: float, *, step_km: float = 300.0
) -> LineString:
    """Points along the great circle so long lines curve as they do on a globe."""
    from .resolve import haversine_km

    distance = haversine_km(lat1, lon1, lat2, lon2)
    n = max(1, min(64, int(distance / step_km)))
    if n == 1:
        return LineString([(lon1, lat1), (lon2, lat2)])
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    d = distance / 6371.0088
    coords = []
    for k in range(n + 1):
        f = k / n
        a = math.sin((1 - f) * d) / math.sin(d)
        b = math.sin(f * d) / math.sin(d)
        x = a * math.cos(p1) * math.cos(l1) + b * math.cos(p2) * math.cos(l2)
        y = a * math.cos(p1) * math.sin(l1) + b * math.cos(p2) * math.sin(l2)
        z = a * math.sin(p1) + b * math.sin(p2)
        coords.append((math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y)))))
    # Keep longitudes continuous across the antimeridian so the line does not jump across the map.
    for k in range(1, len(coords)):
        while coords[k][0] - coords[k - 1][0] > 180:
            coords[k] = (coords[k][0] - 360, coords[k][1])
        while coords[k][0] - coords[k - 1][0] < -180:
            coords[k] = (coords[k][0] + 360, coords[k][1])
    return LineString(coords)


def links_frame(results: Iterable[Result]) -> gpd.GeoDataFrame:
    """One row per actor–place link, its geometry a line from the actor's home to the place."""
    rows: list[dict] = []
    geometry = []
    for result in results:
        article = result.article
        for link in result.links:
            line = link_line(link)
            if line is None:
                continue
            s = link.sentence
            highlights = []
            for m in (link.actor_mention, link.place_mention):
                if m is not None and m.field == s.field and s.start <= m.start < s.end:
                    highlights.append([m.start - s.start, min(m.end, s.end) - s.start])
            when = event_date(s.text, article.published)
            rows.append(
                {
                    "article_id": article.id,
                    "article_title": article.title,
                    "actor": link.actor.name,
                    "actor_kind": link.actor.kind,
                    "actor_country": link.actor.country_code,
                    "place_key": link.place.key,
                    "place": link.place.name,
                    "relation": link.relation,
                    "sentence": s.text,
                    "highlights": sorted(highlights),
                    "start": s.start,
                    "end": s.end,
                    "published": article.published,
                    "event_date": when.label() if when else None,
                    "event_day": when.day if when else None,
                    "event_source": when.source if when else None,
                    "event_phrase": when.phrase if when else None,
                }
            )
            geometry.append(line)
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=LINK_COLUMNS), geometry=geometry, crs="EPSG:4326")


def published_date(value: object) -> date | None:
    """The calendar day of an article's ``published`` value, or None when absent or unreadable.

    Articles come with ``2026-04-14``, ``2026-04-14T08:00:00Z``, a month (``2017-05``), a year or
    nothing at all. A month or a year counts as its first day: the article is dated, only less
    precisely, and a date filter must not throw it out with the undated ones. An unreadable date
    must not hide the article's error elsewhere, so it simply counts as undated.
    """
    found = parse_partial(value)
    return found.day if found is not None else None


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    return published_date(value)


def fold(text: str) -> str:
    """A name as it is compared: accents dropped, case folded, punctuation and hyphens as one space.

    Why: readers type "Selenskyj", "Pjöngjang" or "kim jong un" for what the data spell "Selenskyj",
    "Pyongyang" or "Kim Jong-un"; folding makes spelling variants that differ only in diacritics,
    case or hyphenation compare equal, while real transliteration differences ("Lawrow" and
    "Lavrov") are left to the registry's aliases.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\W_]+", " ", bare).strip()


@dataclass
class NameMatch:
    """What one ``--actor``/``--article`` value matched in the data: ``names`` (empty when nothing),
    and otherwise the ``closest`` known names, for a one-line hint."""

    wanted: str
    names: list[str] = field(default_factory=list)
    closest: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _shipped_registry() -> ActorRegistry:
    from .registry import ActorRegistry

    return ActorRegistry.load()


def actor_forms(name: str, kind: str | None, registry: ActorRegistry | None) -> set[str]:
    """Every folded form an actor of the data may be asked for by: its name, its registry aliases
    and, for a person, the surnames (the registry's, else the last word of the name)."""
    forms = {name}
    entry = registry.entries.get(name) if registry is not None else None
    if entry is not None:
        forms.update(entry.aliases)
        forms.update(entry.surnames())
        kind = kind or entry.kind
    elif kind == "person" and len(name.split()) > 1:
        forms.add(name.split()[-1])
    return {fold(f) for f in forms if fold(f)}


def _closest(wanted: str, forms: Mapping[str, set[str]], n: int = 3) -> list[str]:
    """Known names nearest to ``wanted``: those with a form containing it ("Korea" in "North
    Korea") first, then those whose forms are closest by difflib's ratio ("Lavrow" → "Lawrow")."""
    key = fold(wanted)
    out = sorted(name for name, name_forms in forms.items() if key and any(key in f for f in name_forms))
    by_form: dict[str, list[str]] = {}
    for name, name_forms in forms.items():
        for form in name_forms:
            by_form.setdefault(form, []).append(name)
    for form in difflib.get_close_matches(key, sorted(by_form), n=n * 2, cutoff=0.6):
        out.extend(name for name in by_form[form] if name not in out)
    return out[:n]


def match_actors(
    wanted: Iterable[str],
    known: Mapping[str, str | None] | Iterable[str],
    registry: ActorRegistry | None = None,
) -> list[NameMatch]:
    """Which actors of the data each wanted name means.

    ``known`` maps the data's actor names to their kind (person, organisation, country) or is a
    plain list of names. A wanted name matches an actor when, folded (:func:`fold`), it equals the
    actor's name, one of its aliases in the actor ``registry`` (default: the shipped one), or for a
    person a surname: "Putin", "wladimir putin" and "Vladimir Putin" all find "Vladimir Putin". A
    surname shared by two actors finds both. No fuzzy matching: "Lavrow" is not "Lawrow", it is
    reported with the closest names instead, because a filter that silently picks a near miss
    shows the wrong actor's map.
    """
    registry = _shipped_registry() if registry is None else registry
    kinds = dict(known) if isinstance(known, Mapping) else dict.fromkeys(known)
    forms = {name: actor_forms(name, kind, registry) for name, kind in kinds.items() if name}
    out = []
    for want in wanted:
        key = fold(want)
        names = sorted(name for name, name_forms in forms.items() if key in name_forms)
        out.append(NameMatch(want, names, [] if names else _closest(want, forms)))
    return out


def match_articles(wanted: Iterable[str], ids: Iterable[str], titles: Mapping[str, str] | None = None
                   ) -> list[NameMatch]:
    """Which article ids each wanted id means: the id itself, else the one id equal to it when folded
    (case, accents, punctuation). Otherwise the closest ids (by id, and by title when given)."""
    ids = list(dict.fromkeys(i for i in ids if i))
    forms = {i: {fold(i)} | ({fold(titles[i])} if titles and titles.get(i) else set()) for i in ids}
    out = []
    for want in wanted:
        if want in forms:
            out.append(NameMatch(want, [want]))
            continue
        same = [i for i in ids if fold(i) == fold(want)]
        names = same if len(same) == 1 else []
        out.append(NameMatch(want, names, [] if names else _closest(want, forms)))
    return out


def frame_actors(places: gpd.GeoDataFrame, links: gpd.GeoDataFrame) -> dict[str, str | None]:
    """The actors a pair of frames knows, with their kind when the links frame gives it."""
    known: dict[str, str | None] = {}
    for name, kind in zip(links["actor"], links["actor_kind"]):
        if isinstance(name, str) and (name not in known or known[name] is None):
            known[name] = kind if isinstance(kind, str) else None
    if "actors" in places:
        for names in places["actors"]:
            for name in names if isinstance(names, (list, tuple)) else ():
                known.setdefault(name, None)
    return known


def _where(frame: gpd.GeoDataFrame, mask: list[bool]) -> gpd.GeoDataFrame:
    """Rows where ``mask`` holds; a plain list would select *columns* when it is empty."""
    return frame[pd.Series(mask, index=frame.index, dtype=bool)]


def filter_frames(
    places: gpd.GeoDataFrame,
    links: gpd.GeoDataFrame,
    *,
    articles: Iterable[str] | None = None,
    actors: Iterable[str] | None = None,
    countries: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    include_undated: bool = True,
    min_mentions: int = 1,
    registry: ActorRegistry | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Keep the given articles and/or actors, countries, place types, dates and mention counts.

    With actors, places are those the actors are linked to. Actor names match as
    :func:`match_actors` says (any alias in ``registry``, a person's surname, case and accents
    ignored); country codes case-insensitively. The date range is inclusive on both
    ends and reads the articles' ``published`` day; ``include_undated`` keeps articles without a
    date, because most hand-collected articles have none and silently hiding them would look
    like "no places". Whenever a filter removes places, links keep only those whose place is
    still shown, so a line never ends at a place that is not on the map.
    """
    if articles:
        wanted = set(articles)
        places = places[places["article_id"].isin(wanted)]
        links = links[links["article_id"].isin(wanted)]
    if actors:
        matches = match_actors(actors, frame_actors(places, links), registry)
        wanted_actors = {name for match in matches for name in match.names}
        links = links[links["actor"].isin(wanted_actors)]
        keys = set(zip(links["article_id"], links["place_key"]))
        places = _where(places, [(a, k) in keys for a, k in zip(places["article_id"], places["place_key"])])
    place_filter = False
    if countries:
        wanted_cc = {c.upper() for c in countries}
        codes = places["country_code"]
        places = _where(places, [isinstance(c, str) and c.upper() in wanted_cc for c in codes])
        place_filter = True
    if features:
        places = places[places["feature"].isin(set(features))]
        place_filter = True
    start, end = _as_date(date_from), _as_date(date_to)
    if start is not None or end is not None:
        mask = []
        for value in places["published"]:
            day = published_date(value)
            if day is None:
                mask.append(include_undated)
            else:
                mask.append((start is None or day >= start) and (end is None or day <= end))
        places = _where(places, mask)
        place_filter = True
    if min_mentions > 1:
        places = places[places["mentions"] >= min_mentions]
        place_filter = True
    if place_filter:
        keys = set(zip(places["article_id"], places["place_key"]))
        links = _where(links, [(a, k) in keys for a, k in zip(links["article_id"], links["place_key"])])
    return places.reset_index(drop=True), links.reset_index(drop=True)


def filter_results(
    results: Iterable[Result], places: gpd.GeoDataFrame, links: gpd.GeoDataFrame
) -> list[Result]:
    """Results cut down to what filtered frames still show, for the exporters that read results.

    The exports (GeoJSON, CSV, …) work on results, the filters on frames; this keeps a download
    equal to what is on screen: a place mention survives when its (article, place) row does, a
    link when its (article, actor, place) row does; articles with no place left are dropped.
    """
    place_keys = set(zip(places["article_id"], places["place_key"]))
    link_keys = set(zip(links["article_id"], links["actor"], links["place_key"]))
    out: list[Result] = []
    for result in results:
        aid = result.article.id
        kept = [pm for pm in result.places if pm.place is not None and (aid, pm.place.key) in place_keys]
        if not kept:
            continue
        # Links without a line (an actor with no known home) are never in the links frame; they
        # follow their place instead, so the CSV's actors column does not lose them.
        kept_links = [
            lk
            for lk in result.links
            if (aid, lk.actor.name, lk.place.key) in link_keys
            or (lk.actor.home is None and (aid, lk.place.key) in place_keys)
        ]
        out.append(Result(article=result.article, places=kept, actors=result.actors, links=kept_links))
    return out
