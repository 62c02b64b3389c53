"""Links: which actor the article ties to which place, and how, with the sentence as evidence.

A line on the map says that the text puts the actor at, on the way to, acting on, supporting,
dealing with or speaking about the place. Co-occurrence in a sentence is not enough, and neither
is an actor's nationality or office ("Simbabwes Oppositionsführer", "the President of the DRC"), a
place inside an organisation's name, a news agency citing or a dateline.

How: every actor mention and resolved place mention of one sentence (or, through a pronoun or
"dort"/"there", of two adjacent sentences) form a candidate pair. The pair is described by what
the sentence's structure says about it, read shallowly from the words (:func:`pair_features`):
whether the actor is the agent of its clause (:mod:`geoapp.agency`), the preposition that governs
the place ("in", "nach", "gegen", "über" …), whether a clause boundary, another actor or a list
lies between them, whether a relation cue (a verb or noun of visiting, attacking, supporting …)
governs the place, whether the actor only reports or is cited, and whether the place is only the
actor's own country or part of its title. A logistic regression over these features, fitted on
hand-annotated news (``scripts/train_links.py``, ``data/link_model.json``), decides; the relation
is read from the cue nearest to the pair (``data/words/relations.yaml``), else from the
preposition and the kind of actor.

Each link keeps its evidence sentence and the offsets of both mentions. :data:`MENTIONED_WITH`
links (plain co-occurrence) exist only when asked for (``cooccurrence=True``): the map draws
them only on request.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from .agency import (
    AGENT,
    OTHER,
    adjective_like,
    dateline,
    genitive_after_noun,
    governing_preposition,
    members_act,
    role_in,
)
from .document import Doc, DocField
from .lexicon import load_words, word_list
from .model import Actor, ActorMention, Link, Mention, PlaceMention
from .settings import DATA_DIR
from .text import WordFilter

MENTIONED_WITH = "mentioned with"
LINK_MODEL_PATH = DATA_DIR / "link_model.json"

# --------------------------------------------------------------------------------- word lists


@dataclass(frozen=True)
class _Cues:
    words: frozenset[str]
    prefixes: tuple[str, ...]
    inside: tuple[str, ...]


@lru_cache(maxsize=1)
def _relation_words() -> tuple[tuple[str, ...], dict[str, _Cues]]:
    data = load_words("relations")
    order = tuple(data["order"])
    cues = {}
    for rel in order:
        entry = data["relations"][rel]
        # folded like the words they are compared with ("hieß" → "hiess", "beschieß" → "beschiess")
        cues[rel] = _Cues(
            frozenset(str(entry.get("words", "")).casefold().split()),
            tuple(str(entry.get("prefixes", "")).casefold().split()),
            tuple(str(entry.get("inside", "")).casefold().split()),
        )
    return order, cues


def relations() -> tuple[str, ...]:
    """The relation names, in the order that breaks ties between equally near cues."""
    return _relation_words()[0]


@lru_cache(maxsize=50_000)
def cue_relation(word: str) -> str | None:
    """The relation a word signals, if any ("Besuch" → visit, "Militäringenieure" → troops)."""
    order, cues = _relation_words()
    low = word.casefold()
    for rel in order:
        if low in cues[rel].words:
            return rel
    for rel in order:
        if low.startswith(cues[rel].prefixes):
            return rel
    if word[:1].isupper() and len(word) > 6:
        for rel in order:
            if any(s in low for s in cues[rel].inside):
                return rel
    return None


_REPORTING = frozenset(w.casefold() for w in word_list("relations", "reporting"))
_SPEECH = frozenset(w.casefold() for w in word_list("relations", "speech"))
_ATTRIBUTION_BEFORE = word_list("relations", "attribution_before")
_ATTRIBUTION_AFTER = word_list("relations", "attribution_after")
_MEDIA_ROLES = tuple(load_words("relations").get("media_roles", ()))

#: Prepositions before a place, by what they say about it.
_PREP_CLASS = {
    **dict.fromkeys("in im at bei beim inside within innerhalb throughout across on auf am".split(), "at"),
    **dict.fromkeys("nach bis to into ins towards toward zum zur visited".split(), "to"),
    **dict.fromkeys("aus from vom".split(), "from"),
    **dict.fromkeys("über about regarding concerning um".split(), "about"),
    **dict.fromkeys("mit with".split(), "with"),
    **dict.fromkeys("gegen against".split(), "against"),
    **dict.fromkeys("zwischen between".split(), "between"),
    **dict.fromkeys("of von des der".split(), "of"),
    **dict.fromkeys("near nahe around outside außerhalb".split(), "near"),
}
#: Words after which a clause ends within a sentence: subordinating conjunctions and relative
#: pronouns right after a comma.
_CLAUSE_WORDS = frozenset(
    "dass weil während nachdem bevor obwohl wenn als wo wie die der das dem den deren dessen welche welcher "
    "that which who whom whose while because after before although when where whereas since".split()
)
_CLAUSE_START = re.compile(r"[,;:]\s+(?:" + "|".join(sorted(_CLAUSE_WORDS)) + r")\b", re.IGNORECASE)
_PRONOUNS = frozenset("er sie he she they it es".split())
_CARRY_PLACE = frozenset({"dort", "there", "da"})
_EXPLETIVE_AFTER_THERE = frozenset(
    "is are was were has have had will would may might could can seems seemed appears appeared "
    "remain remains remained must should".split()
)
_QUOTES = "\"„“”«»"


# --------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class LinkModel:
    """Logistic-regression weights over pair features, and the acceptance threshold (one per
    language where the fit chose them apart: German and English precision are held to the same
    floor, and one threshold for both leaves one language below it)."""

    weights: dict[str, float]
    threshold: float
    meta: dict
    thresholds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = LINK_MODEL_PATH) -> LinkModel | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        per_lang = {k: float(v) for k, v in data.get("thresholds", {}).items()}
        return cls(data["weights"], float(data["threshold"]), data.get("meta", {}), per_lang)

    def threshold_for(self, lang: str | None) -> float:
        """The threshold for an article in ``lang`` (the general one for other languages)."""
        return self.thresholds.get(lang or "", self.threshold)

    def probability(self, features: dict[str, float]) -> float:
        w = self.weights
        z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def default_model() -> LinkModel | None:
    return LinkModel.load()


# --------------------------------------------------------------------------------- candidates


@dataclass
class Candidate:
    """One actor–place pair of a sentence (or two), with what the text says about it."""

    actor: ActorMention
    place: PlaceMention
    sentence: tuple[int, int]
    field: str
    features: dict[str, float]
    relation: str
    cross: str = ""  # "" | "pronoun" | "there"


@dataclass(eq=False)
class _Sentence:
    start: int
    end: int
    actors: list[ActorMention]
    places: list[PlaceMention]
    #: Memos per sentence: every pair of the sentence asks the same questions (see :func:`_once`).
    facts: dict = field(default_factory=dict)
    cues: list | None = None


_T = TypeVar("_T")


def _once(sent: _Sentence, fact: Callable[..., _T], *args: Any) -> _T:
    """``fact(*args)``, computed once per sentence: each pair asks the same facts of its actor or
    its place again (about one actor per two places), and each fact reads the text with regexes.
    The facts are pure functions of their arguments, so these key the memo."""
    key = (fact, *args)
    got = sent.facts.get(key, sent.facts)
    if got is sent.facts:
        got = sent.facts[key] = fact(*args)
    return got


def _agents(fld: DocField, sent: _Sentence) -> list[ActorMention]:
    """The sentence's actor mentions that act in their clause, in order."""
    return [o for o in sent.actors if role_in(fld, o.mention.start, o.mention.end) == AGENT]


