"""Links: which actor the article ties to which place, and how, with the sentence as evidence.

The rule is deliberately simple and explainable on a map popup: an actor and a place named in
the same sentence are linked; the relation is read from the cue word (German or English) nearest
to the pair, "mentioned with" when there is none. A few guards keep the lines meaningful:

- an actor is never linked to its own span, to its own country as a whole, and a country actor
  not to places inside itself (a line from Moscow to the Kursk region says nothing);
- news agencies and media ("berichtete Reuters", "Russische Medien berichteten", "according to
  Reuters") are not linked to places they merely report, nor is any actor in an attribution
  phrase ("laut …", "… zufolge", "according to …");
- a country adjective that only qualifies a named actor ("der russische Außenminister Lawrow",
  "die nordkoreanische Nachrichtenagentur KCNA") is left to that actor;
- carry-over only where the rule is clear: a sentence starting "Dort …"/"There …" refers to the
  previous sentence's last place; a sentence starting "Er …"/"He …"/"She …" without a person of
  its own continues the previous sentence's only person.

Country ↔ country links follow from the same rule: a country actor ("Russland", "russische") and
another country's place in one sentence ("die Beziehungen zwischen Russland und Nordkorea").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from geoapp.actors import load_demonyms
from geoapp.model import Actor, ActorMention, Article, Link, Mention, Place, PlaceMention
from geoapp.text import (
    TOKEN_RE,
    Tok,
    WordFilter,
    distinct_words,
    sentence_spans,
    token_starts,
    token_words,
    tokens,
)

MENTIONED_WITH = "mentioned with"

# Relations in the order that breaks ties between equally near cues.
RELATIONS = ("troops", "attack", "visit", "meeting", "support", "relations", "statement")


@dataclass(frozen=True)
class _Cues:
    words: frozenset[str]  # whole words, lower case
    prefixes: tuple[str, ...]  # word beginnings, lower case (inflected verbs and nouns)
    inside: tuple[str, ...]  # inside capitalised German compounds ("Staatsbesuch", "Militärhilfe")


# German and English cue words per relation (own curation).
_LEXICON: dict[str, _Cues] = {
    "troops": _Cues(
        frozenset(
            {"troops", "soldiers", "deployed", "deploy", "deploys", "deployment", "engineers", "stationed"}
        ),
        ("truppe", "soldat", "entsend", "entsandt", "stationier", "militäringenieur", "deploy"),
        ("truppe", "soldat", "entsendung", "ingenieur", "stationierung"),
    ),
    "attack": _Cues(
        frozenset(
            {
                "attack",
                "attacks",
                "attacked",
                "strike",
                "strikes",
                "struck",
                "shelled",
                "shelling",
                "bombed",
                "bombing",
                "invaded",
                "invasion",
                "beschoss",
                "beschossen",
            }
        ),
        (
            "angriff",
            "angegriff",
            "angreif",
            "beschieß",
            "beschuss",
            "bombardier",
            "überfall",
            "attack",
            "invad",
        ),
        ("angriff", "beschuss", "anschlag"),
    ),  # fmt: skip
    "visit": _Cues(
        frozenset(
            {
                "reise",
                "reiste",
                "reisten",
                "reist",
                "eingetroffen",
                "arrived",
                "arrives",
                "arrive",
                "arriving",
                "trip",
                "travelled",
                "traveled",
                "toured",
                "landed",
                "landete",
            }
        ),
        ("besuch", "visit", "bereist", "inspizier", "inspect"),
        ("besuch",),
    ),  # fmt: skip
    "meeting": _Cues(
        frozenset(
            {
                "traf",
                "trafen",
                "getroffen",
                "met",
                "meet",
                "meets",
                "meeting",
                "meetings",
                "talks",
                "summit",
                "gipfel",
            }
        ),
        ("gespräch", "treffen", "beratung", "verhandl", "konsultation", "negotiat", "consultation"),
        ("gespräch", "treffen", "gipfel", "verhandlung", "beratung"),
    ),  # fmt: skip
    "support": _Cues(
        frozenset(
            {
                "support",
                "supports",
                "supported",
                "supporting",
                "aid",
                "assistance",
                "backing",
                "backed",
                "help",
                "helped",
                "hilfe",
                "hilfen",
            }
        ),
        ("unterstütz", "beistand"),
        ("unterstützung", "hilfe"),
    ),  # fmt: skip
    "relations": _Cues(
        frozenset({"relations", "ties", "cooperation", "partnership", "alliance"}),
        ("beziehung", "zusammenarbeit", "kooperation", "partnerschaft", "bündnis", "cooperat"),
        ("beziehung", "partnerschaft", "zusammenarbeit", "kooperation"),
    ),
    "statement": _Cues(
        frozenset(
            {
                "sagte",
                "sagten",
                "sagt",
                "gesagt",
                "erklärte",
                "erklärten",
                "erklärt",
                "betonte",
                "betonten",
                "betont",
                "bestätigte",
                "bestätigten",
                "bestätigt",
                "kündigte",
                "warnte",
                "said",
                "says",
                "stated",
                "stressed",
                "confirmed",
                "announced",
                "warned",
                "told",
                "declared",
                "insisted",
            }
        ),
        ("erklärung", "statement"),
        ("erklärung",),
    ),  # fmt: skip
}

# Reporting verbs and attribution words: the sentence is someone's report.
_REPORTING = frozenset(
    {"berichtete", "berichteten", "berichtet", "meldete", "meldeten", "meldet", "zufolge", "laut",
     "zitierte", "zitiert", "schrieb", "schrieben", "veröffentlichte", "reported", "reports", "reporting",
     "report", "according", "citing", "cited", "quoted", "wrote", "said", "says", "sagte", "erklärte"}
)  # fmt: skip
# Words that put the actor after them into an attribution ("laut Reuters", "according to TASS").
_ATTRIBUTION_BEFORE = frozenset({"laut", "according", "citing", "cited"})
_ATTRIBUTION_AFTER = frozenset({"zufolge"})
_MEDIA_ROLE = re.compile(r"news agency|nachrichtenagentur|media|newspaper|broadcaster", re.IGNORECASE)
# "There is/are …" is not a place reference.
_EXPLETIVE_AFTER_THERE = frozenset(
    {"is", "are", "was", "were", "has", "have", "had", "will", "would", "may", "might", "could", "can",
     "seems", "seemed", "appears", "appeared", "remain", "remains", "remained", "must", "should"}
)  # fmt: skip
_CARRY_PLACE = frozenset({"dort", "there"})
_CARRY_PERSON = frozenset({"Er", "He", "She"})


@lru_cache(maxsize=20_000)
def cue_relation(word: str) -> str | None:
    """The relation a word signals, if any ("Besuch" → visit, "Militäringenieure" → troops)."""
    low = word.casefold()
    for rel in RELATIONS:
        if low in _LEXICON[rel].words:
            return rel
    for rel in RELATIONS:
        if low.startswith(_LEXICON[rel].prefixes):
            return rel
    if word[:1].isupper() and len(word) > 6:
        for rel in RELATIONS:
            if any(s in low for s in _LEXICON[rel].inside):
                return rel
    return None


_NOTHING: tuple[str | None, bool] = (None, False)
# Word → (relation of the cue, reporting word?), or _NOTHING: the link stage's per-token question,
# answered once per distinct word instead of once per token (two calls and a casefold).
_WORD_INFO: dict[str, tuple[str | None, bool]] = {}


def _word_info(word: str) -> tuple[str | None, bool]:
    """What one word says to the link stage: the relation it cues and whether it reports."""
    got = _WORD_INFO.get(word)
    if got is None:
        got = (cue_relation(word), word.casefold() in _REPORTING)
        if got == _NOTHING:
            got = _NOTHING
        if len(_WORD_INFO) > 100_000:
            _WORD_INFO.clear()
        _WORD_INFO[word] = got
    return got


# The words that cue a relation or report: an article's distinct words meet them in set operations.
_FLAGGED = WordFilter(lambda w: _word_info(w) is not _NOTHING)


def _sentences(text: str) -> list[_Sentence]:
    """The sentences of one field with their tokens, cue words and reporting flag.

    The tokens are the text's memoised ones (shared with the place and actor stages), cut at the
    sentence bounds; the cue and reporting words are found among the text's distinct
    words first, so most tokens cost one set test. Sentence bounds lie on whitespace and no token
    crosses them; should one ever do (a splitter change), that sentence is tokenised on its own,
    exactly as before the tokens were shared.
    """
    toks, words, starts = tokens(text), token_words(text), token_starts(text)
    flags = {w: _word_info(w) for w in _FLAGGED(distinct_words(text))}
    flagged = [i for i, w in enumerate(words) if w in flags] if flags else []
    sents: list[_Sentence] = []
    f = 0  # next flagged token
    for s, e in sentence_spans(text):
        a = bisect_left(starts, s)
        b = bisect_left(starts, e, a)
        cues: list[tuple[int, int, str]] = []
        reporting = False
        while f < len(flagged) and flagged[f] < a:
            f += 1
        if (a > 0 and toks[a - 1].end > s) or (b > a and toks[b - 1].end > e):
            sent_words: Sequence[Tok] = tuple(
                Tok(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text, s, e)
            )
            for t in sent_words:
                rel, reports = _word_info(t.text)
                if rel is not None:
                    cues.append((t.start, t.end, rel))
                reporting = reporting or reports
        else:
            sent_words = toks[a:b]
            while f < len(flagged) and flagged[f] < b:
                t = toks[flagged[f]]
                rel, reports = flags[t.text]
                if rel is not None:
                    cues.append((t.start, t.end, rel))
                reporting = reporting or reports
                f += 1
        sents.append(_Sentence(s, e, tuple(cues), tuple(sent_words), reporting))
    return sents


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _overlap(a: Mention, b: Mention) -> bool:
    return a.field == b.field and a.start < b.end and b.start < a.end


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    cues: tuple[tuple[int, int, str], ...]  # (start, end, relation)
    words: tuple[tuple[int, int, str], ...]  # all tokens (start, end, text)
    reporting: bool  # holds a reporting verb or attribution word


def _relation(sent: _Sentence, actor_span: tuple[int, int], place_span: tuple[int, int]) -> str:
    """The cue nearest to the pair: cues between actor and place first, then the one nearest to
    the actor (the verb usually governs its subject), then the relation order."""
    lo, hi = min(actor_span[1], place_span[1]), max(actor_span[0], place_span[0])
    best: tuple[int, int, int] | None = None
    rel_best = MENTIONED_WITH
    for s, e, rel in sent.cues:
        if (s, e) == actor_span or (s, e) == place_span:
            continue
        between = 0 if lo <= s and e <= hi else min(_gap((s, e), actor_span), _gap((s, e), place_span)) + 1
        key = (between, _gap((s, e), actor_span), RELATIONS.index(rel))
        if best is None or key < best:
            best, rel_best = key, rel
    return rel_best


def _is_media(actor: Actor) -> bool:
    return actor.kind == "organisation" and bool(actor.role and _MEDIA_ROLE.search(actor.role))


def find_links(
    article: Article,
    place_mentions: Sequence[PlaceMention],
    actor_mentions: Sequence[ActorMention],
) -> list[Link]:
    """Links between the article's actors and its resolved places, one per actor, place,
    relation and sentence, in text order."""
    links: list[Link] = []
    seen: set[tuple[Actor, str, str, int, int, str]] = set()
    fields = {"text": article.text}
    if article.title and not article.title_in_text:
        fields["title"] = article.title
    for field, text in fields.items():
        pms = [pm for pm in place_mentions if pm.mention.field == field and pm.place is not None]
        ams = [am for am in actor_mentions if am.mention.field == field]
        _link_field(article, field, text, pms, ams, links, seen)
    return links


def _link_field(
    article: Article,
    field: str,
    text: str,
    pms: list[PlaceMention],
    ams: list[ActorMention],
    links: list[Link],
    seen: set[tuple[Actor, str, str, int, int, str]],
) -> None:
    spans = sentence_spans(text)
    sents = _sentences(text)

    starts = [s for s, _e in spans]

    def index_of(pos: int) -> int:
        k = bisect_right(starts, pos) - 1
        return k if k >= 0 and pos < spans[k][1] else -1

    places_in: list[list[PlaceMention]] = [[] for _ in spans]
    actors_in: list[list[ActorMention]] = [[] for _ in spans]
    for pm in pms:
        k = index_of(pm.mention.start)
        if k >= 0:
            places_in[k].append(pm)
    media_nouns = load_demonyms().media_nouns
    by_start = _ByStart(ams), _ByStart(pms)
    for am in ams:
        k = index_of(am.mention.start)
        if k >= 0 and not _modifier(text, am, *by_start):
            actors_in[k].append(am)

    def add(am: ActorMention, pm: PlaceMention, rel: str, s: int, e: int) -> None:
        actor, place = am.actor, pm.place
        assert place is not None
        if rel == "meeting" and actor.kind == "person" and _foreign(actor, place):
            rel = "visit"  # a foreign person holding talks in a place is visiting it
        key = (actor, place.key, rel, s, e, field)
        if key in seen:
            return
        seen.add(key)
        sentence = Mention(s, e, text[s:e], "sentence", field)
        links.append(Link(actor, place, rel, sentence, article.id, pm.mention, am.mention))

    for k, sent in enumerate(sents):
        agents = [am for am in actors_in[k] if not _reporting(am, sent, text, media_nouns)]
        for am in agents:
            for pm in places_in[k]:
                if _allowed(am, pm):
                    span_a = (am.mention.start, am.mention.end)
                    add(
                        am,
                        pm,
                        _relation(sent, span_a, (pm.mention.start, pm.mention.end)),
                        sent.start,
                        sent.end,
                    )
        if k == 0 or not sent.words:
            continue
        first = sent.words[0]
        # "Dort …" / "There …": the previous sentence's last place
        if first[2].casefold() in _CARRY_PLACE and places_in[k - 1]:
            nxt = sent.words[1][2].casefold() if len(sent.words) > 1 else ""
            if not (first[2].casefold() == "there" and nxt in _EXPLETIVE_AFTER_THERE):
                pm = max(places_in[k - 1], key=lambda p: p.mention.start)
                for am in agents:
                    if _allowed(am, pm):
                        rel = _relation(sent, (am.mention.start, am.mention.end), (first[0], first[1]))
                        add(am, pm, rel, sents[k - 1].start, sent.end)
        # "Er …" / "He …" / "She …" with no person of its own: the previous sentence's only person
        if first[2] in _CARRY_PERSON and not any(am.actor.kind == "person" for am in agents):
            prev = [
                am
                for am in actors_in[k - 1]
                if am.actor.kind == "person" and not _reporting(am, sents[k - 1], text, media_nouns)
            ]
            if len({am.actor for am in prev}) == 1:
                am = prev[-1]
                for pm in places_in[k]:
                    if _allowed(am, pm):
                        rel = _relation(sent, (first[0], first[1]), (pm.mention.start, pm.mention.end))
                        add(am, pm, rel, sents[k - 1].start, sent.end)


def _foreign(actor: Actor, place: Place) -> bool:
    return bool(actor.country_code and place.country_code and actor.country_code != place.country_code)


def _allowed(am: ActorMention, pm: PlaceMention) -> bool:
    """Not the actor's own span, not its own country as a whole, no country to its own places."""
    place = pm.place
    if place is None or _overlap(am.mention, pm.mention):
        return False
    cc = am.actor.country_code
    if cc and place.country_code == cc and (place.feature == "country" or am.actor.kind == "country"):
        return False
    return True


