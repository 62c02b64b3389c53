"""Scoring actors and actor→place links of one parsed article against devnews or re3d gold.

Everything here reads only the public :class:`geoapp.model.Result`: ``result.actors``
(``ActorMention``), ``result.links`` (``Link``) and ``result.places``. Mentions and links whose
span lies in the title (``field == "title"``) are ignored, because the parser is given no title
and both corpora annotate ``text`` only. Missing optional parts (a link without ``place_mention``
or ``actor_mention``, a place without coordinates) make a prediction weaker, never crash the scoring.

The rules are the eval README's (``../shared/eval/README.md``, "Actors and links"); docs/evaluation.md
spells them out. Each ``score_*`` function returns counts plus the errors behind them, each error with
a ``cause`` so the report can say *why* a link was missed or false, not only how many.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from geoapp.evaluation.actorcorpora import (
    FUNCTION_WORDS,
    NAMED_MIN_CONFIDENCE,
    RE3D_ACTOR_TYPES,
    RE3D_LINK_TYPES,
    GoldLink,
    NewsDoc,
    Re3dDoc,
    Re3dRelation,
)
from geoapp.evaluation.metrics import ACC_KM, haversine_km, match_overlap
from geoapp.model import ActorMention, Link, Mention, PlaceMention, Result

#: The actor kinds scored per type (devnews' actor types).
ACTOR_TYPES = ("person", "organisation", "country")
#: Characters shown on each side of an actor error.
CONTEXT_CHARS = 40
#: Evidence longer than this is shortened in the middle when printed.
MAX_EVIDENCE_CHARS = 320


# --------------------------------------------------------------------------- names


def fold(name: str | None) -> str:
    """Case- and accent-folded, punctuation turned into single spaces ("Çavuşoğlu" → "cavusoglu")."""
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(w for w in re.split(r"[\W_]+", bare) if w)


def names_agree(pred_name: str | None, gold_names: Iterable[str], person: bool) -> bool:
    """Whether a predicted actor name agrees with a gold actor: equal to the canonical name or an
    alias after :func:`fold`; for a gold person also when the last words (surnames) are equal."""
    pred = fold(pred_name)
    if not pred:
        return False
    golds = {g for g in (fold(n) for n in gold_names) if g}
    if pred in golds:
        return True
    if person:
        surname = pred.split()[-1]
        return any(g.split()[-1] == surname for g in golds)
    return False


def surface_agrees(pred_name: str | None, surface: str, person: bool) -> bool:
    """re3d: a predicted actor name agrees with a gold entity's surface ("the Syrian Democratic
    Forces", "Foreign Secretary Philip Hammond"): equal once leading function words are dropped, or
    for a Person the same last word."""
    words = fold(surface).split()
    while words and words[0] in FUNCTION_WORDS:
        words.pop(0)
    return bool(words) and names_agree(pred_name, [" ".join(words)], person)


# --------------------------------------------------------------------------- small helpers


def _span_overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return min(a_end, b_end) > max(a_start, b_start)


def _in_text(m: Mention | None) -> bool:
    return m is not None and getattr(m, "field", "text") == "text"


def text_actor_mentions(result: Result) -> list[ActorMention]:
    """The predicted actor mentions in the text (title mentions left out), in text order."""
    ams = [am for am in result.actors or [] if am is not None and _in_text(am.mention)]
    return sorted(ams, key=lambda am: (am.mention.start, am.mention.end))


def text_links(result: Result) -> list[Link]:
    """The predicted links whose evidence sentence is in the text (title links left out)."""
    return [lk for lk in result.links or [] if lk is not None and _in_text(lk.sentence)]


def text_places(result: Result) -> list[PlaceMention]:
    return [pm for pm in result.places or [] if pm is not None and _in_text(pm.mention)]


def actor_name(am_or_link: ActorMention | Link) -> str:
    """The actor's name, falling back to the mention text when the actor carries none."""
    actor = getattr(am_or_link, "actor", None)
    name = getattr(actor, "name", None)
    if name:
        return name
    m = getattr(am_or_link, "mention", None) or getattr(am_or_link, "actor_mention", None)
    return m.text if m is not None else ""


