"""The mentions an analyst should look at, and the places each could be instead.

A map is only as good as its doubtful points: a mention that could not be placed, one the
resolver chose with low confidence, or one flagged for review. :func:`review_items` lists them
with the sentence they come from; :func:`other_candidates` offers the places a one-click fix can
pick, the resolver's own runners-up first. Fixes themselves are stored by
:mod:`geoapp.corrections`, as every other fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .gazetteer import Gazetteer
from .model import NEEDS_REVIEW, REVIEW_BELOW, Candidate, Mention, Place, PlaceMention, Result
from .text import name_key, sentence_of, sentences


@dataclass(frozen=True)
class ReviewItem:
    """One mention to review: where it is, what it says, what it was resolved to and why it is here.

    ``highlight`` is the mention's span inside ``sentence``; ``reason`` is ``unresolved``,
    ``low confidence`` or ``flagged``.
    """

    article_id: str
    article_title: str
    mention: Mention
    sentence: str
    highlight: tuple[int, int]
    place: Place | None
    reason: str

    @property
    def confidence(self) -> float:
        return self.place.confidence if self.place is not None else 0.0

    @property
    def alternatives(self) -> tuple[str, ...]:
        return self.place.alternatives if self.place is not None else ()


def review_reason(pm: PlaceMention) -> str | None:
    """Why a mention needs review, or None when it does not."""
    if pm.place is None:
        return "unresolved"
    if pm.place.confidence < REVIEW_BELOW:
        return "low confidence"
    if NEEDS_REVIEW in pm.flags:
        return "flagged"
    return None


def review_items(results: Iterable[Result]) -> list[ReviewItem]:
    """Every mention that needs review, unresolved first, then by rising confidence.

    Within the same reason and confidence, articles and offsets keep their reading order, so the
    list does not jump about after a fix.
    """
    items: list[ReviewItem] = []
    for result in results:
        article = result.article
        spans = {"text": sentences(article.text), "title": [(0, len(article.title or ""))]}
        for pm in result.places:
            reason = review_reason(pm)
            if reason is None:
                continue
            m = pm.mention
            source = (article.title or "") if m.field == "title" else article.text
            start, end = sentence_of(spans[m.field], m.start)
            items.append(
                ReviewItem(
                    article_id=article.id,
                    article_title=article.title or "",
                    mention=m,
                    sentence=source[start:end],
                    highlight=(m.start - start, min(m.end, end) - start),
                    place=pm.place,
                    reason=reason,
                )
            )
    order = {"unresolved": 0, "low confidence": 1, "flagged": 2}
    return sorted(items, key=lambda i: (order[i.reason], i.confidence))


def describe(candidate: Candidate) -> str:
    """A candidate in the short form of :attr:`Place.alternatives`: ``"Lander, VE (city)"``."""
    return f"{candidate.name}, {candidate.country_code or '--'} ({candidate.feature})"


def other_candidates(gazetteer: Gazetteer, item: ReviewItem, limit: int = 3) -> list[Candidate]:
    """Places a one-click fix can pick for this mention: the resolver's alternatives first (in
    its order), then the gazetteer's other entries for the name, most populous first; never the
    place already chosen."""
    place = item.place
    keys = [name_key(item.mention.text)] + ([name_key(place.name)] if place is not None else [])
    seen: set[object] = set()
    if place is not None:
        seen.add(place.geonameid or (place.name, round(place.lat, 3), round(place.lon, 3)))
    found: list[Candidate] = []
    for key in keys:
        for cand in gazetteer.candidates(key):
            ident = cand.geonameid or (cand.name, round(cand.lat, 3), round(cand.lon, 3))
            if ident not in seen:
                seen.add(ident)
                found.append(cand)
    rank = {alt: i for i, alt in enumerate(item.alternatives)}
    found.sort(key=lambda c: (rank.get(describe(c), len(rank)), -c.population))
    return found[:limit]
