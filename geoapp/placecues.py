"""Cue words around a place name: what kind of place it is, and in which country.

A reader of "der US-Bundesstaat Florida" knows the state, not a town in Cuba, whatever else the
article names; "the Indian state of Kerala" is a first-level region of India, "Hama Province" a
province, "die Hafenstadt Odessa" a city, "Goma im Osten des Landes" a place in the country the
article is about. This module reads those cues from the text beside a mention, so that the
resolver (:mod:`geoapp.resolve`) can weigh them above a population prior or a country named once.

The words are data (``data/words/place_cues.yaml``). A cue must touch the name: only spaces, the
joiners "of"/"the"/"von", or a hyphen ("Tigray-Region") may stand between; a qualifier naming the
country sits right before the cue noun, as a hyphenated prefix ("US-Bundesstaat"), an adjective
("indischen Bundesstaat", "the Indian state of") or a country name ("the US state of").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import load_words
from .text import Tok, token_starts, tokens

#: Characters looked at on each side of a mention for a phrase placing it in the article's main
#: country ("Goma im Osten des Landes"): about one clause.
_MAIN_COUNTRY_CHARS = 60
_POSSESSIVE = re.compile(r"['’]s?$")
#: A text's tokens and their start offsets (:class:`geoapp.document.DocField` has both).
Tokenised = tuple[Sequence[Tok], Sequence[int]]
_CLAUSE_END = re.compile(r"[.!?;\n]")


@dataclass(frozen=True)
class Cue:
    """What the words around a mention say: ``kind`` (region, district, city, feature), the
    ``country`` a qualifier names, and whether a phrase places it in the article's main country.
    ``words`` is the cue as written, for the resolver's ``why``."""

    kind: str | None = None
    country: str | None = None
    main_country: bool = False
    words: str = ""


NO_CUE = Cue()


@dataclass(frozen=True)
class _Lexicon:
    before: dict[str, dict[str, str]]  # lang -> cue noun -> kind
    after: dict[str, dict[str, str]]
    suffixes: tuple[tuple[str, str], ...]  # (German compound end, kind), longest first
    joiners: frozenset[str]
    main_country: dict[str, re.Pattern]  # lang -> one pattern for all its phrases


def _split(value) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value or ()]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """The cue words, by language: capitalised nouns are German (matched as written), lower-case
    ones English (matched on the lower-cased word)."""
    data = load_words("place_cues")
    before: dict[str, dict[str, str]] = {"de": {}, "en": {}}
    after: dict[str, dict[str, str]] = {"de": {}, "en": {}}
    suffixes: list[tuple[str, str]] = []
    for kind, lists in data["kinds"].items():
        for table, words in ((before, lists.get("before")), (after, lists.get("after"))):
            for word in _split(words):
                table["de" if word[:1].isupper() else "en"][word] = kind
        suffixes += [(s, kind) for s in _split(lists.get("suffixes"))]
    suffixes.sort(key=lambda t: -len(t[0]))
    main = {
        lang: re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b", re.IGNORECASE)
        for lang, phrases in data["main_country"].items()
    }
    return _Lexicon(before, after, tuple(suffixes), frozenset(data["joiners"]), main)


def _noun_kind(
    word: str, lang: str, table: Mapping[str, Mapping[str, str]], compounds: bool = False
) -> tuple[str | None, str]:
    """The kind a cue noun names and the qualifier glued to it by a hyphen ("US-Bundesstaat" →
    region, "US"); with ``compounds``, German compounds by their end too ("Küstenstadt" → city)."""
    if lang == "de":
        kind = table["de"].get(word)
        if kind is not None:
            return kind, ""
        prefix, _, head = word.rpartition("-")
        if prefix and head in table["de"]:
            return table["de"][head], prefix
        low = word.lower()
        for suffix, kind in _lexicon().suffixes if compounds else ():
            if low.endswith(suffix) and len(low) > len(suffix) + 2:
                return kind, ""
        return None, ""
    return table["en"].get(word.lower()), ""


