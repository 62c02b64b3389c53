"""Who acts: the grammatical role of a name in its clause, read from the words around it.

A country is an actor only where it acts ("Moscow said", "Russland hat … aufgefordert", "von
Russland eingesetzte Drohnen", "the NATO-led mission"), as the annotation guidelines analysts use
define it; where it is a location ("in Russia"), a possessor ("Russia's war", "Israels Militär"),
or a patient, it is a place. The same reading flags places used for their government
(:mod:`geoapp.metonymy`) and gives the link stage its "is this the agent?" feature.

No parser is installable offline for German, so the reading is shallow and explainable: the word
before the name, the words after it (auxiliaries skipped), and a few German word-order patterns
(the verb-second inversion "Am Montag kritisierte Russland …", the passive agent "von X" before a
participle). The word lists are data (``data/words/agency.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from .document import DocField
from .lexicon import load_words, word_list

AGENT = "agent"
POSSESSOR_AGENT = "possessor-agent"  # "Russia's request": the possessor acts through the noun
POSSESSOR = "possessor"
LOCATION = "location"
OTHER = "other"

_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
#: The spaces between two words of a clause (a no-break space counts).
_SPACES = re.compile("[ \u00a0]*")
#: The spaces and the word before a position, read backwards from it (see :func:`last_word`): the
#: word pattern ``[^\W\d_]+(?:[-'][^\W\d_]+)*`` reversed, after the spaces that end the span.
_LAST_WORD_REVERSED = re.compile(r"[ \u00a0]*((?:[^\W\d_]+[-'])*[^\W\d_]+)")
#: A word (as :data:`_WORD`) or one punctuation mark, in reversed text.
_TOKEN_REVERSED = re.compile(r"(?:[^\W\d_]+[-'])*[^\W\d_]+|[^\w\s]")
_POSSESSIVE = ("'s", "’s", "'", "’")
_CLAUSE_OPENERS = frozenset({"the", "die", "der", "das", "and", "und", "but", "aber", "while", "während"})
_COPULAS = frozenset("is are was were ist sind war waren".split())
_AGENT_SUFFIXES = ("-led", "-backed", "-controlled", "-geführte", "-geführten", "-geführt",
                   "-kontrollierte", "-kontrollierten", "-gestützte", "-gestützten")


@dataclass(frozen=True)
class AgencyWords:
    auxiliaries: frozenset[str]
    subject_auxiliaries: frozenset[str]
    verbs: dict[str, frozenset[str]]
    agency_nouns: frozenset[str]
    locative_before: frozenset[str]
    seats: dict[str, str]
    fronted_adverbs: frozenset[str]
    fronted_prepositions: frozenset[str]
    closed_class_de: frozenset[str]
    source_speech_de: frozenset[str]
    support_nouns: frozenset[str]
    phrase_modifiers: frozenset[str]
    adverbs_en: frozenset[str]
    not_adverbs_en: frozenset[str]
    state_verbs_en: frozenset[str]
    commitment_predicates_en: frozenset[str]
    object_before_en: frozenset[str]
    member_nouns: frozenset[str]
    #: the member nouns long enough to end a German compound ("Bodentruppen", "Sicherheitskräfte")
    member_endings: tuple[str, ...]


@lru_cache(maxsize=1)
def agency_words() -> AgencyWords:
    """The word lists of ``data/words/agency.yaml``, loaded once."""
    data = load_words("agency")
    return AgencyWords(
        auxiliaries=word_list("agency", "auxiliaries"),
        subject_auxiliaries=word_list("agency", "subject_auxiliaries"),
        verbs={"en": word_list("agency", "verbs_en"), "de": word_list("agency", "verbs_de")},
        agency_nouns=word_list("agency", "agency_nouns"),
        locative_before=word_list("agency", "locative_before"),
        seats={str(k): str(v) for k, v in (data.get("seats") or {}).items()},
        fronted_adverbs=word_list("agency", "fronted_adverbs_de"),
        fronted_prepositions=word_list("agency", "fronted_prepositions_de"),
        closed_class_de=word_list("agency", "closed_class_de"),
        source_speech_de=word_list("agency", "source_speech_de"),
        support_nouns=word_list("agency", "support_nouns"),
        phrase_modifiers=word_list("agency", "phrase_modifiers"),
        adverbs_en=word_list("agency", "adverbs_en"),
        not_adverbs_en=word_list("agency", "not_adverbs_en"),
        state_verbs_en=word_list("agency", "state_verbs_en"),
        commitment_predicates_en=word_list("agency", "commitment_predicates_en"),
        object_before_en=word_list("agency", "object_before_en"),
        member_nouns=word_list("relations", "member_nouns"),
        member_endings=tuple(sorted(m for m in word_list("relations", "member_nouns") if len(m) >= 5)),
    )


def words_after(text: str, end: int, n: int = 3) -> list[str]:
    """The next ``n`` words after ``end`` within the clause, lower case (punctuation stops)."""
    return [m.group().lower() for m in _tokens_after(text, end, n)]


def _tokens_after(text: str, end: int, n: int) -> list[re.Match[str]]:
    """The next ``n`` words after ``end`` within the clause, as matches (their case and place kept)."""
    out: list[re.Match[str]] = []
    pos = end
    while len(out) < n:
        # the word must follow after spaces only, and start within 40 characters
        m = _WORD.match(text, _SPACES.match(text, pos).end(), min(len(text), pos + 40))
        if m is None:
            break
        out.append(m)
        pos = m.end()
    return out


def words_before(text: str, start: int, n: int = 2) -> list[str]:
    """The ``n`` words before ``start`` within the clause, nearest first, lower case."""
    out: list[str] = []
    pos = start
    while len(out) < n:
        got = last_word(text, max(0, pos - 40), pos)
        if got is None:
            break
        out.append(got[0].lower())
        pos = got[1]
    return out


def last_word(text: str, lo: int, pos: int) -> tuple[str, int] | None:
    """The word (letters, inner hyphens and apostrophes) that ends ``text[lo:pos]`` but for spaces,
    and where it starts; ``None`` when the span does not end in one (punctuation, digits).

    Why backwards: a search for "word, spaces, end of span" tries every start position of the span
    and scans each to its word's end, and the callers ask it of every name's neighbourhood. Read
    from ``pos`` backwards the same word is one greedy match (the word pattern is the same read
    either way, so its earliest start forwards is its longest match backwards)."""
    m = _LAST_WORD_REVERSED.match(text[lo:pos][::-1])
    if m is None:
        return None
    return m.group(1)[::-1], pos - m.end()


def _participle_like(word: str, lang: str) -> bool:
    """A past participle or participial adjective: "conducted", "eingesetzte", "kontrollierte"."""
    if lang == "de":
        return word.startswith(("ge", "ein", "an", "ab", "auf", "aus")) and word.endswith(
            ("t", "te", "ten", "tes", "ter", "en")
        ) or word.endswith(("ierte", "ierten", "iertes", "ierter", "iert"))
    return word.endswith(("ed", "en")) or word in {"held", "led", "fought", "made", "sent", "built", "shot"}


def role(text: str, start: int, end: int, lang: str) -> str:
    """The role of the name ``text[start:end]`` in its clause: :data:`AGENT`,
    :data:`POSSESSOR_AGENT`, :data:`POSSESSOR`, :data:`LOCATION` or :data:`OTHER`."""
    w = agency_words()
    lang = lang if lang in ("de", "en") else "en"
    if dateline(text, start, end):
        return LOCATION
    tail = text[end : end + 2]
    if text[end : end + 1] == "-":
        compound = text[end : end + 16].split(None, 1)[0].lower()
        if compound.startswith(_AGENT_SUFFIXES):
            return AGENT
    possessive = None
    if tail.startswith(_POSSESSIVE):
        possessive = next(p for p in _POSSESSIVE if tail.startswith(p))
    if possessive:
        after = words_after(text, end + len(possessive), 2)
        return POSSESSOR_AGENT if any(a in w.agency_nouns for a in after) else POSSESSOR
    after_toks = _tokens_after(text, end, 3)
    after = [m.group().lower() for m in after_toks]
    before = words_before(text, start, 2)
    prev = before[0] if before else ""
    surface = text[start:end]
    if lang == "de" and surface.endswith("s") and after:
        nxt_raw = text[end : end + 8].lstrip(" ")[:1]
        if nxt_raw.isupper():  # "Israels Militär", "Moskaus Forderung": a genitive before a noun
            return POSSESSOR_AGENT if after[0] in w.agency_nouns else POSSESSOR
    if lang == "de" and surface.endswith("s") and _after_noun(text, start):
        return POSSESSOR  # "Nachbarländer Venezuelas", "die Streitkräfte Kiews": a genitive after a noun
    if lang == "de" and prev in ("der", "des") and len(before) > 1 and _member_noun(before[1], w):
        return POSSESSOR_AGENT  # "Fallschirmjäger der Bundeswehr sollen … fliegen": it acts through them
    if lang == "de" and prev in ("der", "des") and genitive_after_noun(text, start):
        return POSSESSOR  # "nach dem Zusammenbruch der Sowjetunion", "die Außenminister der USA"
    if prev in ("von", "by"):
        # the passive agent: "von Russland eingesetzte Drohnen", "conducted by Pyongyang"
        if prev == "von" and after and _participle_like(after[0], "de"):
            return AGENT
        if prev == "von" and after and after[0] in _PARTICIPLE_PHRASE and _participle_after(text, end):
            # the first of coordinated agents ("von Russland und der Türkei vermittelte"), or an
            # adverbial between ("zehn von Russland in der Nacht eingesetzte Drohnen")
            return AGENT
        if prev == "by" and len(before) > 1 and _participle_like(before[1], "en"):
            return AGENT
        return LOCATION
    if prev == "aus" and after and after[0] in w.source_speech_de:
        return AGENT  # "Aus Ankara hieß es, …": the source of the statement
    if prev in ("from", "aus", "von") and len(before) > 1 and before[1] in w.support_nouns:
        return AGENT  # "with backing from Turkey", "mit Unterstützung aus Russland": the supporter
    if lang == "en" and prev == "with" and after and _gerund(after[0]):
        return AGENT  # "with Kenya pledging 1,000 officers": the subject of an absolute clause
    if prev in w.locative_before or governing_preposition(text, start) in w.locative_before:
        return LOCATION
    if prev in _CONJUNCTIONS or text[max(0, start - 2) : start].strip() == "," or (
        prev in _DETERMINERS and len(before) > 1 and before[1] in _CONJUNCTIONS
    ):
        # a later conjunct shares the role of the first: "zwischen Russland und Nordkorea", "the
        # ceasefire announced by Russia and Turkey", "die von Russland und der Türkei eingesetzte"
        governing, ahead = _words_before_list(text, start)
        if governing in w.locative_before and prev not in _DETERMINERS:
            return LOCATION
        if governing == "by" and _participle_like(ahead, "en"):
            return AGENT
        if governing == "von" and after and _participle_like(after[0], "de"):
            return AGENT
        if governing in ("from", "aus", "von") and ahead in w.support_nouns:
            return AGENT  # every supporter: "with backing from Turkey and the Islamic Republic of Iran"
    if lang == "en" and prev in w.object_before_en:
        # "the commission of inquiry on Syria has published": the object of "on"; but "with U.S.
        # support" names the supporter
        return AGENT if prev == "with" and after and after[0] in w.support_nouns else OTHER
    verbs = w.verbs[lang]
    if lang == "en":
        # the six words after the name: the three read above, and three more from where they end
        toks = after_toks
        if len(toks) == 3:
            toks = toks + _tokens_after(text, toks[-1].end(), 3)
        i = _skip_adverbs(toks, 0, w)  # "The United States strongly condemns", "The U.S. today announced"
        head = toks[i].group().lower() if i < len(toks) else ""
        if head in _COPULAS or (head in w.state_verbs_en and head not in ("be", "been")):
            # "Russia is preparing", "The UK is committed to", "The United States remains committed
            # to" act; "Turkey is a key player", "Syria remains a concern" do not
            return AGENT if _state_predicate(toks, i + 1, w, gerund=head in _COPULAS) else OTHER
        if head in w.subject_auxiliaries and _opens_clause(text, start, prev):
            return AGENT
        if _predicate_en(text, toks, i, w, aux_acts=False):
            return AGENT
        if _apposed_subject_en(text, start, end, w):
            return AGENT
    else:
        if after and after[0] in _COPULAS:
            # "die USA sind der verlässlichste Partner" does not act
            return AGENT if len(after) > 1 and after[1].endswith("ing") else OTHER
        if after and after[0] in w.subject_auxiliaries and _opens_clause(text, start, prev):
            return AGENT
        rest = list(after)
        while rest and rest[0] in w.auxiliaries and rest[0] not in verbs:
            rest = rest[1:]
        if rest and (rest[0] in verbs or _verb_like(rest[0], text, end, lang, w)):
            return AGENT
    # a coordinated subject or a parenthetical before the verb: "Die USA, die EU und Nachbarländer
    # Venezuelas verurteilten", "Russia, with backing from Turkey, brokered"
    verb = _verb_after_list(text, end, lang, w)
    if verb:
        return AGENT
    # German verb-second inversion: "Am Montag kritisierte Russland …", "Dann hat Russland …", also
    # with the subject's article between ("Angesichts des Vormarschs will die Bundeswehr …")
    if lang == "de" and prev and _v2_verb(prev, text, start, w) and _fronted_adverbial(text, start, w):
        return AGENT
    if lang == "de" and prev in _NOMINATIVE_ARTICLES and len(before) > 1:
        article = re.search(r"[^\W\d_]+[ \u00a0]*$", text[max(0, start - 40) : start])
        if article is not None:
            at = start - len(article.group(0))
            if _v2_verb(before[1], text, at, w) and _fronted_adverbial(text, at, w):
                return AGENT
    return OTHER


def _v2_verb(word: str, text: str, start: int, w: AgencyWords) -> bool:
    """Whether ``word``, right before ``start``, can be the finite verb of a German verb-second
    clause: a known verb or auxiliary, or any lower-case word that is no closed-class word. After
    a fronted adverbial German allows only the finite verb in this slot ("In der Hauptstadt Niamey
    betreibt die Bundeswehr …"), so the verb list need not know every verb."""
    if word in w.verbs["de"] or word in w.subject_auxiliaries:
        return True
    m = re.search(r"([^\W\d_]+)[ \u00a0]+([^\W\d_]+)[ \u00a0]*$", text[max(0, start - 60) : start])
    # an article or preposition before the word makes it an adjective inside a phrase ("Im Krieg
    # gegen die russische Armee"), not the verb after one
    return (
        m is not None
        and m.group(2)[:1].islower()
        and word not in w.closed_class_de
        and len(word) > 2
        and m.group(1).lower() not in w.closed_class_de
    )


def _member_noun(word: str, w: AgencyWords) -> bool:
    """Whether a German noun names an actor's people or units, also as the end of a compound
    ("Soldaten", "Bodentruppen", "Sicherheitskräfte")."""
    return word in w.member_nouns or word.endswith(w.member_endings)


def members_act(text: str, end: int, lang: str) -> bool:
    """Whether the English name ending at ``end`` heads a phrase of its members or units that is
    the subject of a predicate: "ISIL fighters attacked", "Coalition military forces conducted 34
    strikes". For an organisation this makes it act; a country before such a phrase is only its
    nationality ("US officials said"), so the caller decides by the actor's kind."""
    if lang != "en":
        return False
    w = agency_words()
    toks = _tokens_after(text, end, 8)
    for k in range(min(3, len(toks))):
        word = toks[k].group()
        if not word[:1].islower():
            return False
        if word in w.member_nouns:
            return _predicate_en(text, toks, _skip_adverbs(toks, k + 1, w), w, aux_acts=False)
    return False


def _apposed_subject_en(text: str, start: int, end: int, w: AgencyWords) -> bool:
    """Whether the English name stands in apposition to the clause's subject, with the predicate
    after it: "The Minister for Central Asia, Tobias Ellwood, visited Turkey". The phrase before
    the first comma must open the sentence or clause and begin with "The"."""
    after = re.match(r"[ \u00a0]*,[ \u00a0]*", text[end : end + 4])
    if after is None or not re.search(r",[ \u00a0]*$", text[max(0, start - 3) : start]):
        return False
    floor = max(0, start - 80)  # a subject's head phrase is short
    head_end = text.rfind(",", floor, start)
    found = max(text.rfind(c, floor, head_end) for c in ".!?;:\n")
    if found < 0 and floor > 0:
        return False
    head = text[found + 1 : head_end].strip(" \u00a0\"“”")
    if not head.startswith("The ") or "," in head:
        return False
    toks = _tokens_after(text, end + after.end(), 6)
    return _predicate_en(text, toks, _skip_adverbs(toks, 0, w), w, aux_acts=False)


def _opens_clause(text: str, start: int, prev: str) -> bool:
    """Whether the name opens its clause: nothing, an article or a conjunction, or punctuation before it."""
    return not prev or prev in _CLAUSE_OPENERS or clause_start(text, start)


def _adverb_en(tok: re.Match[str], w: AgencyWords) -> bool:
    """A lower-case English adverb that may stand between a subject and its verb: "strongly",
    "today", "also", "once" (a closed list and "-ly" words, less a few "-ly" nouns and adjectives)."""
    word = tok.group()
    if not word[:1].islower():
        return False
    return word in w.adverbs_en or (len(word) > 4 and word.endswith("ly") and word not in w.not_adverbs_en)


def _skip_adverbs(toks: list[re.Match[str]], i: int, w: AgencyWords) -> int:
    """The index of the first word from ``i`` on that is no adverb (:func:`_adverb_en`)."""
    while i < len(toks) and _adverb_en(toks[i], w):
        i += 1
    return i


def _state_predicate(toks: list[re.Match[str]], i: int, w: AgencyWords, *, gerund: bool) -> bool:
    """Whether the words from ``i`` on, after a copula, make its subject act: a predicate of
    commitment ("committed", "determined", "ready"), or with ``gerund`` a progressive ("is
    preparing"); adverbs between are skipped ("is firmly committed")."""
    i = _skip_adverbs(toks, i, w)
    if i >= len(toks):
        return False
    word = toks[i].group().lower()
    if word in w.commitment_predicates_en:
        return not (i + 1 < len(toks) and toks[i + 1].group() == "by")  # "is prepared by" is passive
    return gerund and word.endswith("ing")


def _predicate_en(text: str, toks: list[re.Match[str]], i: int, w: AgencyWords, *, aux_acts: bool) -> bool:
    """Whether the English words from ``toks[i]`` open the predicate of a subject before them:
    adverbs and auxiliaries skipped ("has strongly condemned", "will also remain committed"), a verb
    of acting or a past tense in "-ed" ("brokered", not "held by"), or a copula-like verb with a
    predicate of commitment. With ``aux_acts`` a non-copula auxiliary alone is enough ("South Korea
    and the US were analysing", "… and the US will")."""
    verbs = w.verbs["en"]
    for k in range(i, len(toks)):
        tok = toks[k]
        word = tok.group().lower()
        if word in verbs:
            return True
        if word in w.state_verbs_en:
            return _state_predicate(toks, k + 1, w, gerund=word in _COPULAS or word in ("be", "been"))
        if aux_acts and word in w.subject_auxiliaries:
            return True
        if word in w.auxiliaries or _adverb_en(tok, w):
            continue
        return _verb_like_en(tok, text)
    return False


def _verb_like_en(tok: re.Match[str], text: str) -> bool:
    """An English past tense in "-ed" written in lower case, not a participle before "by"."""
    word = tok.group()
    return (
        word[:1].islower()
        and word.isalpha()
        and word.endswith("ed")
        and not re.match(r"\s+by\b", text[tok.end() : tok.end() + 5])
    )


def _gerund(word: str) -> bool:
    """An English "-ing" form of a verb (not "being"/"having", which carry no action)."""
    return len(word) > 5 and word.endswith("ing") and word not in ("being", "having", "nothing", "something")


def _fronted_adverbial(text: str, start: int, w: AgencyWords) -> bool:
    """Whether the clause before the verb that precedes ``start`` is an adverbial that cannot be
    the subject ("Am Montag", "Dann", "Nach dem Treffen"): only then does the name after the verb
    read as the subject ("Die Regierung kritisierte Russland": Russland is the object)."""
    m = re.search(r"[^\W\d_]+[ \u00a0]*$", text[max(0, start - 40) : start])
    if m is None:
        return False
    verb_start = start - len(m.group(0))
    floor = max(0, verb_start - 200)  # an adverbial is short: never scan back further
    clause_from = max(max(text.rfind(c, floor, verb_start) for c in ".!?:;\n,)") + 1, floor)
    for dash in (" - ", " – ", " — "):  # "Kabul (dpa) - Angesichts …": a dateline's dash ends it
        at = text.rfind(dash, clause_from, verb_start)
        if at >= 0:
            clause_from = at + len(dash)
    fronted = text[clause_from:verb_start].strip(" \u00a0\"„“«»(").split()
    if not fronted:
        return False
    head = fronted[0].lower()
    # a prepositional phrase may carry a genitive and a further phrase ("Angesichts des Vormarschs
    # der Rebellen in Mali"); an adverb stands alone
    if head in w.fronted_prepositions:
        return len(fronted) <= 8
    return len(fronted) == 1 and head in w.fronted_adverbs


def _verb_like(word: str, text: str, end: int, lang: str, w: AgencyWords) -> bool:
    """A lower-case word right after a German name that is no closed-class word: its verb
    (German capitalises nouns). English reads its predicate with :func:`_predicate_en`."""
    raw = text[end : end + 8 + len(word)].lstrip(" \u00a0")[: len(word)]
    if lang != "de" or not raw or not raw[:1].islower() or not word.isalpha():
        return False
    return word not in w.closed_class_de and len(word) > 2


_PREPOSITIONS = frozenset(
    "in im at nach to into from aus bei near nahe across through inside outside within around toward towards "
    "vom zum zur ins über um gegen zwischen durch unter of von des on auf am an".split()
)
_LIST_GLUE = frozenset("und and oder or sowie die der das den the".split())


#: A comma or a conjunction right after a name: a list or a parenthetical may follow.
_LIST_AFTER = re.compile(r"[ \u00a0]*(?:,|und\b|and\b|oder\b|or\b)")


def _verb_after_list(text: str, end: int, lang: str, w: AgencyWords) -> bool:
    """Whether a coordinated list or a short parenthetical after the name ends in the clause's
    verb: ", die EU und Nachbarländer Venezuelas verurteilten", ", with backing from Turkey,
    brokered". At most 12 words are read, and the list must stay within the sentence."""
    if not _LIST_AFTER.match(text, end, end + 200):  # most names are followed by neither
        return False
    rest = text[end : end + 200]
    aside = re.match(r",([^,.;:!?\"„“”«»()]{1,80}),[ \u00a0]*", rest)
    if lang == "en" and aside:
        # "Russia, with backing from Turkey, brokered", "The UK, as part of the Global Coalition, is
        # committed to"
        if _predicate_en(text, _tokens_after(text, end + aside.end(), 6), 0, w, aux_acts=False):
            return True
    n = 0
    joined = False  # a coordinated subject needs its "und"/"and"
    toks = list(re.finditer(r"[^\W\d_]+(?:[-'][^\W\d_]+)*|[,.;:!?()\"„“”«»–-]", rest))
    for k, tok in enumerate(toks):
        word = tok.group()
        if word in ".;:!?()\"„“”«»–-" or n > 12:
            return False
        n += 1
        if word.lower() in ("und", "and", "oder", "or", "sowie"):
            joined = True
        if word == "," or word.lower() in _LIST_GLUE or word[:1].isupper():
            continue
        low = word.lower()
        if lang == "en":
            # inside a conjunct's name: "the wider Global Coalition", "the Government of Iraq"
            before_cap = k + 1 < len(toks) and toks[k + 1].group()[:1].isupper()
            after_det = k > 0 and toks[k - 1].group().lower() in ("the", "a", "an")
            if before_cap and (after_det or low == "of"):
                continue
            if after_det:
                return False  # "and the recently refurbished House": no verb after an article
        if not joined:
            return False
        if lang == "en":
            # "South Korea and the US were analysing", "The UK, the wider Global Coalition and the
            # Government of Iraq are committed to", "Russia and Turkey jointly announced": an
            # auxiliary with its verb; a copula alone ("Russia and China are neighbours") makes no agent
            return _predicate_en(text, _tokens_after(text, end + tok.start(), 6), 0, w, aux_acts=True)
        if low in w.verbs["de"]:
            return True
        return low not in w.closed_class_de and len(low) > 2
    return False


_DETERMINERS = frozenset("der die das des dem den the a an ein eine einer einem einen".split())
_CONJUNCTIONS = ("und", "and", "oder", "or", "sowie")
#: German articles a subject may take ("den", "dem", "des" mark objects and genitives).
_NOMINATIVE_ARTICLES = frozenset({"der", "die", "das"})


def governing_preposition(text: str, start: int, reach: int = 4) -> str:
    """The preposition that governs a name through at most ``reach`` words of its phrase: "in" in
    "In der ost-koreanischen Küstenstadt Wŏnsan" and "in northern Syria", lower case; "" when a
    verb, a conjunction or punctuation comes first. Between them only determiners, adjectives,
    capitalised words (nouns, names) and position words ("in Serb-majority north Kosovo") may stand."""
    window = text[max(0, start - 80) : start]
    window = window[window.rfind("\n") + 1 :]  # a line break (a headline's end) ends the phrase
    modifiers = agency_words().phrase_modifiers
    # the phrase's words nearest first, read backwards (words and punctuation tokenise the same
    # either way): only the last few of the 80 characters are ever looked at
    for m in islice(_TOKEN_REVERSED.finditer(window[::-1]), reach + 1):
        word = m.group()[::-1]
        low = word.lower()
        if low in _PREPOSITIONS:
            return low
        if not word[:1].isalpha() and word != "-":
            return ""  # punctuation ends the phrase
        if low in _DETERMINERS or word[:1].isupper() or adjective_like(low):
            continue
        if low in modifiers or "-" in low:
            continue  # "north", "Serb-majority", "rebel-held"
        return ""
    return ""


_ADJECTIVE_ENDINGS = ("en", "er", "es", "em", "e", "ic", "al", "an", "ish", "ese", "ern")


def adjective_like(word: str) -> bool:
    """Whether a lower-case word may be an attributive adjective (by its ending; loose on purpose)."""
    return word.endswith(_ADJECTIVE_ENDINGS) and word not in ("und", "and", "oder")


def _word_before_list(text: str, start: int) -> str:
    """The word before a coordinated list that ends at ``start`` ("zwischen" in "zwischen Russland
    und Nordkorea", "in" in "in Serbia, Kosovo and"), lower case; "" when there is none."""
    return _words_before_list(text, start)[0]


#: Words a German participle phrase may hold before its participle besides capitalised ones: list
#: glue ("und der Türkei") and the openers of a short adverbial ("in der Nacht", "am Montag").
_PARTICIPLE_PHRASE = frozenset(
    "und oder sowie die der das den dem des in im am an auf seit bei nach vor während zuvor bereits"
    " erneut".split()
)


def _participle_after(text: str, end: int) -> bool:
    """Whether a German phrase after ``end`` ends in a participle before its noun within eight
    words ("und der Türkei vermittelte Waffenruhe", "in der Nacht eingesetzte Drohnen"): the first
    lower-case word that is no glue or adverbial opener is that participle."""
    toks = _tokens_after(text, end, 8)
    for k, tok in enumerate(toks):
        word = tok.group()
        low = word.lower()
        if word[:1].isupper() or low in _PARTICIPLE_PHRASE:
            continue
        if _participle_like(low, "de"):
            return True
        nxt = toks[k + 1].group() if k + 1 < len(toks) else ""
        return low.endswith(("te", "ten", "tes", "ter")) and nxt[:1].isupper()
    return False


def _words_before_list(text: str, start: int) -> tuple[str, str]:
    """The word before a coordinated list that ends at ``start`` (:func:`_word_before_list`) and the
    word before that ("announced" in "announced by Russia and"), lower case; "" where there is none."""
    words = re.findall(r"[^\W\d_]+(?:[-'][^\W\d_]+)*|[,.;:!?]", text[max(0, start - 120) : start])
    k = len(words) - 1
    while k >= 0 and (words[k] == "," or words[k].lower() in _LIST_GLUE or words[k][:1].isupper()):
        k -= 1
    if k < 0 or words[k] in ".;:!?":
        return "", ""
    ahead = words[k - 1].lower() if k > 0 and words[k - 1] not in ",.;:!?" else ""
    return words[k].lower(), ahead


def _after_noun(text: str, start: int) -> bool:
    """Whether a capitalised word that does not open its sentence stands right before ``start``
    (German: a noun, so a name in "-s" after it is its genitive attribute)."""
    m = re.search(r"([^\W\d_]+)[ \u00a0]+$", text[max(0, start - 40) : start])
    if m is None or not m.group(1)[:1].isupper():
        return False
    return not clause_start(text, start - len(m.group(0)))


def genitive_after_noun(text: str, start: int) -> bool:
    """Whether a German name follows "der"/"des" right after a noun that does not open its clause:
    the name is that noun's genitive attribute ("nach dem Zusammenbruch der Sowjetunion", "die
    Kontrolle des Iran"), not the object of a preposition further back."""
    m = re.search(r"([^\W\d_]+)[ \u00a0]+(?:des|der)[ \u00a0]+$", text[max(0, start - 60) : start])
    return m is not None and m.group(1)[:1].isupper() and not clause_start(text, start - len(m.group(0)))


def clause_start(text: str, start: int) -> bool:
    """Whether only punctuation, an opening quote or nothing precedes ``start`` on its clause."""
    before = text[max(0, start - 3) : start].rstrip(" \u00a0\"'„“«»(")
    return not before or before[-1:] in ".!?:;,\n"


def dateline(text: str, start: int, end: int) -> bool:
    """Whether the name opens a dateline: "TEHRAN, July 3 –", "Kabul (dpa) -", "MOSKAU:", "Berlin/
    Washington (APA/AFP/dpa) -" — the place the report was filed from, never an agent."""
    line_start = text.rfind("\n", max(0, start - 80), start) + 1
    if line_start == 0 and start > 80:
        return False  # a dateline opens its line
    head = text[line_start:start]
    if head.strip(" /") and not re.fullmatch(r"[^\W\d_]+(?:[ /-][^\W\d_]+){0,3}[ /]*", head.strip()):
        return False
    return _DATELINE_TAIL.match(text, end, end + 40) is not None


#: What follows the place of a dateline: "(dpa)", ":", ", July 3", " – ".
_DATELINE_TAIL = re.compile(
    r"(?:/[^\W\d_]+)*(?:\s*\(|\s*:|,\s*(?:\w+\.?\s+\d|\d)|\s+[-–—]\s"
    # "TEHRAN, Young Journalists Club (YJC) -": the agency's name and acronym, then the dash
    r"|,\s*(?:[A-Z][\w'’]*\s+){0,4}[A-Z][\w'’]*\s*(?:\([A-Z]{2,10}\)\s*)?[-–—]\s)"
)


def role_in(fld: DocField, start: int, end: int) -> str:
    """:func:`role` of the name ``fld.norm[start:end]``, read once per span and field: the actor,
    metonymy and link stages ask it of the same names."""
    got = fld.roles.get((start, end))
    if got is None:
        got = fld.roles[(start, end)] = role(fld.norm, start, end, fld.lang)
    return got


#: The roles in which a place name stands for those who govern it: an agent, or a possessor through
#: a noun of agency ("Russia's request", "Pjöngjangs Entschlossenheit").
GOVERNMENT_ROLES = (AGENT, POSSESSOR_AGENT)
