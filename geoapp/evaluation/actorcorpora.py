"""Gold actors and actor→place links from ``../shared/eval``: devnews and re3d, as small dataclasses.

devnews (``devnews/articles.jsonl``) annotates actor mentions (person, organisation, country as an
agent) and links (actor, place, relation, evidence sentence) in 24 news articles; re3d
(``re3d/re3d-dev.jsonl``) annotates Person/Organisation/Location entities and relations between them
in 77 English conflict reports. Both keep offsets as Python ``str`` indices into ``text``, end
exclusive, like :class:`geoapp.model.Mention`. The scoring lives in :mod:`geoapp.evaluation.actors`.

re3d's Person and Organisation include descriptions and pronouns ("the regime", "We"); the eval
README counts as actors only those with a proper name and confidence ≥ 0.5 (:func:`is_named`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from geoapp.evaluation.corpora import DEVNEWS_RELPATH, GoldSpan

RE3D_RELPATH = "re3d/re3d-dev.jsonl"

#: re3d entity types that are actors.
RE3D_ACTOR_TYPES = frozenset({"Person", "Organisation"})
#: re3d relation types that are actor→place links (from a named actor to a named Location).
RE3D_LINK_TYPES = frozenset({"CoLocated", "InChargeOf", "FightingAgainst"})
#: An annotation below this confidence is not counted as a named actor or a link end.
NAMED_MIN_CONFIDENCE = 0.5

#: English function words (articles, determiners, pronouns, prepositions, conjunctions): a capitalised
#: one ("The", "We", "Our") does not make a name. Modal verbs stay out ("May" is a name).
FUNCTION_WORDS = frozenset(
    """a an the this that these those some any all both each every either neither no none such other
    another many much more most few several own same i me my mine we us our ours you your yours he him
    his she her hers it its they them their theirs who whom whose which what whoever there here
    of in on at to for from by with without about against between among into onto over under after
    before during since until upon via per and or but nor so yet as if than then when while where
    because although though not one""".split()
)

_WORD_RE = re.compile(r"[^\W\d_]+")


def is_named(surface: str) -> bool:
    """Whether a span holds a proper name: a capitalised word other than a function word.

    A function word written in capitals ("US", "IT") is an acronym, hence a name; "I", "We" and a
    sentence-initial "The" are not. As the eval README defines it, a sentence-initial description
    ("Coalition military forces", "Noncommissioned officers") counts as named.
    """
    for word in _WORD_RE.findall(surface):
        if not word[0].isupper():
            continue
        acronym = len(word) > 1 and word.isupper()
        if acronym or word.lower() not in FUNCTION_WORDS:
            return True
    return False


# --------------------------------------------------------------------------- devnews


@dataclass(frozen=True)
class GoldActorMention:
    """One annotated actor mention: ``name`` is the canonical (English) name, ``type`` person,
    organisation or country."""

    start: int
    end: int
    text: str
    name: str
    type: str
    country: str | None = None


@dataclass(frozen=True)
class GoldLink:
    """One gold actor→place link; ``extra`` marks devnews' ``extra_links`` (noun-phrase bridges)."""

    actor: str
    actor_type: str
    aliases: tuple[str, ...]
    place: str
    place_start: int
    place_end: int
    lat: float | None
    lon: float | None
    relation: str
    sentence_start: int
    sentence_end: int
    cross_sentence: bool = False
    extra: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name and every alias: what a predicted actor name may agree with."""
        return (self.actor, *self.aliases)


@dataclass
class NewsDoc:
    """One devnews article with all its annotations (``source`` is the URL, never shown to a parser)."""

    id: str
    lang: str
    text: str
    toponyms: list[GoldSpan] = field(default_factory=list)
    demonyms: list[GoldSpan] = field(default_factory=list)
    actors: list[GoldActorMention] = field(default_factory=list)
    links: list[GoldLink] = field(default_factory=list)
    extra_links: list[GoldLink] = field(default_factory=list)
    source: str | None = None


def _gold_link(raw: dict, extra: bool) -> GoldLink:
    return GoldLink(
        actor=raw["actor"],
        actor_type=raw.get("actor_type") or "",
        aliases=tuple(raw.get("actor_aliases") or ()),
        place=raw["place"],
        place_start=int(raw["place_start"]),
        place_end=int(raw["place_end"]),
        lat=raw.get("lat"),
        lon=raw.get("lon"),
        relation=raw.get("relation") or "",
        sentence_start=int(raw["sentence_start"]),
        sentence_end=int(raw["sentence_end"]),
        cross_sentence=bool(raw.get("cross_sentence")),
        extra=extra,
    )


def news_doc_from_record(rec: dict) -> NewsDoc:
    """One devnews JSON record as a :class:`NewsDoc`."""
    text = rec["text"]
    toponyms = [
        GoldSpan(
            t["start"], t["end"], text[t["start"] : t["end"]], t.get("lat"), t.get("lon"), t.get("type") or ""
        )
        for t in rec.get("toponyms") or []
    ]
    demonyms = [
        GoldSpan(d["start"], d["end"], text[d["start"] : d["end"]], type="demonym")
        for d in rec.get("demonyms") or []
    ]
    actors = [
        GoldActorMention(
            a["start"], a["end"], text[a["start"] : a["end"]], a["name"], a["type"], a.get("country")
        )
        for a in rec.get("actors") or []
    ]
    return NewsDoc(
        id=rec["id"],
        lang=rec.get("lang") or "und",
        text=text,
        toponyms=toponyms,
        demonyms=demonyms,
        actors=actors,
        links=[_gold_link(raw, False) for raw in rec.get("links") or []],
        extra_links=[_gold_link(raw, True) for raw in rec.get("extra_links") or []],
        source=rec.get("url"),
    )


def parse_devnews(lines: Iterable[str], *, lang: str | None = None) -> Iterator[NewsDoc]:
    """devnews articles from JSON lines, optionally one language only."""
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        if lang is None or rec.get("lang") == lang:
            yield news_doc_from_record(rec)


def read_devnews(path: Path, *, lang: str | None = None) -> Iterator[NewsDoc]:
    """devnews from ``articles.jsonl`` (see :func:`parse_devnews`)."""
    with open(path, encoding="utf-8") as fh:
        yield from parse_devnews(fh, lang=lang)


# --------------------------------------------------------------------------- re3d


@dataclass(frozen=True)
class Re3dEntity:
    start: int
    end: int
    type: str
    text: str
    confidence: float = 1.0

    @property
    def named(self) -> bool:
        """A proper name annotated with confidence ≥ :data:`NAMED_MIN_CONFIDENCE`."""
        return self.confidence >= NAMED_MIN_CONFIDENCE and is_named(self.text)


@dataclass(frozen=True)
class Re3dRelation:
    """A relation between two spans; ``source``/``target`` are the entities at those spans."""

    type: str
    source: Re3dEntity
    target: Re3dEntity
    confidence: float = 1.0

    @property
    def is_link(self) -> bool:
        """A link type from a named Person/Organisation to a named Location (eval README)."""
        return (
            self.type in RE3D_LINK_TYPES
            and self.source.type in RE3D_ACTOR_TYPES
            and self.target.type == "Location"
            and self.source.named
            and self.target.named
        )


@dataclass
class Re3dDoc:
    """One re3d document; ``source`` is the publisher (CENTCOM, UK Government …)."""

    id: str
    source: str
    text: str
    entities: list[Re3dEntity] = field(default_factory=list)
    relations: list[Re3dRelation] = field(default_factory=list)
    lang: str = "en"
    title: str = ""

    @property
    def named_actors(self) -> list[Re3dEntity]:
        """The gold actor mentions recall is measured on: named Person/Organisation entities."""
        return [e for e in self.entities if e.type in RE3D_ACTOR_TYPES and e.named]

    @property
    def actor_entities(self) -> list[Re3dEntity]:
        """Every Person/Organisation entity, named or not, at any confidence (precision's reference)."""
        return [e for e in self.entities if e.type in RE3D_ACTOR_TYPES]

    @property
    def gold_links(self) -> list[Re3dRelation]:
        return [r for r in self.relations if r.is_link]


def _end_entity(raw: dict, which: str, by_span: dict[tuple[int, int, str], Re3dEntity]) -> Re3dEntity:
    """The entity at a relation's source or target span; rebuilt from the relation when unannotated
    (two relations in re3d dev point at spans with no entity of that type)."""
    start, end, kind = int(raw[f"{which}_start"]), int(raw[f"{which}_end"]), raw.get(f"{which}_type") or ""
    found = by_span.get((start, end, kind))
    if found is not None:
        return found
    return Re3dEntity(start, end, kind, raw.get(which) or "", float(raw.get("confidence", 1.0)))


def re3d_doc_from_record(rec: dict) -> Re3dDoc:
    """One re3d JSON record as a :class:`Re3dDoc`."""
    text = rec["text"]
    entities = [
        Re3dEntity(
            e["start"], e["end"], e["type"], text[e["start"] : e["end"]], float(e.get("confidence", 1.0))
        )
        for e in rec.get("entities") or []
    ]
    by_span = {(e.start, e.end, e.type): e for e in entities}
    relations = [
        Re3dRelation(
            raw["type"],
            _end_entity(raw, "source", by_span),
            _end_entity(raw, "target", by_span),
            float(raw.get("confidence", 1.0)),
        )
        for raw in rec.get("relations") or []
    ]
    return Re3dDoc(
        id=rec["id"],
        source=rec.get("source") or "?",
        text=text,
        entities=entities,
        relations=relations,
        lang=rec.get("lang") or "en",
        title=rec.get("title") or "",
    )


def parse_re3d(lines: Iterable[str]) -> Iterator[Re3dDoc]:
    """re3d documents from JSON lines."""
    for line in lines:
        if line.strip():
            yield re3d_doc_from_record(json.loads(line))


def read_re3d(path: Path) -> Iterator[Re3dDoc]:
    """re3d from ``re3d-dev.jsonl`` (see :func:`parse_re3d`)."""
    with open(path, encoding="utf-8") as fh:
        yield from parse_re3d(fh)


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class ActorDataset:
    """A named actor/link corpus: ``kind`` is ``news`` (devnews schema) or ``re3d``."""

    name: str
    relpath: str
    kind: str
    lang: str | None
    description: str

    def read(self, path: Path) -> Iterator[NewsDoc] | Iterator[Re3dDoc]:
        if self.kind == "re3d":
            return read_re3d(path)
        return read_devnews(path, lang=self.lang)


ACTOR_DATASETS: dict[str, ActorDataset] = {
    d.name: d
    for d in (
        ActorDataset("devnews", DEVNEWS_RELPATH, "news", None, "devnews actors and links, de + en"),
        ActorDataset("devnews-de", DEVNEWS_RELPATH, "news", "de", "devnews actors and links, German"),
        ActorDataset("devnews-en", DEVNEWS_RELPATH, "news", "en", "devnews actors and links, English"),
        ActorDataset(
            "re3d", RE3D_RELPATH, "re3d", None, "re3d dev: named actors and actor→location relations"
        ),
    )
}