def feature_noun(word: str, lang: str) -> bool:
    """Whether ``word`` is a cue noun for a natural feature or crossing ("Fluss", "Grenzfluss",
    "Insel", "river"; ``feature`` in ``data/words/place_cues.yaml``, German compounds by their end):
    the place stage takes a curated feature's name after it ("am Grenzfluss Evros") as a place
    whatever the tagger says."""
    kind, _ = _noun_kind(word, lang if lang in ("de", "en") else "en", _lexicon().before, compounds=True)
    return kind == "feature"


class CueReader:
    """Reads :class:`Cue` s from article text.

    ``country_of(word)``: the ISO code a word names as a country ("US", "Russia"), or None;
    ``demonyms``: ``{end offset: country codes}`` of the field's adjectives ("indischen" → IN).
    """

    def __init__(self, country_of: Callable[[str], str | None]) -> None:
        self.country_of = country_of

    def read(
        self,
        text: str,
        start: int,
        end: int,
        lang: str,
        demonyms: Mapping[int, tuple[str, ...]] = {},
        tokenised: Tokenised | None = None,
    ) -> Cue:
        """The cue around the mention at ``text[start:end]`` (:data:`NO_CUE` when none);
        ``tokenised``: the text's tokens and their starts when the caller has them (a document)."""
        lang = lang if lang in ("de", "en") else "en"
        lex = _lexicon()
        toks, starts = tokenised or (tokens(text), token_starts(text))
        first = bisect_left(starts, start)
        last = bisect_left(starts, end) - 1  # the mention's last token
        kind, country, words = None, None, ""
        # The mention's own first word may be the noun ("Region Kursk", as German spans include it).
        k = first
        if first <= last:
            own, prefix = _noun_kind(toks[first][2], lang, lex.before, compounds=True)
            if own is not None and first < last:
                kind, words = own, toks[first][2]
                country = self._qualifier(text, toks, first, prefix, demonyms)
        if kind is None:
            j = k - 1
            while j >= 0 and toks[j][2].lower() in lex.joiners and _spaced(text, toks[j][1], toks[j + 1][0]):
                j -= 1
            if j >= 0 and _spaced(text, toks[j][1], toks[j + 1][0]):
                noun, prefix = _noun_kind(toks[j][2], lang, lex.before, compounds=True)
                if noun is not None:
                    kind, words = noun, text[toks[j][0] : start].strip()
                    country = self._qualifier(text, toks, j, prefix, demonyms)
        if kind is None:
            kind, words = self._after(text, toks, start, end, last, lang, lex)
        main = self._main_country(text, start, end, lang, lex)
        if main and not words:
            words = "in the article's country"
        return Cue(kind, country, main, words) if (kind or country or main) else NO_CUE

    def _qualifier(self, text, toks, j: int, prefix: str, demonyms) -> str | None:
        """The country named right before the cue noun at token ``j`` (or glued to it)."""
        if prefix:
            return self.country_of(prefix)
        if j == 0 or not _spaced(text, toks[j - 1][1], toks[j][0]):
            return None
        prev = toks[j - 1]
        codes = demonyms.get(prev[1])
        if codes is not None:
            return codes[0] if len(codes) == 1 else None
        word = _POSSESSIVE.sub("", prev[2])
        return self.country_of(word) if word[:1].isupper() else None

    @staticmethod
    def _after(text, toks, start: int, end: int, last: int, lang: str, lex: _Lexicon):
        """A cue noun right after the mention ("Hama Province", "Tigray-Region"), or as its own last
        word ("Al Haouz province", "Kursk Oblast" when the gazetteer took the noun in)."""
        if last >= 0 and toks[last][1] > end and text[end : end + 1] == "-":
            head = toks[last][2][end - toks[last][0] + 1 :]
            kind, _ = _noun_kind(head, lang, lex.after)
            if kind is not None:
                return kind, head
        if last > 0 and toks[last][0] > start:
            kind, _ = _noun_kind(toks[last][2], lang, lex.after)
            if kind is not None:
                return kind, toks[last][2]
        nxt = last + 1
        if 0 <= nxt < len(toks) and _spaced(text, end, toks[nxt][0]):
            word = toks[nxt][2]
            kind, _ = _noun_kind(word, lang, lex.after)
            if kind is not None and (lang == "de" or not word.isupper()):
                return kind, word
        return None, ""

    @staticmethod
    def _main_country(text: str, start: int, end: int, lang: str, lex: _Lexicon) -> bool:
        """Whether a phrase such as "im Osten des Landes" stands close to the mention, in its
        sentence (no full stop between)."""
        pattern = lex.main_country.get(lang)
        if pattern is None:
            return False
        lo = max(0, start - _MAIN_COUNTRY_CHARS)
        for m in pattern.finditer(text, lo, end + _MAIN_COUNTRY_CHARS):
            gap = text[end : m.start()] if m.start() >= end else text[m.end() : start]
            if not _CLAUSE_END.search(gap):
                return True
        return False


