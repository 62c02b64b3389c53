"""Finding place mentions in text (German and English), with exact character offsets.

The gazetteer proposes: every window of one to ``max_words`` tokens whose key is a gazetteer name is a
candidate mention. This module decides which candidates are places, because proposing is cheap and
wrong most of the time (German capitalises every noun; "Mehr", "Thema" and "Bei" are places
somewhere). The decision uses what a reader uses: the kind of name matched (official, German/English,
abbreviation, loose alternate), the size and kind of the place, how common the word is as an ordinary
word in the article's language compared with other languages, and cue words around it ("Region
Kursk", "in der Stadt …", "Kursk Oblast"). German genitives ("Pjöngjangs", "Russlands",
"Griechenlandes") and English possessives ("Ukraine's") are matched on their stem.

It only finds and classifies spans; choosing coordinates is :mod:`geoapp.resolve`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .model import Article, Candidate, Mention
from .text import Token, name_key, tokenize

# Cue nouns: the word before or after a name that says what kind of place it is.
REGION_CUES_BEFORE = {
    "region", "oblast", "gebiet", "provinz", "bundesland", "bundesstaat", "kanton", "departement",
    "departamento", "landkreis", "kreis", "bezirk", "grafschaft", "state", "province", "county",
}
REGION_CUES_AFTER = {"oblast", "region", "province", "county", "state", "governorate", "prefecture",
                     "district", "krai", "kraj"}
CITY_CUES_BEFORE = {
    "stadt", "hauptstadt", "küstenstadt", "hafenstadt", "großstadt", "kleinstadt", "grenzstadt",
    "metropole", "gemeinde", "dorf", "ort", "ortschaft", "city", "town", "village", "capital",
}
#: Prepositions that make the next name likely a place ("in Dresden", "nach Moskau", "from Kyiv").
LOCATIVE_WORDS = {
    "de": {"in", "im", "nach", "aus", "bei", "von", "vor", "nahe", "nördlich", "südlich", "östlich",
           "westlich", "zwischen", "über", "durch", "gegen", "um", "ab", "bis"},
    "en": {"in", "at", "from", "to", "near", "into", "across", "outside", "around", "between", "toward",
           "towards", "through", "of", "via"},
}
_CUE_WORDS = REGION_CUES_BEFORE | REGION_CUES_AFTER | CITY_CUES_BEFORE
_OTHER_LANGS = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv")
# Abbreviations of two letters are too often ordinary words ("IN", "AT", "NO"); only these stand.
_SHORT_ABBREVIATIONS = {"US", "UK", "EU"}
# Window separators allowed inside a multi-word name: a space, or an abbreviation dot ("St. Louis").
_JOINER = re.compile(r"\.?[ \u00a0]")
_POSSESSIVE = re.compile(r"['’]s?$")
#: Dotted abbreviations: "U.S.", "U.K.", "U.S.A." (single capitals, each followed by a full stop).
_DOTTED = re.compile(r"(?:[A-Z]\.){1,3}[A-Z]\.?")
#: Compass and centre words. Alone they name a direction or a part of something ("in the South",
#: "im Norden des Dorfes", "the Centre" for a central government), almost never the village that
#: happens to carry the name; as part of a longer name ("South Africa") the longer key matches first.
COMPASS_WORDS = {
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "northeast",
    "northwest", "southeast", "southwest", "central", "centre", "center", "middle", "mid",
    "nord", "süd", "ost", "norden", "süden", "osten", "westen", "mitte", "zentrum",
    "nordost", "nordwest", "südost", "südwest", "nordosten", "nordwesten", "südosten", "südwesten",
}


@lru_cache(maxsize=100_000)
def _zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


@lru_cache(maxsize=100_000)
def commonness(word: str, lang: str) -> float:
    """How much more common ``word`` is in ``lang`` than across languages (zipf points).

    Place names are about equally frequent in many languages ("paris"), while ordinary words are
    frequent in their own language only ("mehr" de 6.3, en 2.6; "reading" en 5.1, de 3.4).
    """
    own = _zipf(word, lang)
    others = sorted(_zipf(word, other) for other in _OTHER_LANGS if other != lang)
    return own - others[len(others) // 2]


@lru_cache(maxsize=1)
def calendar_and_language_words() -> frozenset[str]:
    """Month, weekday and language names in English and German, from CLDR (babel).

    A place named "March", "Mai" or "English" exists somewhere, but in news these words are dates
    and languages: "on the 29th March", "im Mai 2007", "means 'battery' in English". Taken from
    CLDR so that the rule is a category, not a list of words seen in a corpus.
    """
    from babel import Locale

    words: set[str] = set()
    for code in ("en", "de"):
        loc = Locale(code)
        for context in ("format", "stand-alone"):
            words.update(loc.months[context]["wide"].values())
            words.update(loc.days[context]["wide"].values())
        words.update(name for name in loc.languages.values() if " " not in name)
    return frozenset(words)


@dataclass(frozen=True)
class PlaceCandidateSpan:
    """A span proposed as a place, with what the decision and the resolver need to know."""

    mention: Mention
    key: str
    candidates: tuple[Candidate, ...]
    cue: str | None = None  # "region" | "city" | None
    score: float = 0.0
    evidence: tuple[str, ...] = field(default_factory=tuple)
    #: What kind of name the key is for each candidate: {geonameid: {main, en, de, abbr, iso, alt}}.
    name_flags: dict = field(default_factory=dict)


_UNSEEN = object()


@dataclass
class _Field:
    """One text field of an article, tokenised once, with its gazetteer matches cached per start
    token so that a second round of decisions (with country context) probes nothing again."""

    text: str
    lang: str
    name: str
    skip: tuple[tuple[int, int], ...]
    tokens: list[Token] = field(init=False)
    #: Indexes of tokens that may start a name (capitalised): the only places a match can begin.
    starts: list[int] = field(init=False)
    matches: dict = field(init=False, default_factory=dict)
    dotted: dict = field(init=False, default_factory=dict)
    title_lines: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.tokens = tokenize(self.text)
        self.starts = [k for k, t in enumerate(self.tokens) if _may_start_name(t.text)]

    def title_case(self, i: int) -> bool:
        """:func:`_title_case_line` for token ``i``, computed once per line of the field."""
        line_start = self.text.rfind("\n", 0, self.tokens[i].start) + 1
        got = self.title_lines.get(line_start)
        if got is None:
            got = self.title_lines[line_start] = _title_case_line(self.text, self.tokens, i)
        return got


class PlaceExtractor:
    """Finds place mentions in an article using a gazetteer (anything with the lookup methods below).

    The gazetteer must offer ``candidates(key) -> list[Candidate]``, ``max_words``,
    ``name_flags(key) -> {geonameid: {main, en, de, abbr, iso, alt}}`` and
    ``abbr_surfaces(key) -> {geonameid: {exact surface forms}}``.
    """

    def __init__(self, gazetteer) -> None:
        self.gazetteer = gazetteer
        self.max_words = max(1, min(int(getattr(gazetteer, "max_words", 5)), 6))

    # -- public ----------------------------------------------------------------------------------

    def extract(self, article: Article, *, skip: list[tuple[int, int]] = ()) -> list[PlaceCandidateSpan]:
        """Place mentions in the article's text (and its title when the title is not in the text).

        ``skip`` holds spans that are known not to be places (demonyms, people's names).

        Each field is tokenised and probed against the gazetteer once. The decision then runs twice
        over the cached matches only: first without context, then, when that found countries or big
        places, with those countries as context (weaker names count for more inside the countries
        the article is about). Re-probing the text for the second round would double the cost.
        """
        fields = [_Field(article.text, article.lang, "text", tuple(skip))]
        if article.title and not article.title_in_text:
            fields.append(_Field(article.title, article.lang, "title", ()))
        found = [span for f in fields for span in self._decide_field(f, None)]
        countries = {
            span.candidates[0].country_code
            for span in found
            if span.candidates[0].feature in ("country", "region") or span.candidates[0].population >= 100_000
        }
        countries.discard(None)
        if not countries:
            return found
        return [span for f in fields for span in self._decide_field(f, countries)]

    # -- internals -------------------------------------------------------------------------------

    def _decide_field(self, fld: _Field, countries: set[str] | None) -> list[PlaceCandidateSpan]:
        """Walk the field's tokens left to right, taking the longest accepted match at each start."""
        lang = fld.lang if fld.lang in LOCATIVE_WORDS else "en"
        text, tokens = fld.text, fld.tokens
        out: list[PlaceCandidateSpan] = []
        n_tokens = len(tokens)
        nxt = 0  # the first token a new match may start at
        for i in fld.starts:
            if i < nxt:
                continue
            tok = tokens[i]
            dotted = fld.dotted.get(i, _UNSEEN)
            if dotted is _UNSEEN:
                dotted = fld.dotted[i] = self._dotted(fld, i)
            if dotted is not None:
                out.append(dotted[1])
                nxt = dotted[0] + 1
                continue
            match = fld.matches.get(i, _UNSEEN)
            if match is _UNSEEN:
                match = self._longest_match(text, tokens, i, lang)
                if match is not None:
                    match = (*match, self._cue(text, tokens, i, match[0], lang))
                fld.matches[i] = match
            if match is None:
                continue
            j, key, cands, stem_end, stem, (cue, span_start, span_end) = match
            start, end = tok.start, stem_end
            if any(s < end and start < e for s, e in fld.skip):
                nxt = j + 1
                continue
            if span_start is not None:
                start = span_start
            if span_end is not None:
                end = span_end
            decision = self._decide(text, tokens, i, j, key, stem, cands, cue, lang, countries, fld)
            if decision is not None:
                score, evidence = decision
                mention = Mention(start, end, text[start:end], "place", fld.name)
                out.append(PlaceCandidateSpan(mention, key, tuple(cands), cue, score, evidence,
                                              self.gazetteer.name_flags(key)))
                nxt = j + 1
                if span_end is not None and span_end > tokens[j].end:
                    while nxt < n_tokens and tokens[nxt].start < span_end:
                        nxt += 1
        return out

    def _dotted(self, fld: _Field, i: int) -> tuple[int, PlaceCandidateSpan] | None:
        """A dotted country abbreviation starting at token ``i`` ("U.S.", "U.K.", "U.S.A.").

        The tokenizer splits "U.S." into single letters; joined they are the abbreviation "US",
        which as a dotted form can never be the pronoun "us". Two-letter codes still need to be in
        :data:`_SHORT_ABBREVIATIONS`: "L.A." is not Laos, "A.M." not Armenia.
        """
        tokens = fld.tokens
        if len(tokens[i].text) != 1:
            return None
        m = _DOTTED.match(fld.text, tokens[i].start)
        if m is None or m.group().count(".") < len(m.group()) // 2:
            return None
        surface = m.group().replace(".", "")
        if len(surface) <= 2 and surface not in _SHORT_ABBREVIATIONS:
            return None
        key = name_key(surface)
        by_place = self.gazetteer.abbr_surfaces(key)
        if not any(surface in forms for forms in by_place.values()):
            return None
        cands = [c for c in self.gazetteer.candidates(key) if surface in by_place.get(c.geonameid or -1, ())]
        if not cands:
            return None
        end = m.end()
        if any(s < end and m.start() < e for s, e in fld.skip):
            return None
        j = i
        while j + 1 < len(tokens) and tokens[j + 1].start < end:
            j += 1
        mention = Mention(m.start(), end, fld.text[m.start() : end], "place", fld.name)
        span = PlaceCandidateSpan(mention, key, tuple(cands), None, 3.0, ("dotted abbreviation",),
                                  self.gazetteer.name_flags(key))
        return j, span

    def _longest_match(self, text: str, tokens: list[Token], i: int, lang: str):
        """The longest window starting at token ``i`` whose key (or its stem) is a gazetteer name."""
        last = min(len(tokens), i + self.max_words)
        # Extend the window only across plain spaces on one line.
        j_max = i
        while j_max + 1 < last and _JOINER.fullmatch(text[tokens[j_max].end : tokens[j_max + 1].start]):
            j_max += 1
        for j in range(j_max, i - 1, -1):
            if j > i and not _may_end_name(tokens[j].text):
                continue
            surface = text[tokens[i].start : tokens[j].end]
            for stem, stem_end in _stems(surface, tokens[j].end, lang):
                key = name_key(stem)
                cands = self.gazetteer.candidates(key)
                if cands:
                    return j, key, cands, stem_end, stem
        return None

    def _cue(self, text, tokens, i, j, lang):
        """A cue noun right before (``Region Kursk``, ``Küstenstadt Wŏnsan``) or after (``Kursk Oblast``)."""
        if i > 0:
            prev = tokens[i - 1]
            word = prev.text.lower()
            gap = text[prev.end : tokens[i].start]
            if gap.strip() == "":
                if word in REGION_CUES_BEFORE:
                    # "Region Kursk" is the mention in German; in English "the region Kursk" is rare.
                    return "region", prev.start, None
                if word in CITY_CUES_BEFORE or word.endswith("stadt"):
                    return "city", None, None
        if j + 1 < len(tokens):
            nxt = tokens[j + 1]
            word = nxt.text.lower()
            if text[tokens[j].end : nxt.start].strip() == "" and word in REGION_CUES_AFTER:
                return "region", None, nxt.end
        return None, None, None

    def _decide(self, text, tokens, i, j, key, stem, cands, cue, lang, countries, fld: _Field | None = None):
        """Is this match a place? Returns ``(score, evidence)`` or None."""
        surface = text[tokens[i].start : tokens[j].end]
        flags = self.gazetteer.name_flags(key)
        kinds: set[str] = set().union(*flags.values()) if flags else set()
        n_words = j - i + 1
        evidence: list[str] = []
        is_caps = surface.isupper() and len(surface) > 1
        prev_word = tokens[i - 1].text.lower() if i > 0 else ""
        locative = prev_word in LOCATIVE_WORDS[lang]
        if locative:
            evidence.append(f"after '{tokens[i - 1].text}'")
        if cue:
            evidence.append(f"cue: {cue}")

        if "abbr" in kinds and (is_caps or kinds <= {"abbr", "iso"}):
            forms = set().union(*self.gazetteer.abbr_surfaces(key).values()) if kinds else set()
            if surface not in forms:
                return None
            if len(surface) <= 2 and surface not in _SHORT_ABBREVIATIONS:
                return None
            if _neighbours_all_caps(tokens, i, j):
                return None
            return 3.0, tuple(evidence + ["abbreviation"])

        if n_words == 1 and not cue:
            low = surface.lower()
            if low in COMPASS_WORDS or _stem_word(low) in COMPASS_WORDS:
                return None
            if low in _CUE_WORDS:
                return None  # "Region", "Stadt", "County" alone: the kind of place, not its name
            if surface in calendar_and_language_words() and not _tagged_area(cands, flags):
                return None

        # The most lenient reading among the leading candidates: a tagged name of a big place wins.
        threshold = -9.0
        best_tier = 3
        for cand in cands[:10]:
            cand_flags = flags.get(cand.geonameid or -1, frozenset())
            tier = _tier(cand)
            tagged = bool(cand_flags & {"main", "en", "de"})
            if tier == 1 and tagged:
                t = 4.0
            elif tier <= 2 and tagged:
                t = 1.8
            elif tagged:
                t = 1.0
            elif cand_flags & {"alt"}:
                # German exonyms of big places are untagged alternates, and German-only words
                # ("Kiew", "Moskau"): commonness says little about them. The gazetteer build already
                # dropped alternates that are common words.
                t = 3.5 if tier == 1 else 0.3 if tier == 2 else -1.0
            else:
                continue
            if t > threshold:
                threshold, best_tier = t, tier

        if is_caps:
            # Datelines and shouted headlines: "WASHINGTON —", "PARIS, Texas".
            if len(surface) < 4 or best_tier > 2:
                return None
            evidence.append("all caps")
        elif not surface[0].isupper():
            return None

        # Frequencies are read on the matched form, not the folded key: "Brände" is not "Brande".
        # A rare word is no common word, whatever other languages say ("Pjöngjang").
        word = stem.lower()
        c = 0.0 if n_words > 1 or _zipf(word, lang) < 3.0 else commonness(word, lang)
        if countries and any(cand.country_code in countries for cand in cands[:10]):
            threshold += 0.7
            evidence.append("in a country the article names")
        elif countries and best_tier > 1:
            threshold -= 0.7  # a small foreign town in an article about elsewhere: likely a word
        if cue or locative:
            threshold += 1.0
        if n_words == 1 and _zipf(word, lang) >= 6.0:
            return None  # function words and the like, whatever the gazetteer says
        if best_tier == 3 and not (cue or locative) and _zipf(word, lang) >= 3.0:
            return None  # a village named like a word ("Tornado", "Tower") needs a cue
        if best_tier > 1 or not any(c.feature in ("country", "region", "continent") for c in cands[:3]):
            neighbour = self._name_neighbour(text, tokens, i, j, lang, fld)
            if neighbour:
                return None  # part of a longer name: "Marina Silva", "Lincoln Memorial"
        if c > threshold:
            return None
        score = threshold - c
        evidence.append(f"commonness {c:.1f} ≤ {threshold:.1f}")
        return score, tuple(evidence)

    def _name_neighbour(
        self, text: str, tokens: list[Token], i: int, j: int, lang: str, fld: _Field | None = None
    ) -> str | None:
        """A capitalised word glued to the match that makes it part of a person's or thing's name.

        In English any such word counts (unless the sentence is in Title Case, as headlines are); in
        German, where every noun is capitalised, only name-like words (rare as ordinary words) count.
        Cue words and other place names never count ("Kursk Oblast", "Paris Texas").
        """
        for k in (i - 1, j + 1):
            if k < 0 or k >= len(tokens):
                continue
            near = tokens[k]
            gap = text[near.end : tokens[i].start] if k < i else text[tokens[j].end : near.start]
            if gap != " " or not near.text[:1].isupper() or near.text.isupper():
                continue
            low = near.text.lower()
            if low in REGION_CUES_AFTER or low in REGION_CUES_BEFORE or low in CITY_CUES_BEFORE:
                continue
            if k < i and _sentence_initial(text, near.start):
                if lang == "en" and _zipf(low, lang) >= 4.0:
                    continue  # "The", "In" … start a sentence, they are not a first name
            near_cands = self.gazetteer.candidates(name_key(near.text))
            if near_cands and _tier(near_cands[0]) == 1:
                continue
            if lang == "en":
                if fld.title_case(i) if fld is not None else _title_case_line(text, tokens, i):
                    continue
                if _zipf(low, lang) >= 5.0:
                    continue  # "Paris On" is unlikely but "Ukraine Monday" style glue is common words
                return near.text
            if commonness(low, lang) < 1.0 and _zipf(low, lang) < 4.0:
                return near.text
        return None


def _stem_word(word: str) -> str:
    """German case endings off a single word ("Nordens", "Süden" stays): for the compass test."""
    return word[:-1] if word.endswith("s") and len(word) > 4 else word


def _tagged_area(cands: list[Candidate], flags: dict) -> bool:
    """Whether a country, continent or region carries this as its own (not alternate) name."""
    return any(
        c.feature in ("country", "continent", "region")
        and flags.get(c.geonameid or -1, frozenset()) & {"main", "en", "de"}
        for c in cands[:5]
    )


def _tier(c: Candidate) -> int:
    """1: countries, continents, first-level regions, capitals, big cities; 2: towns; 3: the rest."""
    if c.feature in ("country", "continent", "region") or c.feature_code == "PPLC" or c.population >= 100_000:
        return 1
    if c.population >= 15_000 or c.feature == "feature":
        return 2
    return 3


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    return start == 0 or before == "" or before[-1:] in ".!?:\"“„»–—("


def _title_case_line(text: str, tokens: list[Token], i: int) -> bool:
    """Whether the line around token ``i`` is a headline in Title Case."""
    line_start = text.rfind("\n", 0, tokens[i].start) + 1
    line_end = text.find("\n", tokens[i].start)
    line_end = len(text) if line_end < 0 else line_end
    words = [t.text for t in tokens if line_start <= t.start < line_end and len(t.text) > 3]
    return len(words) >= 3 and sum(w[:1].isupper() for w in words) >= 0.8 * len(words)


def _may_start_name(word: str) -> bool:
    return word[:1].isupper()


def _may_end_name(word: str) -> bool:
    return word[:1].isupper() or word.lower() in {"oder", "saale", "main"}


def _neighbours_all_caps(tokens: list[Token], i: int, j: int) -> bool:
    """True inside an all-caps headline, where an abbreviation-shaped word proves nothing."""
    before = tokens[i - 1].text if i > 0 else ""
    after = tokens[j + 1].text if j + 1 < len(tokens) else ""
    return (len(before) > 2 and before.isupper()) and (len(after) > 2 and after.isupper())


def _stems(surface: str, end: int, lang: str):
    """The surface itself, then inflection-stripped variants with where each one ends."""
    yield surface, end
    m = _POSSESSIVE.search(surface)
    if m and len(surface) - len(m.group()) >= 2:
        yield surface[: m.start()], end - len(m.group())
    if lang == "de":
        # The genitive ending stays inside the mention: the word is "Pjöngjangs", the place Pyongyang.
        if surface.endswith("es") and len(surface) > 5:
            yield surface[:-2], end
        if surface.endswith("s") and len(surface) > 4:
            yield surface[:-1], end
        if surface.endswith("n") and " " in surface:
            # Adjective inflection in multi-word names: "der Vereinigten Staaten" → "Vereinigte Staaten".
            first, rest = surface.split(" ", 1)
            if first.endswith("en"):
                yield first[:-1] + " " + rest, end
