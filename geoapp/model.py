"""The plain data that flows through geoapp, one stage to the next.

Every offset is a Python ``str`` index into ``Article.text`` (or into ``Article.title`` when a
mention's ``field`` is ``"title"``), end exclusive, so any span can be cut back out of its source:
that is how every point on a map traces to a quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The kinds of place a gazetteer entry or a resolved place can be.
PLACE_FEATURES = ("continent", "country", "region", "city", "feature", "other")
#: A place mention resolved with less confidence than this, or not resolved at all, carries the
#: flag :data:`NEEDS_REVIEW`: the CLI counts them, the app lists them, popups say so.
REVIEW_BELOW = 0.5
NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class Article:
    """One news article as read from a file or a JSON record.

    ``title_in_text`` is true when the title is the first line of ``text`` (plain-text files):
    the title is then searched as part of the text and not a second time on its own.
    """

    id: str
    title: str
    text: str
    lang: str = "und"
    url: str | None = None
    source: str | None = None
    published: str | None = None
    path: str | None = None
    title_in_text: bool = False


@dataclass(frozen=True)
class Mention:
    """A span of an article: ``kind`` is ``place``, ``actor`` or ``demonym``."""

    start: int
    end: int
    text: str
    kind: str = "place"
    field: str = "text"


@dataclass(frozen=True)
class Place:
    """A resolved location.

    ``source`` says who answered (``gazetteer``, ``cache``, ``nominatim``, ``user``) and ``why``
    the evidence that chose this candidate over the others, shown in the map's popups.
    """

    name: str
    lat: float
    lon: float
    country_code: str | None
    feature: str
    geonameid: int | None = None
    source: str = "gazetteer"
    why: str = ""
    population: int = 0
    admin1: str | None = None
    #: How sure the resolver is of this choice, 0-1 (1: no doubt, e.g. a user fix or the only
    #: candidate of a clear name); below :data:`REVIEW_BELOW` the mention is flagged for review.
    confidence: float = 1.0
    #: What else the name could be, short descriptions of the runner-up candidates
    #: ("Lander, VE (city)"), for the popup and the review list.
    alternatives: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A stable identity for grouping mentions of the same place (curated features have
        negative ids of their own, see ``geoapp.features``)."""
        if self.geonameid:
            return f"geonames:{self.geonameid}" if self.geonameid > 0 else f"curated:{-self.geonameid}"
        return f"{self.source}:{self.name}:{self.lat:.4f},{self.lon:.4f}"


@dataclass(frozen=True)
class Candidate:
    """One possible referent of a place name, from any geocoder (gazetteer, cache, Nominatim).

    All geocoders answer with this one type so that a single resolver ranks them all.
    ``feature`` is one of :data:`PLACE_FEATURES`; ``feature_code`` the GeoNames code (PPLC, ADM1,
    PCLI …) or the source's own class/type; ``importance`` a source-given prior in [0, 1].
    """

    name: str
    lat: float
    lon: float
    country_code: str | None
    feature: str
    feature_code: str = ""
    population: int = 0
    geonameid: int | None = None
    admin1: str | None = None
    source: str = "gazetteer"
    importance: float = 0.0

    def to_place(
        self,
        why: str = "",
        source: str | None = None,
        confidence: float = 1.0,
        alternatives: tuple[str, ...] = (),
    ) -> Place:
        return Place(
            name=self.name,
            lat=self.lat,
            lon=self.lon,
            country_code=self.country_code,
            feature=self.feature,
            geonameid=self.geonameid,
            source=source or self.source,
            why=why,
            population=self.population,
            admin1=self.admin1,
            confidence=confidence,
            alternatives=alternatives,
        )


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the text and what it resolved to (``place`` is None when unresolved)."""

    mention: Mention
    place: Place | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Actor:
    """Someone or something that acts: a person, an organisation or a country as an agent."""

    name: str
    kind: str  # person | organisation | country
    country_code: str | None = None
    role: str | None = None
    home: Place | None = None


@dataclass(frozen=True)
class ActorMention:
    """One mention of an actor. ``form`` says how the text names it: ``name`` (a proper name, a
    country or capital that acts) or ``title`` (the office alone, standing for a person the article
    names: "the Foreign Secretary", "der Außenminister")."""

    mention: Mention
    actor: Actor
    form: str = "name"


@dataclass(frozen=True)
class Link:
    """An actor tied to a place by one sentence of the article (the evidence)."""

    actor: Actor
    place: Place
    relation: str
    sentence: Mention
    article_id: str
    place_mention: Mention | None = None
    actor_mention: Mention | None = None


@dataclass
class Result:
    """What the pipeline returns for one article and what the JSONL contract serialises."""

    article: Article
    places: list[PlaceMention] = field(default_factory=list)
    actors: list[ActorMention] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    #: Places named by an adjective ("Russian" → Russia, "European" → Europe): references with
    #: offsets, kept out of ``places`` because they are no markers on the map (see
    #: :mod:`geoapp.adjectives`).
    adjectives: list[PlaceMention] = field(default_factory=list)

    def to_record(self) -> dict:
        """The JSONL contract: one object per article (see README, "Output")."""
        places = [_place_record(pm) for pm in self.places]
        actors = []
        for am in self.actors:
            m, a = am.mention, am.actor
            item = {
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "name": a.name,
                "kind": a.kind,
                "country_code": a.country_code,
            }
            if m.field != "text":
                item["field"] = m.field
            if am.form != "name":
                item["form"] = am.form
            actors.append(item)
        links = [
            {
                "actor": lk.actor.name,
                "place": lk.place.name,
                "relation": lk.relation,
                "sentence": lk.sentence.text,
                "start": lk.sentence.start,
                "end": lk.sentence.end,
            }
            for lk in self.links
        ]
        a = self.article
        return {
            "id": a.id,
            "title": a.title,
            "lang": a.lang,
            "url": a.url,
            "source": a.source,
            "published": a.published,
            "places": places,
            "actors": actors,
            "links": links,
            "adjectives": [_place_record(pm) for pm in self.adjectives],
        }


def _place_record(pm: PlaceMention) -> dict:
    """One place mention (or adjective reference) as the JSONL contract writes it."""
    m, p = pm.mention, pm.place
    item = {
        "start": m.start,
        "end": m.end,
        "text": m.text,
        "name": p.name if p else None,
        "lat": p.lat if p else None,
        "lon": p.lon if p else None,
        "country_code": p.country_code if p else None,
        "feature": p.feature if p else None,
        "geonameid": p.geonameid if p else None,
        "source": p.source if p else None,
        "confidence": round(p.confidence, 3) if p else 0.0,
    }
    if p is not None and p.alternatives:
        item["alternatives"] = list(p.alternatives)
    if m.field != "text":
        item["field"] = m.field
    if pm.flags:
        item["flags"] = list(pm.flags)
    return item