@lru_cache(maxsize=1)
def _riverside() -> dict[str, re.Pattern]:
    """Per language, one pattern for the prepositions that put a name on a river's bank, anchored
    at the name (``riverside`` in ``data/words/place_cues.yaml``)."""
    data = load_words("place_cues").get("riverside") or {}
    return {
        lang: re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in phrases) + r")\s+$", re.IGNORECASE)
        for lang, phrases in data.items()
    }


def riverside_cue(text: str, start: int, lang: str) -> Cue:
    """A feature cue when a riverside preposition stands right before the name at ``start`` ("an der
    Moldau", "am Niger"): the caller asks only when a river is among the name's candidates, so
    "an der Moldau" is the Vltava, "in der Republik Moldau" still Moldova. Constant work (the 20
    characters before the name)."""
    pattern = _riverside().get(lang)
    m = pattern.search(text, max(0, start - 20), start) if pattern is not None else None
    return Cue("feature", None, False, m.group(1)) if m else NO_CUE


def _spaced(text: str, a: int, b: int) -> bool:
    """Only spaces between two offsets (one line, no punctuation)."""
    gap = text[a:b]
    return 0 < len(gap) <= 2 and not gap.strip()


#: Small words an acronym's long form may hold without a letter of their own ("Line of Actual
#: Control (LAC)", "Democratic Republic of the Congo (DRC)").
_ACRONYM_JOINERS = frozenset("of the and for de des der die das für und la le el du".split())


def acronym_source(
    text: str, start: int, end: int, tokenised: Tokenised | None = None
) -> tuple[int, int] | None:
    """Where the long form of an acronym in parentheses begins and ends: "Cordillera Administrative
    Region (CAR)" → the span of "Cordillera Administrative Region". Such an acronym names that
    phrase, whatever else the letters abbreviate (CAR is also the Central African Republic)."""
    letters = text[start:end]
    if not (2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()):
        return None
    if text[start - 1 : start] != "(" or text[end : end + 1] != ")":
        return None
    toks, starts = tokenised or (tokens(text), token_starts(text))
    k = bisect_left(starts, start) - 1
    need = len(letters)
    first = last = None
    while k >= 0 and need > 0:
        word = toks[k][2]
        gap = text[toks[k][1] : toks[k + 1][0]] if last is not None else text[toks[k][1] : start - 1]
        if gap.strip():
            return None  # punctuation inside the phrase: no long form
        if word[:1].isupper():
            if word[0].upper() != letters[need - 1]:
                return None
            need -= 1
        elif word.lower() not in _ACRONYM_JOINERS:
            return None
        last = last if last is not None else toks[k][1]
        first = toks[k][0]
        k -= 1
    return (first, last) if need == 0 and first is not None else None