def actor_kind(am_or_link: ActorMention | Link) -> str:
    return getattr(getattr(am_or_link, "actor", None), "kind", None) or "?"


def _place_key(link: Link) -> str:
    """What makes two predicted links point at the same place."""
    place = link.place
    if place is not None:
        try:
            return place.key
        except (AttributeError, TypeError):
            return fold(getattr(place, "name", ""))
    return fold(link.place_mention.text) if link.place_mention is not None else ""


def _place_name(link: Link) -> str:
    if link.place is not None and getattr(link.place, "name", None):
        return link.place.name
    return link.place_mention.text if link.place_mention is not None else "?"


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The span in ``[brackets]`` with ``width`` characters either side, on one line."""
    s = text[max(0, start - width) : start] + "[" + text[start:end] + "]" + text[end : end + width]
    return " ".join(s.split())


def evidence(text: str, start: int, end: int, marks: Sequence[tuple[int, int]] = ()) -> str:
    """A sentence on one line, with the given spans (actor, place) in ``[brackets]``.

    Marks outside the sentence or overlapping an earlier mark are skipped. A long sentence is cut
    in the middle so that error listings stay readable.
    """
    start, end = max(0, start), min(len(text), end)
    pieces, pos = [], start
    for s, e in sorted(m for m in marks if start <= m[0] < m[1] <= end):
        if s < pos:
            continue
        pieces += [text[pos:s], "[", text[s:e], "]"]
        pos = e
    pieces.append(text[pos:end])
    out = " ".join("".join(pieces).split())
    if len(out) > MAX_EVIDENCE_CHARS:
        half = MAX_EVIDENCE_CHARS // 2
        out = out[:half] + " … " + out[-half:]
    return out


def max_matching(n_left: int, n_right: int, allowed: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """A maximum one-to-one matching (Kuhn's augmenting paths) of ``left`` to ``right`` indices.

    Maximal rather than greedy, so the order of the predictions can never lower a score.
    """
    adj = [[j for j in range(n_right) if allowed(i, j)] for i in range(n_left)]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(n_left):
        if adj[i]:
            augment(i, set())
    return sorted((i, j) for j, i in owner.items())


# --------------------------------------------------------------------------- scores and errors


@dataclass
class Tally:
    """True positives against the predicted and gold totals; summed over documents."""

    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    def add(self, other: Tally) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold

    @property
    def precision(self) -> float | None:
        return self.tp / self.n_pred if self.n_pred else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.n_gold if self.n_gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {
            "tp": self.tp,
            "n_pred": self.n_pred,
            "n_gold": self.n_gold,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass
class ActorError:
    """One mistake with its likely cause; ``count`` > 1 once identical actor errors are grouped.

    ``kind``: ``missed-actor``, ``false-actor``, ``actor-type``, ``missed-link``, ``false-link``.
    """

    kind: str
    cause: str
    doc_id: str
    text: str
    context: str
    detail: str = ""
    count: int = 1

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# --------------------------------------------------------------------------- devnews: actor mentions


@dataclass
class GoldActor:
    """A distinct actor of one article: canonical name, type and every name it may be called by."""

    name: str
    type: str
    names: tuple[str, ...]


def gold_actors(doc: NewsDoc) -> list[GoldActor]:
    """Distinct gold actors of an article: canonical name + every mention surface + link aliases."""
    order: list[str] = []
    types: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for a in doc.actors:
        if a.name not in names:
            order.append(a.name)
            types[a.name], names[a.name] = a.type, [a.name]
        names[a.name].append(a.text)
    for lk in doc.links + doc.extra_links:
        if lk.actor not in names:
            order.append(lk.actor)
            types[lk.actor], names[lk.actor] = lk.actor_type, [lk.actor]
        names[lk.actor].extend(lk.aliases)
    return [GoldActor(n, types[n], tuple(dict.fromkeys(names[n]))) for n in order]


@dataclass
class PredActor:
    """A distinct predicted actor of one article (predicted mentions grouped by folded name)."""

    name: str
    kind: str
    mentions: list[ActorMention]


def predicted_actors(ams: Sequence[ActorMention]) -> list[PredActor]:
    grouped: dict[str, PredActor] = {}
    for am in ams:
        name = actor_name(am)
        key = fold(name)
        if key not in grouped:
            grouped[key] = PredActor(name, actor_kind(am), [])
        grouped[key].mentions.append(am)
    return list(grouped.values())


@dataclass
class NewsActorScore:
    """Actor scores of one devnews article: mentions (untyped, typed, per type) and distinct actors."""

    mentions: Tally = field(default_factory=Tally)
    typed: Tally = field(default_factory=Tally)
    by_type: dict[str, Tally] = field(default_factory=dict)
    actors: Tally = field(default_factory=Tally)
    actors_by_type: dict[str, Tally] = field(default_factory=dict)
    errors: list[ActorError] = field(default_factory=list)


def _false_actor_cause(doc: NewsDoc, m: Mention, kind: str) -> str:
    """Why a predicted actor mention overlaps no gold actor: what the corpus says the span is."""
    if m.kind == "demonym" or any(_span_overlap(m.start, m.end, d.start, d.end) for d in doc.demonyms):
        return "demonym as actor"
    if any(_span_overlap(m.start, m.end, t.start, t.end) for t in doc.toponyms):
        return "toponym not acting (location/possessor/patient)"
    return f"no gold actor ({kind})"


def score_news_actors(doc: NewsDoc, result: Result) -> NewsActorScore:
    """Actor mentions one-to-one by character overlap, and distinct actors by name agreement.

    devnews annotates actors where the text names them, so mentions by office alone ("the
    President" for the Tshisekedi named before; ``form == "title"``) are outside its scope and not
    scored here; re3d, whose guidelines annotate such descriptions, scores them."""
    out = NewsActorScore()
    gold = doc.actors
    preds = [am for am in text_actor_mentions(result) if am.form == "name"]
    pred_spans = [am.mention for am in preds]
    pairs = match_overlap(gold, pred_spans)
    out.mentions = Tally(len(pairs), len(preds), len(gold))
    for t in ACTOR_TYPES:
        g_t = [g for g in gold if g.type == t]
        p_t = [m for am, m in zip(preds, pred_spans) if actor_kind(am) == t]
        out.by_type[t] = Tally(len(match_overlap(g_t, p_t)), len(p_t), len(g_t))
    # typed: a match needs the same type; a prediction of any other kind is simply wrong
    out.typed = Tally(sum(t.tp for t in out.by_type.values()), len(preds), len(gold))
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    text = doc.text
    for i, g in enumerate(gold):
        if i not in matched_g:
            out.errors.append(
                ActorError(
                    "missed-actor", f"missed {g.type}", doc.id, g.text, context(text, g.start, g.end), g.name
                )
            )
    for j, am in enumerate(preds):
        m = am.mention
        if j not in matched_p:
            out.errors.append(
                ActorError(
                    "false-actor",
                    _false_actor_cause(doc, m, actor_kind(am)),
                    doc.id,
                    m.text,
                    context(text, m.start, m.end),
                    f"{actor_name(am)} ({actor_kind(am)})",
                )
            )
    for i, j in pairs:
        g, am = gold[i], preds[j]
        if g.type != actor_kind(am):
            out.errors.append(
                ActorError(
                    "actor-type",
                    f"{g.type} as {actor_kind(am)}",
                    doc.id,
                    g.text,
                    context(text, g.start, g.end),
                    f"{actor_name(am)}",
                )
            )
    g_actors = gold_actors(doc)
    p_actors = predicted_actors(preds)

    def agree(gi: int, pj: int) -> bool:
        g = g_actors[gi]
        return names_agree(p_actors[pj].name, g.names, g.type == "person")

    out.actors = Tally(len(max_matching(len(g_actors), len(p_actors), agree)), len(p_actors), len(g_actors))
    for t in ACTOR_TYPES:
        gi_t = [i for i, g in enumerate(g_actors) if g.type == t]
        pj_t = [j for j, p in enumerate(p_actors) if p.kind == t]
        out.actors_by_type[t] = _typed_actor_tally(gi_t, pj_t, agree)
    return out


def _typed_actor_tally(gi: list[int], pj: list[int], agree: Callable[[int, int], bool]) -> Tally:
    """Distinct actors of one type matched by name among themselves (indices into the full lists)."""
    return Tally(len(max_matching(len(gi), len(pj), lambda a, b: agree(gi[a], pj[b]))), len(pj), len(gi))


# --------------------------------------------------------------------------- devnews: links


@dataclass
class PredPair:
    """A unique predicted (actor, place) pair of one article and the links (evidence) behind it."""

    actor: str
    kind: str
    place: str
    links: list[Link]


def predicted_pairs(links: Sequence[Link]) -> list[PredPair]:
    """Unique (folded actor name, place identity) pairs, in order of first evidence."""
    pairs: dict[tuple[str, str], PredPair] = {}
    for lk in sorted(links, key=lambda lk: (lk.sentence.start, lk.sentence.end)):
        key = (fold(actor_name(lk)), _place_key(lk))
        if key not in pairs:
            pairs[key] = PredPair(actor_name(lk), actor_kind(lk), _place_name(lk), [])
        pairs[key].links.append(lk)
    return list(pairs.values())


def unique_gold_links(links: Iterable[GoldLink]) -> list[GoldLink]:
    """One gold link per (actor, place) pair of an article, the first one given winning."""
    seen: dict[tuple[str, str], GoldLink] = {}
    for g in links:
        seen.setdefault((fold(g.actor), fold(g.place)), g)
    return list(seen.values())


def link_support(lk: Link, g: GoldLink) -> int:
    """How a predicted link's evidence supports a gold link's place: 2 when its place mention
    overlaps the gold place mention, 1 when its place lies within 161 km of the gold coordinates and
    the sentences overlap, 0 otherwise."""
    pm = lk.place_mention
    if _in_text(pm) and _span_overlap(pm.start, pm.end, g.place_start, g.place_end):
        return 2
    place, s = lk.place, lk.sentence
    lat, lon = getattr(place, "lat", None), getattr(place, "lon", None)
    if g.lat is None or g.lon is None or lat is None or lon is None:
        return 0
    if not _span_overlap(s.start, s.end, g.sentence_start, g.sentence_end):
        return 0
    return 1 if haversine_km(g.lat, g.lon, lat, lon) <= ACC_KM else 0


def pair_matches(p: PredPair, g: GoldLink) -> bool:
    """The README's rule: the actor names agree and some evidence of the pair supports the place."""
    return names_agree(p.actor, g.names, g.actor_type == "person") and any(
        link_support(lk, g) for lk in p.links
    )


def _same_place(p: PredPair, g: GoldLink) -> bool:
    """Whether a predicted pair's place is the gold link's place, wherever in the article: the same
    folded name or within 161 km (for error causes only; matching needs the evidence)."""
    for lk in p.links:
        if fold(_place_name(lk)) == fold(g.place):
            return True
        lat, lon = getattr(lk.place, "lat", None), getattr(lk.place, "lon", None)
        if None not in (lat, lon, g.lat, g.lon) and haversine_km(g.lat, g.lon, lat, lon) <= ACC_KM:
            return True
    return False


def pair_relation(p: PredPair, g: GoldLink) -> str:
    """The relation of the predicted evidence that best supports the gold link: place-mention
    overlap before the 161 km rule, then the earliest sentence."""
    best = max(p.links, key=lambda lk: (link_support(lk, g), -lk.sentence.start))
    return best.relation or ""


@dataclass
class LinkScore:
    """Link scores of one article against one gold set (``links``, or ``links`` + ``extra_links``)."""

    pairs: Tally = field(default_factory=Tally)
    relation_ok: int = 0
    #: (gold relation, predicted relation) of every matched pair
    relations: list[tuple[str, str]] = field(default_factory=list)
    matched: list[tuple[int, int]] = field(default_factory=list)


def score_link_set(gold: Sequence[GoldLink], preds: Sequence[PredPair]) -> LinkScore:
    """Unique pairs matched one-to-one (maximum matching) under :func:`pair_matches`."""
    matched = max_matching(len(gold), len(preds), lambda i, j: pair_matches(preds[j], gold[i]))
    out = LinkScore(Tally(len(matched), len(preds), len(gold)), matched=matched)
    for i, j in matched:
        rel = pair_relation(preds[j], gold[i])
        out.relations.append((gold[i].relation, rel))
        out.relation_ok += rel == gold[i].relation
    return out


@dataclass
class NewsLinkScore:
    strict: LinkScore
    with_extra: LinkScore
    errors: list[ActorError] = field(default_factory=list)


def _marks(*mentions: Mention | None) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in mentions if _in_text(m)]


def _missed_link_cause(doc: NewsDoc, g: GoldLink, result: Result, preds: Sequence[PredPair]) -> str:
    """Which step lost a gold link: the actor, the place, the pairing, or the evidence."""
    person = g.actor_type == "person"
    in_sentence = [
        am
        for am in text_actor_mentions(result)
        if g.sentence_start <= am.mention.start and am.mention.end <= g.sentence_end
    ]
    actor_found = any(names_agree(actor_name(am), g.names, person) for am in in_sentence)
    place_found = any(
        _span_overlap(pm.mention.start, pm.mention.end, g.place_start, g.place_end)
        for pm in text_places(result)
    )
    if not actor_found:
        gold_spans = [
            a
            for a in doc.actors
            if a.name == g.actor and g.sentence_start <= a.start and a.end <= g.sentence_end
        ]
        renamed = [
            actor_name(am)
            for am in in_sentence
            if any(_span_overlap(am.mention.start, am.mention.end, a.start, a.end) for a in gold_spans)
        ]
        if renamed:
            return f"actor found under another name ({renamed[0]})"
        return "actor not recognised" + ("" if place_found else ", nor the place")
    if not place_found:
        return "place not recognised"
    if any(names_agree(p.actor, g.names, person) and _same_place(p, g) for p in preds):
        return "pair predicted on other evidence"
    return "actor and place found, not linked" + (" (cross-sentence)" if g.cross_sentence else "")


def _false_link_cause(
    doc: NewsDoc, p: PredPair, golds: Sequence[GoldActor], extra: Sequence[GoldLink]
) -> str:
    """Why a predicted pair matches no gold link, first reason that applies: it is a noun-phrase
    bridge (extra), the pair is gold but argued elsewhere, its actor mentions are no gold actor
    mentions (and what the corpus says they are), the actor is named wrongly or is no actor of the
    article, the place is no gold toponym, or the pair is simply not gold (with the relation given)."""
    if any(pair_matches(p, g) for g in extra):
        return "matches an extra_link (noun-phrase bridge)"
    gold_actor = next((g for g in golds if names_agree(p.actor, g.names, g.type == "person")), None)
    if gold_actor is not None and any(g.actor == gold_actor.name and _same_place(p, g) for g in doc.links):
        return "gold pair, evidence elsewhere or already matched"
    ams = [lk.actor_mention for lk in p.links if _in_text(lk.actor_mention)]
    on_gold = [a for m in ams for a in doc.actors if _span_overlap(m.start, m.end, a.start, a.end)]
    if ams and not on_gold:
        return "actor mention is no gold actor: " + _false_actor_cause(doc, ams[0], p.kind)
    if on_gold and not any(names_agree(p.actor, [a.name, a.text], a.type == "person") for a in on_gold):
        return f"actor named {p.actor!r}, gold says {on_gold[0].name!r}"
    if gold_actor is None:
        return "actor: no gold actor"
    pms = [lk.place_mention for lk in p.links if _in_text(lk.place_mention)]
    if pms and not any(_span_overlap(m.start, m.end, t.start, t.end) for m in pms for t in doc.toponyms):
        return "place is no gold toponym"
    return f"gold actor and place, not a gold pair; predicted '{p.links[0].relation}'"


def score_news_links(doc: NewsDoc, result: Result) -> NewsLinkScore:
    """Unique (actor, place) pairs against ``links`` (strict) and ``links`` + ``extra_links``."""
    preds = predicted_pairs(text_links(result))
    strict_gold = unique_gold_links(doc.links)
    all_gold = unique_gold_links(doc.links + doc.extra_links)
    out = NewsLinkScore(score_link_set(strict_gold, preds), score_link_set(all_gold, preds))
    text = doc.text
    hit_g = {i for i, _ in out.strict.matched}
    hit_p = {j for _, j in out.strict.matched}
    for i, g in enumerate(strict_gold):
        if i in hit_g:
            continue
        gold_actor_marks = [
            (a.start, a.end)
            for a in doc.actors
            if a.name == g.actor and g.sentence_start <= a.start and a.end <= g.sentence_end
        ]
        out.errors.append(
            ActorError(
                "missed-link",
                _missed_link_cause(doc, g, result, preds),
                doc.id,
                f"{g.actor} → {g.place} ({g.relation})",
                evidence(
                    text, g.sentence_start, g.sentence_end, [*gold_actor_marks, (g.place_start, g.place_end)]
                ),
            )
        )
    golds = gold_actors(doc)
    for j, p in enumerate(preds):
        if j in hit_p:
            continue
        lk = p.links[0]
        s = lk.sentence
        out.errors.append(
            ActorError(
                "false-link",
                _false_link_cause(doc, p, golds, doc.extra_links),
                doc.id,
                f"{p.actor} → {p.place} ({lk.relation})",
                evidence(text, s.start, s.end, _marks(lk.actor_mention, lk.place_mention)),
                f"{len(p.links)} evidence sentence(s)" if len(p.links) > 1 else "",
            )
        )
    return out


# --------------------------------------------------------------------------- re3d


@dataclass
class Re3dScore:
    """re3d scores of one document; see docs/evaluation.md for the exact definitions."""

    #: named gold Person/Organisation entities found (one-to-one overlap with any predicted actor)
    actor_recall: Tally = field(default_factory=Tally)
    #: predicted person/organisation mentions overlapping any gold Person/Organisation entity
    actor_precision: Tally = field(default_factory=Tally)
    #: predicted country actors: total, on a gold Person/Organisation, on a gold Location
    countries: tuple[int, int, int] = (0, 0, 0)
    #: gold links (named actor → named Location) found one-to-one by a predicted link
    link_recall: Tally = field(default_factory=Tally)
    #: predicted links (text evidence), those with both ends on annotated entities (checkable) and,
    #: of those, the ones that are an annotated relation (the precision proxy's numerator)
    n_links: int = 0
    links_checkable: int = 0
    links_correct: int = 0
    errors: list[ActorError] = field(default_factory=list)


def _on(m: Mention | None, start: int, end: int) -> bool:
    return _in_text(m) and _span_overlap(m.start, m.end, start, end)


def finds_relation(lk: Link, rel: Re3dRelation) -> bool:
    """A predicted link finds a re3d relation when its actor mention overlaps the source span (or
    its actor name agrees with the source surface) and its place mention overlaps the target span."""
    src, tgt = rel.source, rel.target
    if not _on(lk.place_mention, tgt.start, tgt.end):
        return False
    return _on(lk.actor_mention, src.start, src.end) or surface_agrees(
        actor_name(lk), src.text, src.type == "Person"
    )


def _re3d_entity_cause(doc: Re3dDoc, m: Mention) -> str:
    kinds = sorted({e.type for e in doc.entities if _span_overlap(m.start, m.end, e.start, e.end)})
    return f"on gold {'/'.join(kinds)}" if kinds else "on no gold entity"


def score_re3d(doc: Re3dDoc, result: Result) -> Re3dScore:
    """Named-actor recall and precision, country actors, link recall and the link precision proxy."""
    out = Re3dScore()
    text = doc.text
    preds = text_actor_mentions(result)
    named = doc.named_actors
    actor_ents = doc.actor_entities
    pairs = match_overlap(named, [am.mention for am in preds])
    out.actor_recall = Tally(len(pairs), len(preds), len(named))
    found = {i for i, _ in pairs}
    for i, e in enumerate(named):
        if i not in found:
            out.errors.append(
                ActorError("missed-actor", f"missed {e.type}", doc.id, e.text, context(text, e.start, e.end))
            )
    po = [am for am in preds if actor_kind(am) in ("person", "organisation")]
    ok = 0
    for am in po:
        m = am.mention
        if any(_span_overlap(m.start, m.end, e.start, e.end) for e in actor_ents):
            ok += 1
        else:
            out.errors.append(
                ActorError(
                    "false-actor",
                    _re3d_entity_cause(doc, m),
                    doc.id,
                    m.text,
                    context(text, m.start, m.end),
                    f"{actor_name(am)} ({actor_kind(am)})",
                )
            )
    out.actor_precision = Tally(ok, len(po), len(named))
    countries = [am.mention for am in preds if actor_kind(am) == "country"]
    locations = [e for e in doc.entities if e.type == "Location"]
    out.countries = (
        len(countries),
        sum(any(_span_overlap(m.start, m.end, e.start, e.end) for e in actor_ents) for m in countries),
        sum(any(_span_overlap(m.start, m.end, e.start, e.end) for e in locations) for m in countries),
    )
    links = text_links(result)
    gold = doc.gold_links
    matched = max_matching(len(gold), len(links), lambda i, j: finds_relation(links[j], gold[i]))
    out.link_recall = Tally(len(matched), len(links), len(gold))
    hit = {i for i, _ in matched}
    places = text_places(result)
    for i, rel in enumerate(gold):
        if i in hit:
            continue
        src, tgt = rel.source, rel.target
        src_found = any(_on(am.mention, src.start, src.end) for am in preds)
        tgt_found = any(_on(pm.mention, tgt.start, tgt.end) for pm in places)
        cause = (
            "actor and place found, not linked"
            if src_found and tgt_found
            else "actor not recognised"
            if tgt_found
            else "place not recognised"
            if src_found
            else "actor and place not recognised"
        )
        lo, hi = min(src.start, tgt.start), max(src.end, tgt.end)
        out.errors.append(
            ActorError(
                "missed-link",
                cause,
                doc.id,
                f"{src.text} → {tgt.text} ({rel.type})",
                evidence(
                    text, lo - CONTEXT_CHARS, hi + CONTEXT_CHARS, [(src.start, src.end), (tgt.start, tgt.end)]
                ),
            )
        )
    all_rel = [
        r
        for r in doc.relations
        if r.type in RE3D_LINK_TYPES and r.source.type in RE3D_ACTOR_TYPES and r.target.type == "Location"
    ]
    # Checkable ends need a confident annotation: re3d's confidence-0 entities include noise
    # ("Jordan" as a Person beside the Location "Jordan", "Jan" in "Jan. 7").
    sure_actors = [e for e in actor_ents if e.confidence >= NAMED_MIN_CONFIDENCE]
    sure_locations = [e for e in locations if e.confidence >= NAMED_MIN_CONFIDENCE]
    checkable = correct = 0
    for lk in links:
        am, pm = lk.actor_mention, lk.place_mention
        if not (
            any(_on(am, e.start, e.end) for e in sure_actors)
            and any(_on(pm, e.start, e.end) for e in sure_locations)
        ):
            continue
        checkable += 1
        if any(finds_relation(lk, r) for r in all_rel):
            correct += 1
            continue
        s = lk.sentence
        out.errors.append(
            ActorError(
                "false-link",
                f"no annotated relation; predicted '{lk.relation}'",
                doc.id,
                f"{actor_name(lk)} → {_place_name(lk)} ({lk.relation})",
                evidence(text, s.start, s.end, _marks(am, pm)),
            )
        )
    out.n_links, out.links_checkable, out.links_correct = len(links), checkable, correct
    return out