def _is_media(actor: Actor) -> bool:
    role_text = (actor.role or "").lower()
    return actor.kind == "organisation" and any(r in role_text for r in _MEDIA_ROLES)


#: Spaces and the letters before them, in reversed text (see :func:`_word_before`).
_WORD_BEFORE_REVERSED = re.compile(r"[\s\u00a0]*([^\W\d_]+)")


def _word_before(text: str, start: int, lo: int) -> str:
    """The run of letters right before ``start`` but for white space (at most 30 characters back,
    not before ``lo``), lower case; "" when punctuation or a digit comes first. Matched on the
    reversed span: one greedy match instead of a search from every position of the span."""
    m = _WORD_BEFORE_REVERSED.match(text[max(lo, start - 30) : start][::-1])
    return m.group(1)[::-1].lower() if m else ""


_DETERMINERS = frozenset("der die das des dem den the a an ein eine einer einem einen".split())


def _prep_class(text: str, start: int, lo: int) -> str:
    """What the preposition governing a place says about it: "at", "to", "from", "about" … or
    "none"; one further back than the word before ("in der Region Kursk", "in northern Syria")
    gives the same class marked "2"."""
    prev = _word_before(text, start, lo)
    if prev in _PREP_CLASS and prev not in _DETERMINERS:
        return _PREP_CLASS[prev]
    if prev in ("des", "der") and genitive_after_noun(text, start):
        return "of"  # "nach dem Zusammenbruch der Sowjetunion": the genitive of a noun, not "nach"'s object
    governing = governing_preposition(text, start)
    if governing in _PREP_CLASS:
        return _PREP_CLASS[governing] + "2"
    if prev in ("des", "der", "of"):
        return "of"
    return "none"


def _boundary_between(text: str, a: int, b: int) -> tuple[int, bool, bool]:
    """(commas, a subordinate clause starts, a quotation opens or closes) between offsets a < b."""
    gap = text[a:b]
    commas = gap.count(",") + gap.count(";") * 2 + gap.count(" – ") + gap.count(" - ")
    clause = _CLAUSE_START.search(gap) is not None
    quote = any(q in gap for q in _QUOTES)
    return commas, clause, quote


def _speaker(text: str, fld: DocField, m: Mention, lang: str) -> bool:
    """Whether the actor is who speaks: a verb of saying right before or after it ("sagte Dunford",
    "Stoltenberg told", "the Pentagon spokesman said", "…, Lawrow sagte"), or before its title
    ("sagte der deutsche Außenminister Heiko Maas", '…," said Foreign Secretary Philip Hammond')."""
    return _speech_verb_at(text, fld, m, lang) >= 0


_BRACKETED = re.compile(r"[ \u00a0]*\([^\W\d_]{2,12}\)")


#: An English name's apposition or relative clause before its verb: "[X] of Guatemala, who was sworn
#: in this week, said", "[X], the chairman of CENI, announced" (at most 100 characters, no clause end).
_ASIDE = re.compile(r"(?:[ \u00a0]+of[ \u00a0]+[A-Z][\w'’-]*(?:[ \u00a0][A-Z][\w'’-]*)*)?[ \u00a0]*,"
                    r"[^,.;:!?\"“”()]{1,100},[ \u00a0]*(?=[a-z])")


def _speech_verb_at(text: str, fld: DocField, m: Mention, lang: str) -> int:
    """The offset of the verb of saying that makes the actor its speaker, else -1: right after the
    name ("NDRRMC said", "X has said"), or before it and its title ("…, sagte Sprecher X", '…,"
    said Foreign Minister X'), also through an acronym in brackets after the name ("the National
    Council (NC) said")."""
    after_k = fld.token_at(m.end)
    toks = fld.tokens
    if _BRACKETED.match(text, m.end):
        after_k += 1  # the name and its acronym: "the … Council (NDRRMC) said"
    elif lang == "en" and (aside := _ASIDE.match(text, m.end)) is not None:
        after_k = fld.token_at(aside.end())  # "X, the chairman of CENI, announced", "X of Y, who …, said"
    after = toks[after_k : after_k + 3]
    words = [t.text.casefold() for t in after]
    if words and words[0] in _SPEECH:
        return after[0].start
    if len(words) > 1 and words[0] in ("has", "had", "hat", "have") and words[1] in _SPEECH:
        return after[1].start
    k = _speech_verb_before(fld, fld.token_at(m.start))
    if k < 0:
        return -1
    verb_start = fld.tokens[k].start
    # German puts the speaker after the verb ("…, sagte Dunford"); English only in the inverted
    # quote frame ('…," said Smith'): "urged Vucic" makes Vucic the object
    if lang == "de" or text[max(0, verb_start - 3) : verb_start].rstrip(" ").endswith((",", '"', "”", "'")):
        return verb_start
    return -1


