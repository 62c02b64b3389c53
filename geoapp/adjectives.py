"""Places named by an adjective: "Russian" troops (Russia), the "European" market (Europe).

Why a stage of its own: an adjective is a reference to a place, and analysts filtering by country
or evaluating against corpora that annotate such modifiers (GeoWebNews does) need it with its
offsets; but it is no marker on the map and no place mention (a demonym makes a country an actor,
issue 3). So the references are kept apart, in :attr:`geoapp.model.Result.adjectives`, with the
same :class:`~geoapp.model.PlaceMention` shape as places and ``mention.kind == "demonym"``.

Country and region adjectives come from the demonym scan (:mod:`geoapp.demonyms`); ambiguous
ones such as "Korean" are decided by the article's countries. Nouns for people ("Russians",
"Russen", "Europeans") are not adjectives and are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .demonyms import Demonym, country_counts, load_demonyms, resolve_codes
from .document import Doc
from .model import ActorMention, Mention, Place, PlaceMention
from .spans import FieldSpans

#: English words after which a demonym is a noun for people, not an adjective ("many Chinese are").
_EN_AFTER_NOUN = frozenset(
    "are is was were have has had who will would can could may might must say says said do does did "
    "themselves".split()
)


def is_adjective(surface: str, lang: str, after: str = " x") -> bool:
    """Whether a demonym surface is used as an adjective ("Russian", "North Korean", "russische")
    rather than as a noun for people ("Russians", "South Koreans", "Russen", "the Irish —").

    English nouns for people are the adjective plus "s", or a form that is not followed by a word
    it could qualify (punctuation, the end, a verb: ``after`` is the text that follows); German
    nouns are capitalised, while a German adjective is capitalised only at a sentence start (or in
    a name), where its lower-case form is also a listed form.
    """
    lex = load_demonyms()
    if lang == "de":
        return not surface[:1].isupper() or surface[:1].lower() + surface[1:] in lex.exact
    if surface.endswith("s") and (surface[:-1] in lex.exact or lex.phrases.has(surface[:-1])):
        return False
    if after[:1] == "-":  # "Russian-backed", "US-Chinese"
        return True
    head = after.lstrip(" ")
    if len(head) == len(after) or not head[:1].isalnum():
        return False  # "the Irish —", "the Chinese." : no word to qualify
    return head.split(None, 1)[0].lower() not in _EN_AFTER_NOUN


def adjective_places(
    doc: Doc,
    places: Sequence[PlaceMention],
    demonyms: Sequence[Demonym],
    actors: Sequence[ActorMention] = (),
    *,
    country_place: Callable[[str], Place | None],
    region_place: Callable[[str], Place | None],
) -> list[PlaceMention]:
    """The adjective references of an article, sorted by field and offset.

    ``country_place(code)`` and ``region_place(name)`` place a country or region (injected, so this
    stage needs no gazetteer); a region the gazetteer does not know stays unresolved (``place`` None).
    An ambiguous country adjective ("Korean") is decided by the article's countries, and left out
    when they do not decide it. Adjectives inside a place's own name ("Indian Ocean") are part of
    that place, not references.
    """
    lang = doc.lang
    lex = load_demonyms()
    counts = country_counts(places, demonyms)
    # inside a place's or a person's own name ("Indian Ocean") it is no reference; inside an
    # organisation's name it still is one ("the Russian Foreign Ministry" points to Russia)
    taken = FieldSpans(
        (x.mention.field, x.mention.start, x.mention.end)
        for x in (*places, *(am for am in actors if am.actor.kind == "person"))
    )
    texts = {f.name: f.text for f in doc}
    out: list[PlaceMention] = []
    for d in demonyms:
        text = texts[d.field]
        surface = text[d.start : d.end]
        if taken.overlaps(d.field, d.start, d.end):
            continue
        if not is_adjective(surface, lang, text[d.end : d.end + 24]):
            continue
        mention = Mention(d.start, d.end, surface, "demonym", d.field)
        if d.codes:
            cc = resolve_codes(d.codes, counts)
            if cc is not None:
                out.append(PlaceMention(mention, country_place(cc), ("adjective",)))
            continue
        region = lex.regions.get(surface)
        if region is not None:
            out.append(PlaceMention(mention, region_place(region), ("adjective",)))
    out.sort(key=lambda pm: (pm.mention.field != "text", pm.mention.start, pm.mention.end))
    return out
