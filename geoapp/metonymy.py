"""Metonymy: a place named for the people who govern or represent it ("Moscow said", "Russia's
request", "Pjöngjangs Entschlossenheit").

Why flag rather than drop: the place is still where the story points, and the analyst who maps it
wants it; but "Washington warned" is the US government acting, not an event in Washington, and a
map that can tell the two apart (and an export that carries the difference) is worth more than one
that cannot. The flag is ``"metonymy"`` in :attr:`geoapp.model.PlaceMention.flags`; maps count
such mentions per place, and the JSONL contract lists the flag.

The test is the mention's grammatical role, read from the words right after it: a verb of
saying or acting (after an optional auxiliary: "has expelled", "will continue"), or a possessive
before a noun of agency ("Russia's request", "Beijing's cooperation"; German genitive
"Pjöngjangs Entschlossenheit", "Moskaus Forderung"). Only countries, first-level regions and
cities qualify (a continent or a river does not speak). The word lists are this project's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .model import Article, PlaceMention

FLAG = "metonymy"

_AUXILIARIES = frozenset(
    "has have had will would is was were are also did does do must should can could may might "
    "hat haben hatte hatten wird werden würde würden ist sind war waren will wollen soll sollen "
    "muss müssen kann können auch".split()
)

#: Verbs of saying and acting, English (inflected forms listed) and German (present, past).
_AGENT_VERBS_EN = frozenset(
    """
    said says say denied denies deny expelled expels expel warned warns warn announced announces
    announce accused accuses accuse hopes hope hoped wants want wanted offered offers offer fired
    fires launched launches launch rejected rejects reject demanded demands demand condemned condemns
    urged urges agreed agrees agree signed signs sign threatened threatens responded responds
    retaliated retaliates imposed imposes gave gives give claimed claims claim insisted insists
    confirmed confirms decided decides plans planned plan sent sends send supports supported support
    refused refuses called calls asked asks blamed blames vowed vows promised promises argued argues
    sought seeks seek struck strikes attacked attacks invaded invades deployed deploys ordered orders
    stated states declared declares pledged pledges backed backs opposed opposes welcomed
    welcomes protested protests summoned summons recalled recalls sanctioned sanctions
    continues continued continue intends intended needs needed considers considered accepted accepts
    """.split()
)
_AGENT_VERBS_DE = frozenset(
    """
    sagte sagt erklärte erklärt warnte warnt kündigte kündigt forderte fordert bestritt bestreitet
    wies weist lehnte lehnt drohte droht reagierte reagiert verurteilte verurteilt beschuldigte
    beschuldigt betonte betont teilte teilt meldete meldet schickte schickt entsandte entsendet
    unterstützte unterstützt verhängte verhängt griff greift bestätigte bestätigt will wollte
    """.split()
)
#: Auxiliaries that make a clause's subject of the mention right before them ("Azerbaijan has a
#: record", "the U.S. is not engaged"), when nothing but a sentence start or an article precedes it.
_SUBJECT_AUXILIARIES = frozenset("has have had is was would should could must hat ist war".split())
#: Words before a mention that make it a location ("in Libya launched"), not an actor.
_LOCATIVE_BEFORE = frozenset(
    "in from to at near across into through inside outside throughout within around of "
    "im in der aus nach bei von vom zum zur".split()
)
_CLAUSE_START = frozenset({"the", "die", "der", "das"})
_CONJUNCTIONS = frozenset({"and", "und", ",", "or", "oder", "and the", "und die"})

#: Nouns of agency after a possessive or genitive ("Russia's request", "Moskaus Forderung").
_AGENCY_NOUNS = frozenset(
    """
    view views interests concerns ambiguity stance
    request requests decision decisions response reply cooperation threat threats position policy
    policies demand demands proposal proposals stance support refusal offer plan plans strategy
    intervention interference involvement role reaction ambitions ambition claims claim
    determination resolve aggression retaliation approach efforts effort insistence
    entschlossenheit forderung forderungen entscheidung antwort reaktion drohung drohungen haltung
    politik position vorschlag angebot unterstützung weigerung strategie rolle einmischung
    """.split()
)

_AGENT_FEATURES = frozenset({"country", "region", "city"})
_POSSESSIVE = ("'s", "’s", "'", "’")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _words_after(text: str, end: int, n: int = 3) -> list[str]:
    """The next ``n`` words after ``end`` on the same sentence, lower case (punctuation stops)."""
    out: list[str] = []
    pos = end
    while len(out) < n:
        m = _WORD.search(text, pos, min(len(text), pos + 40))
        if m is None or text[pos : m.start()].strip(" "):
            break  # punctuation or a line break before the next word
        out.append(m.group().lower())
        pos = m.end()
    return out


def _word_before(text: str, start: int) -> str:
    """The word right before ``start`` (lower case), or "" at a sentence or clause start."""
    before = text[max(0, start - 30) : start]
    m = re.search(r"([^\W\d_]+)\s+$", before)
    return m.group(1).lower() if m else ""


def is_metonymic(text: str, start: int, end: int, lang: str) -> bool:
    """Whether the mention ``text[start:end]`` acts: a verb of saying or acting after it, an
    auxiliary after it when it opens the clause, or a possessive/genitive before a noun of agency;
    never right after a locative preposition ("in Libya launched")."""
    surface = text[start:end]
    tail = text[end : end + 2]
    possessive = next((p for p in _POSSESSIVE if tail.startswith(p)), None)
    if possessive:
        return any(w in _AGENCY_NOUNS for w in _words_after(text, end + len(possessive), 2))
    if lang == "de" and surface.endswith("s"):
        nxt = _words_after(text, end, 1)
        if nxt and nxt[0] in _AGENCY_NOUNS:
            return True
    before = _word_before(text, start)
    if before in _LOCATIVE_BEFORE:
        return False
    verbs = _AGENT_VERBS_DE if lang == "de" else _AGENT_VERBS_EN
    words = _words_after(text, end, 3)
    if words and words[0] in _SUBJECT_AUXILIARIES and (not before or before in _CLAUSE_START):
        return True
    while words and words[0] in _AUXILIARIES and words[0] not in verbs:
        words = words[1:]
    return bool(words) and words[0] in verbs


def flag_metonymy(article: Article, places: Sequence[PlaceMention]) -> list[PlaceMention]:
    """The place mentions, those used for their government or people flagged ``"metonymy"``.

    A conjunct shares the role of the one after it: in "China and Russia hope" both act.
    """
    acting = []
    for pm in places:
        p, m = pm.place, pm.mention
        text = article.title if m.field == "title" else article.text
        can_act = p is not None and p.feature in _AGENT_FEATURES
        acting.append(can_act and is_metonymic(text, m.start, m.end, article.lang))
    for k in range(len(places) - 2, -1, -1):
        a, b = places[k], places[k + 1]
        if acting[k] or not acting[k + 1] or a.mention.field != b.mention.field or a.place is None:
            continue
        text = article.title if a.mention.field == "title" else article.text
        gap = text[a.mention.end : b.mention.start].strip().lower()
        if gap in _CONJUNCTIONS and a.place.feature in _AGENT_FEATURES:
            acting[k] = True
    return [
        replace(pm, flags=(*pm.flags, FLAG)) if act and FLAG not in pm.flags else pm
        for pm, act in zip(places, acting)
    ]