def _reported_place(text: str, fld: DocField, a: Mention, p: Mention, lang: str, lo: int) -> bool:
    """Whether the place lies in what the actor is said to say (guideline L1 "statement"): on the
    far side of the actor's verb of saying, within the sentence ("X said residents in P fled",
    "Residents in P fled, the agency said", "In P …, sagte Sprecher X"); not a fronted locative
    phrase of the speaker's own clause ("In P, X said …": where X speaks)."""
    v = _speech_verb_at(text, fld, a, lang)
    if v < 0:
        return False
    if a.end <= v:  # "X said …": the content follows the verb; "…, X said": it precedes the speaker
        if p.start > v:
            return True
        return p.end <= a.start and any(ch in text[p.end : a.start] for ch in ',”"') and not _fronted_place(
            text, a, p, lo)
    return p.end <= v  # "…, said X": the content precedes the verb


#: Words of a title phrase between a verb of saying and the name it introduces, at most.
_TITLE_WORDS = 4


def _speech_verb_before(fld: DocField, k: int) -> int:
    """The index of a verb of saying before token ``k`` with only a title phrase between
    (determiners, adjectives, capitalised nouns: "sagte der deutsche Außenminister"), else -1."""
    for j in range(k - 1, max(-1, k - 2 - _TITLE_WORDS), -1):
        word = fld.tokens[j].text
        low = word.casefold()
        if low in _SPEECH:
            return j
        if not (low in _DETERMINERS or word[:1].isupper() or adjective_like(low)):
            return -1
    return -1


def _in_quote(text: str, lo: int, pos: int) -> bool:
    """Whether ``pos`` lies inside a quotation of its sentence (an odd number of quote marks
    before it, counting from the sentence start)."""
    seg = text[lo:pos]
    opens = sum(seg.count(q) for q in "„“«") + seg.count('"') // 2 * 0
    closes = sum(seg.count(q) for q in "”»")
    straight = seg.count('"')
    return opens > closes or straight % 2 == 1