def _reporting(am: ActorMention, sent: _Sentence, text: str, media_nouns: frozenset[str]) -> bool:
    """Whether the actor only reports in this sentence: a news agency or media (by role, or a
    demonym before a media noun) in a sentence with a reporting verb, or any actor in an
    attribution phrase ("laut X", "X zufolge", "according to X")."""
    m = am.mention
    words = sent.words
    if sent.reporting and (
        _is_media(am.actor) or (m.kind == "demonym" and _before_media_noun(words, m, media_nouns))
    ):
        return True
    idx = [k for k, w in enumerate(words) if w[0] >= m.start and w[1] <= m.end]
    if not idx:
        return False
    first, last = idx[0], idx[-1]
    for k in range(max(0, first - 4), first):
        if words[k][2].casefold() in _ATTRIBUTION_BEFORE and "," not in text[words[k][1] : m.start]:
            return True
    for k in range(last + 1, min(len(words), last + 3)):
        if words[k][2].casefold() in _ATTRIBUTION_AFTER:
            return True
    return False


def _before_media_noun(
    words: Sequence[tuple[int, int, str]], m: Mention, media_nouns: frozenset[str]
) -> bool:
    """ "Russische Medien", "staatliche nordkoreanische Nachrichtenagentur", "Russian state media"."""
    after = [w for w in words if w[0] >= m.end][:3]
    return any(w[2] in media_nouns for w in after)


