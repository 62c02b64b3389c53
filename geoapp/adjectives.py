"""Places named by an adjective: "Russian" troops (Russia), the "European" market (Europe).

Why a stage of its own: an adjective is a reference to a place, and analysts filtering by country
or evaluating against corpora that annotate such modifiers (GeoWebNews does) need it with its
offsets; but it is no marker on the map and no place mention (a demonym makes a country an actor,
issue 3). So the references are kept apart, in :attr:`geoapp.model.Result.adjectives`, with the
same :class:`~geoapp.model.PlaceMention` shape as places and ``mention.kind == "demonym"``.

Country adjectives come from the actor stage (which already decided ambiguous ones such as
"Korean" by the article's context); continent and region adjectives from the demonym lexicon's
``regions``. Nouns for people ("Russians", "Russen", "Europeans") are not adjectives and are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .actors import demonyms_in, load_demonyms
from .model import ActorMention, Article, Mention, Place, PlaceMention

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
    article: Article,
    places: Sequence[PlaceMention],
    actors: Sequence[ActorMention],
    *,
    country_place: Callable[[str], Place | None],
    region_place: Callable[[str], Place | None],
) -> list[PlaceMention]:
    """The adjective references of an article, sorted by field and offset.

    ``country_place(code)`` and ``region_place(name)`` place a country or region (injected, so this
    stage needs no gazetteer); a region the gazetteer does not know stays unresolved (``place`` None).
    Adjectives inside a place's own name ("Indian Ocean") are part of that place, not references.
    """
    lang = article.lang
    out: list[PlaceMention] = []
    for am in actors:
        m = am.mention
        if m.kind != "demonym" or not am.actor.country_code:
            continue
        text = article.title if m.field == "title" else article.text
        if not is_adjective(m.text, lang, text[m.end : m.end + 24]):
            continue
        place = country_place(am.actor.country_code)
        out.append(PlaceMention(m, place, ("adjective",)))
    regions = load_demonyms().regions
    fields = [("text", article.text)]
    if article.title and not article.title_in_text:
        fields.append(("title", article.title))
    for name, text in fields:
        taken = [(pm.mention.start, pm.mention.end) for pm in places if pm.mention.field == name]
        for start, end, codes in demonyms_in(text):
            surface = text[start:end]
            region = regions.get(surface)
            if region is None or codes or not is_adjective(surface, lang, text[end : end + 24]):
                continue
            if any(s < end and start < e for s, e in taken):
                continue
            mention = Mention(start, end, surface, "demonym", name)
            out.append(PlaceMention(mention, region_place(region), ("adjective",)))
    out.sort(key=lambda pm: (pm.mention.field != "text", pm.mention.start, pm.mention.end))
    return out
