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
_OTHER_LANGS = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv")
# Abbreviations of two letters are too often ordinary words ("IN", "AT", "NO"); only these stand.
_SHORT_ABBREVIATIONS = {"US", "UK", "EU"}
# Window separators allowed inside a multi-word name: a space, or an abbreviation dot ("St. Louis").
_JOINER = re.compile(r"\.?[ \u00a0]")
_POSSESSIVE = re.compile(r"['’]s?$")


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


@dataclass(frozen=True)
class PlaceCandidateSpan:
    """A span proposed as a place, with what the decision and the resolver need to know."""

    mention: Mention
    key: str
    candidates: tuple[Candidate, ...]
    cue: str | None = None  # "region" | "city" | None
    score: float = 0.0
    evidence: tuple[str, ...] = field(default_factory=tuple)


class PlaceExtractor:
    """Finds place mentions in an article using a gazetteer (anything with the lookup methods below).

    The gazetteer must offer ``candidates(key) -> list[Candidate]``, ``max_words`` and
    ``name_kinds(key) -> set[str]`` (main, en, de, abbr, alt) and ``abbreviation_forms(key)``.
    """

    def __init__(self, gazetteer) -> None:
        self.gazetteer = gazetteer
        self.max_words = max(1, min(int(getattr(gazetteer, "max_words", 5)), 6))

    # -- public ----------------------------------------------------------------------------------

    def extract(self, article: Article, *, skip: list[tuple[int, int]] = ()) -> list[PlaceCandidateSpan]:
        """Place mentions in the article's text (and its title when the title is not in the text).

        ``skip`` holds spans that are known not to be places (demonyms, people's names).
        """
        found = self._extract_field(article.text, article.lang, "text", skip)
        if article.title and not article.title_in_text:
            found += self._extract_field(article.title, article.lang, "title", ())
        return found

    # -- internals -------------------------------------------------------------------------------

    def _extract_field(self, text: str, lang: str, field_name: str, skip) -> list[PlaceCandidateSpan]:
        lang = lang if lang in LOCATIVE_WORDS else "en"
        tokens = tokenize(text)
        out: list[PlaceCandidateSpan] = []
        i = 0
        n_tokens = len(tokens)
        while i < n_tokens:
            tok = tokens[i]
            if not _may_start_name(tok.text):
                i += 1
                continue
            match = self._longest_match(text, tokens, i, lang)
            if match is None:
                i += 1
                continue
            j, key, cands, stem_end = match
            start, end = tok.start, stem_end
            if any(s < end and start < e for s, e in skip):
                i = j + 1
                continue
            cue, span_start, span_end = self._cue(text, tokens, i, j, lang)
            if cue and span_start is not None:
                start = min(start, span_start)
                end = max(end, span_end)
            decision = self._decide(text, tokens, i, j, key, cands, cue, lang)
            if decision is not None:
                score, evidence = decision
                mention = Mention(start, end, text[start:end], "place", field_name)
                out.append(PlaceCandidateSpan(mention, key, tuple(cands), cue, score, evidence))
                i = j + 1
                if cue and span_end is not None and span_end > tokens[j].end:
                    while i < n_tokens and tokens[i].start < span_end:
                        i += 1
            else:
                i += 1
        return out

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
                    return j, key, cands, stem_end
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

    def _decide(self, text, tokens, i, j, key, cands, cue, lang):
        """Is this match a place? Returns ``(score, evidence)`` or None."""
        surface = text[tokens[i].start : tokens[j].end]
        kinds = self.gazetteer.name_kinds(key)
        best = cands[0]
        tier = _tier(best)
        n_words = j - i + 1
        evidence: list[str] = []
        is_caps = surface.isupper() and len(surface) > 1
        prev_word = tokens[i - 1].text.lower() if i > 0 else ""
        locative = prev_word in LOCATIVE_WORDS[lang]
        if locative:
            evidence.append(f"after '{tokens[i - 1].text}'")
        if cue:
            evidence.append(f"cue: {cue}")

        if kinds and kinds <= {"abbr"} or (is_caps and "abbr" in kinds and len(surface) <= 4):
            forms = self.gazetteer.abbreviation_forms(key)
            if surface not in forms:
                return None
            if len(surface) <= 2 and surface not in _SHORT_ABBREVIATIONS:
                return None
            if _neighbours_all_caps(tokens, i, j):
                return None
            return 3.0, tuple(evidence + ["abbreviation"])

        if is_caps:
            # Datelines and shouted headlines: "WASHINGTON —", "PARIS, Texas".
            if len(surface) < 4 or tier > 2:
                return None
            evidence.append("all caps")
        elif not surface[0].isupper():
            return None

        tagged = bool(kinds & {"main", "en", "de"})
        if n_words > 1:
            c = 0.0
        else:
            c = commonness(key, lang)
        score = 0.0
        if tier == 1 and tagged:
            threshold = 4.0
        elif tier <= 2 and tagged:
            threshold = 1.8
        elif tagged:
            threshold = 1.0
        else:  # only a loose alternate name matched
            threshold = 0.3 if tier <= 2 else -1.0
        if cue or locative:
            threshold += 1.0
        if n_words == 1 and _zipf(key, lang) >= 6.0:
            return None  # function words and the like, whatever the gazetteer says
        if c > threshold:
            return None
        score = threshold - c
        evidence.append(f"commonness {c:.1f} ≤ {threshold:.1f}")
        return score, tuple(evidence)


def _tier(c: Candidate) -> int:
    """1: countries, continents, first-level regions, capitals, big cities; 2: towns; 3: the rest."""
    if c.feature in ("country", "continent", "region") or c.feature_code == "PPLC" or c.population >= 100_000:
        return 1
    if c.population >= 15_000 or c.feature == "feature":
        return 2
    return 3


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