_PLACE_NOUNS = frozenset({"city", "town", "region", "province", "port", "capital", "village", "of"})
#: Characters between a demonym and a place it qualifies: two words at most ("Russian city of").
_MAX_PLACE_GAP = 60


class _ByStart:
    """Mentions sorted by start, to find those starting in a window by bisection (not a scan of
    every mention per mention, which made long articles quadratic)."""

    def __init__(self, items: Sequence[ActorMention] | Sequence[PlaceMention]) -> None:
        self.items = sorted(items, key=lambda x: x.mention.start)
        self.starts = [x.mention.start for x in self.items]

    def between(self, lo: int, hi: int) -> list:
        return self.items[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]


def _modifier(text: str, am: ActorMention, ams: _ByStart, pms: _ByStart) -> bool:
    """Whether a country mention only qualifies something else and does not act itself:

    - a demonym before a named person or organisation, at most three words and no punctuation
      between ("der russische Außenminister Sergei Lawrow", "nordkoreanische Nachrichtenagentur
      KCNA"): that actor carries the links;
    - a demonym before a place, with at most two place-type words between ("der russischen Region
      Kursk", "the Russian city of Kursk"): it says where the place is;
    - a country name heading a compound ("Ukraine-Krieg", "Ukraine-Krise"): it names a war.
    """
    m = am.mention
    if am.actor.kind != "country":
        return False
    if m.kind != "demonym":
        return text[m.end : m.end + 1] == "-" and text[m.end + 1 : m.end + 2].isalpha()
    for other in ams.between(m.end, m.end + 80):
        o = other.mention
        # the gap's length is tested before the text is cut: a slice to every later mention of
        # a long article costs more than the whole rest of the link stage
        if m.end <= o.start < m.end + 80 and other.actor.kind != "country" and o.field == m.field:
            gap = text[m.end : o.start]
            if re.fullmatch(r"[\w\s-]*", gap) and len(gap.split()) <= 3:
                return True
    for pm in pms.between(m.end, m.end + _MAX_PLACE_GAP):
        o = pm.mention
        if o.field == m.field:
            words = text[m.end : o.start].split()
            if len(words) <= 2 and all(w[:1].isupper() or w in _PLACE_NOUNS for w in words):
                if re.fullmatch(r"[\w\s-]*", text[m.end : o.start]):
                    return True
    return False