_PARTNER = re.compile(
    r"(?:gespräch\w*|treffen\w*|verhandlung\w*|beratung\w*|talks|meeting|meetings|met|meets|negotiations"
    + "".join("|" + re.escape(w) for w in sorted(word_list("relations", "partner_nouns"))) + ")"
    r"\s+(?:mit|with)\s+(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)


_PARTNER_PREPOSITION = re.compile(r"(?:mit|with)\s", re.IGNORECASE)


def _meeting_partner(text: str, m: Mention, lo: int) -> bool:
    """Whether the actor is who someone meets or makes an agreement with: "führte Gespräche mit Kim
    Jong-un", "talks with the Afghan government", "met with Scholz", "signed agreements with the X
    administration" (titles and adjectives may stand between)."""
    window = text[max(lo, m.start - 60) : m.start]
    # the preposition first: every match holds it, and most windows have none, while the full
    # pattern (dozens of nouns, any case) is tried at every position of the window
    return _PARTNER_PREPOSITION.search(window) is not None and _PARTNER.search(window) is not None


def _clause_subject(text: str, m: Mention, lo: int) -> bool:
    """Whether a name opens its clause (after a fronted title or adjective at most): the subject in
    English and in German main clauses that start with it."""
    head = text[lo : m.start]
    clause = re.split(r"[,;:]|\b(?:dass|that|which|who|weil|because)\b", head)[-1]
    words = [w.lower() for w in clause.split()]
    # a preposition before it makes it no subject ("in der Stadt X"); an article is no preposition
    return len(words) <= 4 and not any(w in _PREP_CLASS and w not in _DETERMINERS for w in words)


def _in_list(text: str, pm: PlaceMention, others: Sequence[PlaceMention]) -> bool:
    """Whether a place is one item of a list of places ("Bahamas, Bangladesh, Barbados")."""
    m = pm.mention
    for o in others:
        om = o.mention
        if om is m:
            continue
        gap = text[m.end : om.start] if om.start >= m.end else text[om.end : m.start]
        if len(gap) <= 6 and gap.strip(" ,").lower() in ("", "und", "and", "oder", "or", "sowie"):
            return True
    return False


#: Which words are relation cues, decided once per word ever seen: a sentence's cue words are then
#: one set operation on its words, and its cues a membership test per token.
_CUE_WORDS = WordFilter(lambda w: cue_relation(w) is not None)


def _cues_in(fld: DocField, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Relation cue words between offsets lo and hi, as (start, end, relation). Only the words of
    sentences that hold a pair are ever tested: most of an article's words never need a verdict."""
    rng = fld.token_range(lo, hi)
    words, tokens = fld.words, fld.tokens
    cue_words = _CUE_WORDS(set(words[rng.start : rng.stop]))
    if not cue_words:
        return []
    return [(tokens[k].start, tokens[k].end, cue_relation(words[k])) for k in rng if words[k] in cue_words]


def _reporting_in(fld: DocField, lo: int, hi: int) -> bool:
    return any(fld.tokens[k].text.casefold() in _REPORTING for k in fld.token_range(lo, hi))


def _attributed(text: str, fld: DocField, m: Mention, lo: int) -> bool:
    """Whether an actor is only cited as a source: "laut X", "according to X", "X zufolge"."""
    before = text[max(lo, m.start - 30) : m.start].lower().split()
    cited = any(w.strip(",") in _ATTRIBUTION_BEFORE for w in before[-3:])
    if cited and "," not in text[m.start - 15 : m.start]:
        return True
    after = text[m.end : m.end + 15].lower().split()
    return bool(after) and after[0].strip(",.") in _ATTRIBUTION_AFTER


@lru_cache(maxsize=1)
def _title_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """English title phrases, lower case and padded with a space each side (as
    :func:`_title_among` looks for them), and German title forms, lower case
    (``data/words/titles.yaml``)."""
    titles = load_words("titles")
    endings = ("", "s", "n", "en", "in", "innen")  # inflected and feminine forms, as geoapp.actors reads them
    german = tuple(str(t).casefold() + end for t in titles["de"] for end in endings)
    return tuple(sorted({f" {str(t).casefold()} " for t in titles["en"]})), german


def _names_title(gap: str) -> bool:
    """Whether the words between a place and a name are a title phrase, the place standing
    attributively before it ("Kosovo Prime Minister Albin Kurti", "US Under Secretary of State
    Victoria Nuland"): the place then names the office, as a genitive does."""
    words = gap.split()
    if not 1 <= len(words) <= 5 or not all(w[:1].isupper() or w in ("of", "for") for w in words):
        return False
    return _title_among(words)


def _title_among(words: list[str]) -> bool:
    """Whether the words hold a known English title phrase or end a German title form."""
    english, german = _title_words()
    low = " " + " ".join(words).casefold() + " "
    return any(t in low for t in english) or any(w.casefold().endswith(german) for w in words)


#: The words after a name that may lead to "of" and its place: "…, President of the DRC".
_OFFICE_OF = re.compile(r",?\s*((?:[\w-]+\s+){0,3})(?:of|von|des|der)\s+(?:the\s+)?")


def _office_words(words: list[str]) -> bool:
    """Whether the words before "of" name an office ("President", "the president", "der
    Machthaber"), not a predicate ("ISIL has had control of Mosul"): capitalised words and
    articles, or a known title among them."""
    return all(w[:1].isupper() or w.casefold() in _DETERMINERS for w in words) or _title_among(words)


def _title_of(text: str, am: ActorMention, pm: PlaceMention, lang: str) -> bool:
    """Whether the place only qualifies the actor's office or name: "Simbabwes Oppositionsführer
    Chamisa", "President of the DRC Tshisekedi", "Venezuelas Präsident Maduro", "US-Außenminister",
    "the U.S. State Department"."""
    a, p = am.mention, pm.mention
    if p.end <= a.start:
        gap = text[p.end : a.start]
        if len(gap) <= 40 and "," not in gap and not re.search(r"[.;:!?]", gap):
            # German marks the genitive with a bare -s ("Simbabwes"); English needs "'s" ("Paris
            # the Foreign Secretary" is no genitive)
            bare_s = lang == "de" and text[p.end - 1 : p.end] == "s"
            genitive = gap.startswith(("s ", "'s ", "’s ", "-")) or bare_s
            # a place right before the name qualifies it ("the U.S. State Department", "US Army")
            # unless a preposition governs the place ("Following the meeting in Paris the Foreign
            # Secretary will return")
            governed = _word_before(text, p.start, max(0, p.start - 30)) in _PREP_CLASS
            qualifies = not gap.strip() and not governed
            # after "'s" a title phrase of its own ("Japan’s Chief Cabinet Secretary Yoshihide Suga")
            owned = re.sub(r"^(?:'s|’s)\s", "", gap)
            return (len(gap.split()) <= 3 and genitive) or qualifies or _names_title(owned)
    elif a.end <= p.start:
        gap = text[a.end : p.start]
        m = _OFFICE_OF.fullmatch(gap) if len(gap) <= 25 else None
        if m is not None and _office_words(m.group(1).split()):
            return True
    return False


#: Prepositions that put a place where its phrase's head is ("in", "near", "bei").
_LOCATIVE = frozenset(w for w, c in _PREP_CLASS.items() if c in ("at", "near"))
_LOCATIVE_ALT = "|".join(sorted(_LOCATIVE | {w for w, c in _PREP_CLASS.items() if c == "from"}))
_DETERMINER_ALT = "|".join(sorted(_DETERMINERS))
#: What may stand between an actor's name and the preposition of a place attached to it: a
#: compound tail ("Minusma-Mission"), an acronym in brackets, one head noun ("ISIL terrorists"),
#: or an apposition of a few words opened by a determiner (", the NATO-led mission").
_ATTACHED = re.compile(
    r"(?:-[^\W\d_][\w-]*)?(?:\s*\([^()]{1,40}\))?"
    rf"(?:\s*,\s*(?:{_DETERMINER_ALT})(?:\s+[^\W\d_][\w’'-]*){{1,5}}?|\s+(?P<noun>[^\W\d_][\w-]*))?"
    rf"\s+(?P<prep>{_LOCATIVE_ALT})\s+(?:(?:{_DETERMINER_ALT})\s+)?(?:[^\W\d_][\w-]*,?\s+){{0,2}}",
    re.IGNORECASE,
)
_MEMBER_NOUNS = word_list("relations", "member_nouns")
_LIST_GLUE = re.compile(r"\s*(?:,|,?\s*\b(?:and|und|or|oder|sowie)\b)\s*", re.IGNORECASE)


def _list_head(text: str, pm: PlaceMention, others: Sequence[PlaceMention]) -> Mention:
    """The first place of the list a place ends ("Syria" for "Iraq" in "in Syria and Iraq"): what
    governs the list governs each item."""
    cur = pm.mention
    for o in sorted(others, key=lambda x: -x.mention.start):
        om = o.mention
        if om.end <= cur.start and _LIST_GLUE.fullmatch(text[om.end : cur.start]):
            cur = om
    return cur


#: A place compounded into the actor's phrase as its base: "the Leh-based 14 Corps", "the
#: Doha-headquartered group", "die Kiew-treuen Truppen" is no base (left out).
_BASED = re.compile(r"-(?:based|stationed|headquartered|basierte[nrs]?|stationierte[nrs]?)"
                    r"(?:[ \u00a0]+[^\W\d_][\w-]*){0,2}[ \u00a0]+", re.IGNORECASE)
_OPEN_BRACKET = re.compile(r"[ \u00a0]*\([ \u00a0]*")


def _attached_place(text: str, am: ActorMention, pm: PlaceMention, places: Sequence[PlaceMention]) -> str:
    """The preposition class of a place attached to the actor's own phrase ("ISIL fighters in Syria
    and Iraq", "die Minusma-Mission in Bamako", "KFOR, the NATO-led mission in Kosovo", "ein Helfer aus
    Dadu"): the phrase says where the actor is, whatever the verb. "" when it is not attached."""
    a = am.mention
    head = _list_head(text, pm, places)
    if pm.mention.end <= a.start and _BASED.fullmatch(text, pm.mention.end, a.start):
        return "at"  # "the Leh-based 14 Corps", "die Ramstein-stationierten Einheiten"
    if pm.mention.end <= a.start and _OPEN_BRACKET.fullmatch(text, pm.mention.end, a.start) and (
        text[a.end : a.end + 1] == ")"
    ):
        # the acronym that names the phrase holding the place: "die Stabilisierungsmission in Mali
        # (Minusma)", "the UN mission in South Sudan (UNMISS)"
        return _PREP_CLASS.get(_word_before(text, head.start, max(0, head.start - 40)), "")
    if head.start < a.end or head.start - a.end > 90:
        return ""
    m = _ATTACHED.fullmatch(text, a.end, head.start)
    if m is None or re.search(r"[.;:!?\"„“”«»]", text[a.end : head.start]):
        return ""
    if any(a.end <= o.mention.start < head.start for o in places):
        return ""  # another place between: "der Taliban in Afghanistan hat Deutschland" is no phrase
    if m.group("noun") and m.group("noun").casefold() not in _MEMBER_NOUNS:
        return ""  # "Scholz said in Berlin": a verb, not the actor's phrase
    return _PREP_CLASS[m.group("prep").lower()]


def _fronted_place(text: str, a: Mention, p: Mention, lo: int) -> bool:
    """Whether the place stands in a locative phrase that opens the sentence and the actor follows
    it ("In Syria, Coalition forces conducted …", "In der Hauptstadt Niamey betreibt die
    Bundeswehr …", "Near Mosul, five strikes engaged ISIL units"): the phrase sets the scene for
    the whole clause, its subject included."""
    opening = re.sub(r"^\W+", "", text[lo : p.start])  # a bullet or a stray period before it
    words = opening.split()
    if not words or len(words) > 5 or words[0].lower() not in _LOCATIVE or a.start < p.end:
        return False
    if re.search(r"[,;:]", opening):
        return False  # "In 2022, Haiti requested …": the opening phrase ended before the place
    return not re.search(r"[.;:!?]", text[p.end : a.start])


def pair_features(
    doc: Doc, fld: DocField, am: ActorMention, pm: PlaceMention, sent: _Sentence, lo: int, hi: int
) -> tuple[dict[str, float], str]:
    """What the sentence says about one actor–place pair, and the relation it names.

    ``lo``/``hi`` bound the evidence (one sentence, or two for a carried pronoun or "there").
    """
    text = fld.norm
    a, p = am.mention, pm.mention
    actor, place = am.actor, pm.place
    f: dict[str, float] = {}

    def on(name: str, value: float = 1.0) -> None:
        f[name] = value

    on("kind=" + actor.kind)
    a_role = role_in(fld, a.start, a.end)
    if a_role == OTHER and actor.kind == "organisation" and _once(sent, members_act, text, a.end, doc.lang):
        a_role = AGENT  # "Coalition military forces conducted 34 strikes"
    p_role = role_in(fld, p.start, p.end)
    on("arole=" + a_role)
    on("prole=" + p_role)
    on("kind_arole=" + actor.kind + "|" + a_role)
    prep = _once(sent, _prep_class, text, p.start, lo)
    on("prep=" + prep)
    on("prep_kind=" + prep + "|" + actor.kind)
    on("pfeat=" + (place.feature or "other"))
    first, second = (a, p) if a.start <= p.start else (p, a)
    commas, clause, quote = _boundary_between(text, first.end, second.start)
    on("order=" + ("ap" if a.start <= p.start else "pa"))
    on("commas=" + str(min(commas, 3)))
    if clause:
        on("clause_between")
    if quote:
        on("quote_between")
    n_between = len(fld.token_range(first.end, second.start))
    dist = "0-2" if n_between <= 2 else "3-6" if n_between <= 6 else "7-12" if n_between <= 12 else "13+"
    others = [o for o in sent.actors if o is not am and o.actor != actor]
    partner = _once(sent, _meeting_partner, text, a, lo)
    if not partner and any(first.end <= o.mention.start and o.mention.end <= second.start for o in others):
        # (whom a meeting partner meets stands between it and the place by the sentence's form:
        # "In Wŏnsan führte Lawrow Gespräche mit Kim": no other actor in the way)
        on("actor_between")
    nearest = min(sent.actors, key=lambda o: abs(o.mention.start - p.start))
    if nearest.actor == actor:
        on("nearest_actor")
    agents = _once(sent, _agents, fld, sent)
    if agents and agents[0].actor == actor:
        on("first_agent")
    if sent.actors and sent.actors[0].actor == actor:
        on("first_actor")
    same_clause = commas == 0 and not clause and not quote
    if same_clause:
        on("same_clause")
    if _once(sent, _speaker, text, fld, a, doc.lang):
        on("speaker")
        if _in_quote(text, lo, p.start):
            on("speaker_quote")
        if _reported_place(text, fld, a, p, doc.lang, lo):
            on("speaker_content")  # the place is in what the actor says: a statement about it
            dist = "speech"  # how far the speaker stands from what is said tells nothing
    subject = actor.kind != "country" and a_role == "other" and _once(sent, _clause_subject, text, a, lo)
    if a_role == AGENT or subject:
        on("agent")
        if same_clause:
            on("agent_same_clause")
    on("dist=" + dist)
    n_places = len(sent.places)
    on("nplaces=" + ("1" if n_places <= 1 else "2-3" if n_places <= 3 else "4+"))
    if _in_list(text, pm, sent.places):
        on("place_in_list")
    if _is_media(actor):
        on("media")
        if _reporting_in(fld, lo, hi):
            on("media_reporting")
    if _once(sent, _attributed, text, fld, a, lo):
        on("attributed")
    cc = actor.country_code
    if cc and place.country_code == cc:
        on("own_country" if place.feature == "country" else "own_territory")
        on("own|" + actor.kind)
    if actor.kind == "country" and place.feature == "country":
        on("country_to_country")
    attached = _attached_place(text, am, pm, sent.places)
    if attached:
        on("attached=" + attached)  # "ISIL in Syria", "KFOR, the mission in Kosovo"
    persons = [o for o in sent.actors if o.actor.kind == "person"]
    titled = _title_of(text, am, pm, doc.lang) or any(_title_of(text, o, pm, doc.lang) for o in persons)
    if attached != "at" and titled:
        # the place names an office or a nationality: "US President Trump", "Simbabwes …"; not where
        # it is this actor's own base ("commander of the Leh-based 14 Corps": Leh is the corps')
        on("title_of")
    if any(o.mention.start <= p.start and p.end <= o.mention.end and o.actor.kind != "country"
           for o in sent.actors):
        on("in_actor_name")  # "Washington" in "Washington Post": part of a name, no place of action
    if dateline(text, p.start, p.end):
        on("dateline")
    if _fronted_place(text, a, p, lo):
        on("fronted_place")  # "In Syria, Coalition forces conducted …"
    # the cue that governs the pair: between the two, else nearest to the place within the clause
    if sent.cues is None or (lo, hi) != (sent.start, sent.end):
        cues = _cues_in(fld, lo, hi)
        if (lo, hi) == (sent.start, sent.end):
            sent.cues = cues
    else:
        cues = sent.cues
    relation, where = _pick_relation(cues, a, p)
    on("cue=" + (relation or "none"))
    on("cue_at=" + where)
    if relation:
        on("cue_kind=" + relation + "|" + actor.kind)
    governed = _governing_cue(text, cues, a, p)
    if governed and "agent" in f and "actor_between" not in f and _one_clause(text, a, p, same_clause):
        # "Tobias Ellwood visited Turkey", "reiste am Montag nach Kiew", "flew to Kabul": the
        # agent's own verb of going, meeting, deploying or attacking governs the place
        on("agent_verb_place")
    if len({o.actor for o in agents}) == 1 and agents[0].actor == actor and "actor_between" not in f:
        on("sole_agent")  # the sentence's only agent, nobody else between it and the place
    if partner:
        on("meeting_partner")  # "Gespräche mit Kim Jong-un", "talks with", "met with"
    # the conjunctions that carry the decision, as single features (few examples, so the model
    # gets them spelled out rather than having to learn them from sums)
    agentive = "agent" in f or "speaker" in f or "meeting_partner" in f
    locative = prep.startswith(("at", "to"))
    if agentive and locative and same_clause:
        on("agent_at_place")
    if agentive and where in ("between", "near") and same_clause:
        on("agent_cue")
    if "speaker" in f and not same_clause:
        on("speaker_reports")
    if actor.kind == "country" and a_role == AGENT and prep in ("none", "against", "of") and same_clause:
        on("country_acts_on")
    if "speaker_content" in f:
        relation = "statement"  # what the actor says about the place, whatever the content's verb
    elif relation is None:
        relation = _default_relation(prep, actor)
    return f, relation


#: Relations whose cue, standing right before a place, makes the place the goal or target of the act.
_GOVERNING_RELATIONS = frozenset({"visit", "meeting", "troops", "attack"})
#: What may stand between such a cue and its place: a few words ending in a preposition and an
#: article ("visited Turkey", "flew to Kabul", "reiste am Montag nach Kiew", "struck targets near Mosul").
_CUE_TO_PLACE = re.compile(
    r"[ \u00a0]+(?:[^\W\d_]+[ \u00a0]+){0,3}?"
    r"(?:(?:in|im|ins|into|to|nach|bis|at|near|on|auf|über|zum|zur|against|gegen)[ \u00a0]+)?"
    r"(?:(?:the|die|der|den|das|dem|des)[ \u00a0]+)?$"
)


def _governing_cue(text: str, cues: list[tuple[int, int, str]], a: Mention, p: Mention) -> str | None:
    """The relation of a cue of going, meeting, deploying or attacking that stands after the actor
    and right before the place (at most three words and a preposition between), else ``None``.
    The link's relation is still named by the nearest-cue rule ("reist zu Gesprächen nach Moskau"
    is a visit)."""
    best = None
    for s, e, rel in cues:
        if rel in _GOVERNING_RELATIONS and a.end <= s and e <= p.start and (best is None or s > best[0]):
            best = (s, e, rel)
    if best is None:
        return None
    gap = text[best[1] : p.start]
    if _CUE_TO_PLACE.match(gap) is None or any(c in gap for c in ",;:.") or _modifies_noun(text, p.end):
        return None
    return best[2]


#: Lower-case words that may follow a place without making it a modifier of a noun after it.
_AFTER_PLACE = frozenset(
    "on in at and or to for from with by last this next yesterday today tomorrow since after before "
    "during until over under via as when where which who that am im und oder mit nach zu bei "
    "vor seit für von an auf ein eine einen ist war hat wird sowie um gestern heute".split()
)


def _modifies_noun(text: str, end: int) -> bool:
    """Whether the place ending at ``end`` qualifies a lower-case noun after it ("visit U.S. service
    members", "struck ISIL targets"): then it is no goal or target of the act."""
    m = re.match(r"[ \u00a0]+([^\W\d_]+)", text[end : end + 30])
    return m is not None and m.group(1)[:1].islower() and m.group(1) not in _AFTER_PLACE


def _one_clause(text: str, a: Mention, p: Mention, same_clause: bool) -> bool:
    """Whether actor and place (actor first) share a clause, where a comma that closes an
    apposition around the actor does not count ("The Minister …, Tobias Ellwood, visited Turkey")."""
    if same_clause:
        return True
    if text[a.end : a.end + 1] != ",":
        return False
    commas, clause, quote = _boundary_between(text, a.end + 1, p.start)
    return commas == 0 and not clause and not quote


def _pick_relation(cues: list[tuple[int, int, str]], a: Mention, p: Mention) -> tuple[str | None, str]:
    """The relation cue nearest to the pair: between them first, then nearest to the actor."""
    if not cues:
        return None, "none"
    lo, hi = min(a.end, p.end), max(a.start, p.start)
    order = relations()
    best = None
    for s, e, rel in cues:
        if (s, e) == (a.start, a.end) or (s, e) == (p.start, p.end):
            continue
        between = lo <= s and e <= hi
        dist = 0 if between else min(abs(s - a.end), abs(a.start - e), abs(s - p.end), abs(p.start - e))
        key = (0 if between else 1, dist, order.index(rel))
        if best is None or key < best[0]:
            best = (key, rel)
    if best is None:
        return None, "none"
    return best[1], "between" if best[0][0] == 0 else ("near" if best[0][1] < 40 else "far")


#: Registry body types that deal with a place rather than deploy to it (``org_type`` in actors.yaml).
_DEALING_BODIES = frozenset({"international body", "government body"})


def _default_relation(prep: str, actor: Actor) -> str:
    """A relation when no cue names one: being at or going to a place is a visit for a person,
    a deployment for an armed group; otherwise what is said about it."""
    if prep.startswith(("at", "to")):
        if actor.kind == "person":
            return "visit"
        # an armed group or an unknown body at a place is there in force; a state or an
        # international body there deals with it ("Deutschland hat seine Botschaft in Kabul geschlossen")
        return "relations" if actor.kind == "country" or actor.role in _DEALING_BODIES else "troops"
    if prep.startswith("against"):
        return "attack"
    if prep.startswith(("with", "between")):
        return "relations"
    return "statement"


def candidates(doc: Doc, places: Sequence[PlaceMention], actors: Sequence[ActorMention]) -> list[Candidate]:
    """Every actor–place pair the link stage judges, with features and a relation."""
    out: list[Candidate] = []
    for fld in doc:
        pms = [pm for pm in places if pm.mention.field == fld.name and pm.place is not None]
        ams = [am for am in actors if am.mention.field == fld.name]
        sents = [_Sentence(s, e, [], []) for s, e in fld.sentences]
        for pm in pms:
            k = fld.sentence_index(pm.mention.start)
            if k >= 0:
                sents[k].places.append(pm)
        for am in ams:
            k = fld.sentence_index(am.mention.start)
            if k >= 0:
                sents[k].actors.append(am)
        acting = {(am.mention.start, am.mention.end): am.actor for am in ams if am.actor.kind == "country"}
        for k, sent in enumerate(sents):
            for am in sent.actors:
                for pm in _near(sent.places, am.mention):
                    # a capital that acts for the actor's own country is the actor itself
                    if _self_pair(am, pm) or acting.get((pm.mention.start, pm.mention.end)) == am.actor:
                        continue
                    feats, rel = pair_features(doc, fld, am, pm, sent, sent.start, sent.end)
                    out.append(Candidate(am, pm, (sent.start, sent.end), fld.name, feats, rel))
            if k == 0:
                continue
            out.extend(_carried(doc, fld, sents[k - 1], sent))
    return out


#: An actor and a place further apart than this are no pair even in one sentence: news sentences
#: that long are lists, and the bound keeps a dense text's pairs linear in its length.
MAX_PAIR_CHARS = 400


def _near(places: list[PlaceMention], m: Mention) -> list[PlaceMention]:
    return [pm for pm in places if abs(pm.mention.start - m.start) <= MAX_PAIR_CHARS]


def _carried(doc: Doc, fld: DocField, prev: _Sentence, sent: _Sentence) -> list[Candidate]:
    """Pairs across two adjacent sentences, where the annotation guidelines allow them:

    - a sentence opening with a pronoun and no actor of its own continues the previous sentence's
      agent ("Er reiste nach …"); so does one whose speaker is a pronoun ("…, teilte er mit");
    - a sentence opening with "dort"/"there" points back to the previous sentence's last place;
    - a quotation that runs over two sentences belongs to the speaker named after it ("“We detected
      a launch from North Korea. …,” the Pentagon spokesman said").
    """
    if not prev.places and (sent.actors or not sent.places):
        return []  # nothing to carry: no place back there, and no pronoun's place here
    text = fld.norm
    rng = fld.token_range(sent.start, sent.end)
    if not rng:
        return []
    first = fld.tokens[rng[0]]
    word = first.text.casefold()
    out: list[Candidate] = []
    merged: list[_Sentence] = []  # the two sentences as one, built for the first carried pair

    def add(am: ActorMention, pm: PlaceMention, how: str) -> None:
        if _self_pair(am, pm):
            return
        if not merged:
            merged.append(_Sentence(prev.start, sent.end, [*prev.actors, *sent.actors],
                                    [*prev.places, *sent.places]))
        feats, rel = pair_features(doc, fld, am, pm, merged[0], prev.start, sent.end)
        feats["carried=" + how] = 1.0
        out.append(Candidate(am, pm, (prev.start, sent.end), fld.name, feats, rel, how))

    # a sentence with an actor of its own carries none: look for its pronoun only without one
    pronoun = None
    if not sent.actors and sent.places:
        pronoun = word if word in _PRONOUNS else _pronoun_speaker(fld, rng, doc.lang)
    if pronoun:
        persons = [am for am in prev.actors if am.actor.kind != "country"
                   and role_in(fld, am.mention.start, am.mention.end) == AGENT] or [
            am for am in prev.actors if am.actor.kind == "person"]
        persons = [am for am in persons if _pronoun_fits(pronoun, am.actor.kind)]
        speakers = [am for am in persons if _speaker(text, fld, am.mention, doc.lang)]
        persons = speakers or persons
        if len({am.actor for am in persons}) == 1:
            for pm in sent.places:
                add(persons[0], pm, "pronoun")
    if word in _CARRY_PLACE and prev.places and sent.actors:
        nxt = text[first.end : first.end + 12].split()
        if not (word == "there" and nxt and nxt[0].lower() in _EXPLETIVE_AFTER_THERE):
            pm = max(prev.places, key=lambda x: x.mention.start)
            for am in sent.actors:
                add(am, pm, "there")
    if prev.places and _quote_runs_on(text, prev, sent):
        speakers = [am for am in sent.actors if _speaker(text, fld, am.mention, doc.lang)]
        if len({am.actor for am in speakers}) == 1:
            for pm in prev.places:
                add(speakers[0], pm, "pronoun")
    return out


def _pronoun_speaker(fld: DocField, rng: range, lang: str) -> str | None:
    """The pronoun that speaks in the sentence, if one does: "…, teilte er mit", "…, sagte sie",
    "he said". In English only before the verb: in "The air force said it shot down …" the pronoun
    after the verb is the reported clause's subject, and the speaker is named in the sentence."""
    words = [fld.tokens[k].text.casefold() for k in rng]
    for k, w in enumerate(words[:-1]):
        nxt = words[k + 1]
        if w in _PRONOUNS and nxt in _SPEECH:
            return w
        if lang == "de" and w in _SPEECH and nxt in _PRONOUNS:
            return nxt
    return None


#: Which kinds of actor a pronoun can stand for: "he"/"er" a person, "it"/"es" an organisation
#: ("The ministry said it …" never continues a person); "they" and German "sie" (also an
#: organisation: "die Regierung … sie") any.
_PRONOUN_KINDS = {
    "he": {"person"}, "she": {"person"}, "er": {"person"}, "it": {"organisation"}, "es": {"organisation"},
}


def _pronoun_fits(pronoun: str, kind: str) -> bool:
    kinds = _PRONOUN_KINDS.get(pronoun)
    return kinds is None or kind in kinds


def _quote_runs_on(text: str, prev: _Sentence, sent: _Sentence) -> bool:
    """Whether a quotation opened in ``prev`` closes in ``sent`` (before the sentence's speaker)."""
    a = text[prev.start : prev.end]
    b = text[sent.start : sent.end]
    opened = any(q in a[:3] for q in "\"„“«") and not any(q in a[3:] for q in "\"“”»")
    return opened and any(q in b for q in "\"“”»")


def _self_pair(am: ActorMention, pm: PlaceMention) -> bool:
    """An actor and its own span, or a country and itself (a capital standing for it included)."""
    a, p = am.mention, pm.mention
    if a.field == p.field and a.start < p.end and p.start < a.end:
        return True
    return am.actor.kind == "country" and pm.place.feature == "country" and (
        am.actor.country_code == pm.place.country_code
    )


# --------------------------------------------------------------------------------- links

#: What the annotation guidelines rule out, whatever the model says: a news agency or medium in a
#: sentence that reports, a cited source ("laut X"), a place that only names the actor's office or
#: nationality ("Simbabwes Oppositionsführer"), a dateline, a place inside a name ("Washington Post").
EXCLUDING = ("media_reporting", "attributed", "title_of", "dateline", "in_actor_name")


def excluded(features: dict[str, float]) -> bool:
    return any(f in features for f in EXCLUDING)


#: Rules from the guidelines that make a pair a link whatever the learned decision says (unless a
#: rule of :data:`EXCLUDING` removes it): a place attached to the actor's own phrase with a locative
#: preposition says where the actor is ("ISIL fighters in Syria", "die Minusma-Mission in Bamako");
#: the acting actor's own verb of going, meeting, deploying or attacking governs the place ("Tobias
#: Ellwood visited Turkey"); a locative phrase that opens the sentence sets the scene for its clause
#: ("Near Bayji, one strike engaged an ISIL tactical unit").
INCLUDING = ("attached=at", "agent_verb_place", "fronted_place")


def included(features: dict[str, float]) -> bool:
    return any(f in features for f in INCLUDING)


_APPOSITION = re.compile(r"[ \u00a0]*,[ \u00a0]*")


def _apposed_containers(doc: Doc, cands: Sequence[Candidate], decided: Sequence[bool]) -> dict[int, str]:
    """The pairs a decided link carries to the place named beside its own as its container:
    "talks in Jeddah, Saudi Arabia", "near Tabqa Dam, Syria", "Pyongsong, South Pyongan Province"
    — the actor is in the country or region too. Candidate index → the relation it takes over."""
    by_pair = {(c.actor.mention.start, c.actor.mention.field, c.place.mention.start, c.sentence): i
               for i, c in enumerate(cands)}
    out: dict[int, str] = {}
    for c, ok in zip(cands, decided):
        if not ok:
            continue
        a, m = c.place.place, c.place.mention
        text = doc.text_of(c.field)
        gap = _APPOSITION.match(text, m.end)
        if gap is None:
            continue
        k = by_pair.get((c.actor.mention.start, c.actor.mention.field, gap.end(), c.sentence))
        if k is None or decided[k] or excluded(cands[k].features):
            continue
        b = cands[k].place.place
        contains = b.feature in ("country", "region") and b != a
        if contains and b.country_code and b.country_code == a.country_code:
            out[k] = c.relation
    return out


def find_links(
    doc: Doc,
    places: Sequence[PlaceMention],
    actors: Sequence[ActorMention],
    *,
    model: LinkModel | None = None,
    cooccurrence: bool = False,
) -> list[Link]:
    """The links of an article: one per actor, place and evidence, in text order.

    ``model`` decides which candidate pairs are links (default: the shipped one). With
    ``cooccurrence=True`` every other pair of a sentence is kept too, as :data:`MENTIONED_WITH`.
    """
    model = model or default_model()
    threshold = model.threshold_for(doc.lang) if model is not None else 1.0
    cands = candidates(doc, places, actors)
    decided = [
        model is not None and not excluded(c.features)
        and (included(c.features) or model.probability(c.features) >= threshold)
        for c in cands
    ]
    relations = _apposed_containers(doc, cands, decided)
    out: list[Link] = []
    seen: set[tuple] = set()
    for k, (cand, accepted) in enumerate(zip(cands, decided)):
        carried_relation = relations.get(k)
        accepted = accepted or carried_relation is not None
        if not accepted and not cooccurrence:
            continue
        relation = (carried_relation or cand.relation) if accepted else MENTIONED_WITH
        key = (cand.actor.actor, cand.place.place.key, relation, cand.sentence, cand.field)
        if key in seen:
            continue
        seen.add(key)
        s, e = cand.sentence
        text = doc.text_of(cand.field)
        out.append(
            Link(
                cand.actor.actor,
                cand.place.place,
                relation,
                Mention(s, e, text[s:e], "sentence", cand.field),
                doc.article.id,
                cand.place.mention,
                cand.actor.mention,
            )
        )
    out.sort(key=lambda lk: (lk.sentence.field != "text", lk.sentence.start, lk.place_mention.start))
    return out


