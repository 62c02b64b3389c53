"""Country adjectives and demonyms ("russische", "Nordkoreaner", "North Korean"), German and English.

A demonym is never a place ("Russen" is not Russia's location) and, by the guidelines analysts
use, never an actor on its own ("Russische Truppen" names no agent); it is a reference to a
country, kept with its offsets: the place stage drops candidates that overlap one, the actor stage
reads it for a person's or an organisation's country ("der russische Außenminister"), and
:mod:`geoapp.adjectives` records the adjectives as references to their country or region.

The lexicon (``data/demonyms.yaml``, own curation) is expanded into every inflected form once per
process; the scan visits only the tokens whose word can hold a demonym.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .document import Doc, DocField
from .lexicon import PhraseIndex, read_yaml
from .settings import DATA_DIR
from .text import WordFilter

DEMONYMS_FILE = DATA_DIR / "demonyms.yaml"
_CC_RE = re.compile(r"^[A-Z]{2}$")

_DE_ADJ_ENDINGS = ("", "e", "en", "er", "es", "em")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _de_adjective_forms(stem: str) -> set[str]:
    """All inflections of a German adjective stem, lower case and capitalised (sentence start,
    names like "Russische Medien", nouns like "Deutsche")."""
    forms = {stem + e for e in _DE_ADJ_ENDINGS}
    return forms | {_cap(f) for f in forms}


def _de_noun_forms(lemma: str) -> set[str]:
    """Plural, dative plural, genitive and the regular feminine of a German inhabitant noun."""
    if lemma.endswith("e"):  # Russe → Russen, Russin, Russinnen
        return {lemma, lemma + "n", lemma[:-1] + "in", lemma[:-1] + "innen"}
    if lemma.endswith("er"):  # Nordkoreaner → -n, -s, -in, -innen
        return {lemma, lemma + "n", lemma + "s", lemma + "in", lemma + "innen"}
    if lemma.endswith("i"):  # Israeli, Saudi: common gender, plural -s
        return {lemma, lemma + "s"}
    return {lemma, lemma + "en", lemma + "in", lemma + "innen"}  # Jemenit → Jemeniten


def _en_forms(adjectives: Iterable[str], nouns: Iterable[str]) -> set[str]:
    """English adjectives (those ending -an/-i/-k double as nouns) and nouns with plurals."""
    forms: set[str] = set()
    for adj in adjectives:
        forms.add(adj)
        if adj.endswith(("an", "i", "k")):
            forms.add(adj + "s")
    for noun in nouns:
        forms.add(noun)
        forms.add(noun[:-3] + "men" if noun.endswith("man") else noun + "s")
    return forms | {f.replace(" ", "-") for f in forms if " " in f}


@dataclass
class DemonymLexicon:
    """Surface form → country codes. One code: that country; several: ambiguous, decided by the
    article's context; none: a continent or region adjective (not a country, still not a place)."""

    exact: dict[str, tuple[str, ...]]
    lower_de: dict[str, tuple[str, ...]]
    phrases: PhraseIndex[tuple[str, ...]]
    names: dict[str, str]
    compass: tuple[str, ...]
    media_nouns: frozenset[str]
    #: Surface form → the continent or world region it is the adjective of ("European" → Europe).
    regions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cache: dict[str, tuple[str, ...] | None] = {}
        self._compass_heads = frozenset(p[:3] for p in self.compass)
        self._pieces: dict[str, tuple[tuple[int, int, tuple[str, ...]], ...]] = {}
        #: The words that start a demonym phrase or hold a demonym (see :meth:`pieces`).
        self.holders = WordFilter(lambda w: w in self.phrases._by_first or self.pieces(w))

    def pieces(self, word: str) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
        """The demonyms inside one token outside a phrase, as ``(start, end, codes)`` relative to
        the token: the whole token, or the parts of a hyphenated compound ("russisch-ukrainischen",
        "Russian-backed"); empty for most words.

        Memoised per word, because news repeats its words and the per-token work of the scan is
        then one dictionary hit instead of a look-up, a compass check and a split.
        """
        got = self._pieces.get(word)
        if got is not None:
            return got
        codes = self.lookup(word)
        if codes is not None:
            got = ((0, len(word), codes),)
        elif "-" in word:
            found = []
            pos = 0
            for part in word.split("-"):
                part_codes = self.lookup(part) if len(part) >= 3 else None
                if part_codes is not None:
                    found.append((pos, pos + len(part), part_codes))
                pos += len(part) + 1
            got = tuple(found)
        else:
            got = ()
        if len(self._pieces) > 100_000:
            self._pieces.clear()
        self._pieces[word] = got
        return got

    @classmethod
    def load(cls, path: Path = DEMONYMS_FILE) -> DemonymLexicon:
        """Read ``demonyms.yaml`` and generate every inflected form once."""
        data = read_yaml(path)
        country_names = {str(e.get("de_name", "")) for e in data["countries"].values()}
        country_names |= {str(e.get("name", "")) for e in data["countries"].values()}
        exact: dict[str, tuple[str, ...]] = {}
        lower_de: dict[str, tuple[str, ...]] = {}
        phrases: PhraseIndex[tuple[str, ...]] = PhraseIndex()
        names: dict[str, str] = {cc: str(n) for cc, n in (data.get("extra_names") or {}).items()}

        def put(forms: Iterable[str], codes: tuple[str, ...], german: bool) -> None:
            for form in forms:
                if not form or form in country_names:  # "Polen", "Ungarn": the country itself
                    continue
                variants = {form} | ({form.upper()} if len(form) > 3 else set())
                for v in variants:
                    if " " in v:
                        phrases.add(v, codes)
                    else:
                        exact.setdefault(v, codes)
                if german:
                    lower_de.setdefault(form.lower(), codes)

        def put_entry(entry: dict[str, Any], codes: tuple[str, ...]) -> None:
            de: set[str] = set()
            for stem in entry.get("de_adj") or ():
                de |= _de_adjective_forms(stem)
            for lemma in entry.get("de_noun") or ():
                de |= _de_noun_forms(lemma)
            for fem in entry.get("de_noun_f") or ():
                de |= {fem, fem + "nen"}
            put(de, codes, german=True)
            put(_en_forms(entry.get("en_adj") or (), entry.get("en_noun") or ()), codes, german=False)

        for cc, entry in data["countries"].items():
            if not _CC_RE.match(cc):
                raise ValueError(f"{path}: {cc!r} is not an ISO alpha-2 code")
            names[cc] = str(entry["name"])
            put_entry(entry, (cc,))
        for entry in (data.get("ambiguous") or {}).values():
            put_entry(entry, tuple(entry["countries"]))
        regions: dict[str, str] = {}
        for region, entry in (data.get("regions") or {}).items():
            forms: set[str] = set()
            for stem in entry.get("de_adj") or ():
                forms |= _de_adjective_forms(stem)
            for lemma in entry.get("de_noun") or ():
                forms |= _de_noun_forms(lemma)
            forms |= _en_forms(entry.get("en_adj") or (), entry.get("en_noun") or ())
            for form in forms:  # a region is not a country: its forms override, as below
                regions[form] = str(region)
                if " " in form:
                    phrases.add(form, ())
                else:
                    exact[form] = ()
                lower_de.setdefault(form.lower(), ())
        not_de: set[str] = set()
        for word in data.get("not_country_de") or ():
            not_de |= _de_noun_forms(word) if word[:1].isupper() else _de_adjective_forms(word)
        for form in not_de:  # override: these are never countries
            exact[form] = ()
            lower_de[form.lower()] = ()
        for phrase in data.get("not_country_en") or ():
            for form in _en_forms([phrase], []):
                if " " in form:
                    phrases.add(form, ())
                else:
                    exact[form] = ()
        compass = tuple(sorted(data.get("compass_de") or (), key=len, reverse=True))
        return cls(
            exact, lower_de, phrases, names, compass, frozenset(data.get("media_nouns") or ()), regions
        )

    def lookup(self, word: str) -> tuple[str, ...] | None:
        """Codes for one token (whole, compass-prefixed, or as the part of a hyphenated compound)."""
        codes = self.exact.get(word)
        if codes is not None:
            return codes
        if word[:3].lower() not in self._compass_heads:
            return None
        if word not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[word] = self._compass(word)
        return self._cache[word]

    def _compass(self, word: str) -> tuple[str, ...] | None:
        """German compass prefixes: a listed compound wins ("nord-koreanisch" = "nordkoreanisch"),
        otherwise the rest decides ("ostukrainisch" → UA, "ost-koreanisch" → Korea, ambiguous)."""
        low = word.lower()
        for prefix in self.compass:
            if low.startswith(prefix) and len(low) > len(prefix) + 3:
                rest = low[len(prefix) :].lstrip("-")
                joined = self.lower_de.get(prefix + rest)
                if joined is not None:
                    return joined
                codes = self.lower_de.get(rest)
                if codes is not None:
                    return codes
        return None


@lru_cache(maxsize=4)
def load_demonyms(path: Path = DEMONYMS_FILE) -> DemonymLexicon:
    """The demonym lexicon, built once per process (and per path)."""
    return DemonymLexicon.load(path)


@dataclass(frozen=True, slots=True)
class Demonym:
    """A demonym in one field: ``codes`` its possible countries (several: decided by context,
    none: a continent or region adjective such as "European"), ``tok`` the token holding it."""

    start: int
    end: int
    codes: tuple[str, ...]
    tok: int
    field: str = "text"

    @property
    def region(self) -> bool:
        return not self.codes


def scan_field(fld: DocField, lex: DemonymLexicon | None = None) -> list[Demonym]:
    """Demonyms of one field left to right: a multi-word phrase ("North Korean") first, else what
    the token holds (:meth:`DemonymLexicon.pieces`).

    Only the tokens whose word can hold one are visited: the field's distinct words are checked
    once each (most were seen in earlier articles), then one set test per token finds them.
    """
    lex = lex or load_demonyms()
    firsts = lex.phrases._by_first  # the phrase index is case-sensitive: a token is its own key
    memo = lex._pieces
    pieces = lex.pieces
    text, toks = fld.norm, fld.tokens
    wanted = lex.holders(fld.distinct)
    found: list[Demonym] = []
    if not wanted:
        return found
    nxt = 0
    for i in [i for i, w in enumerate(fld.words) if w in wanted]:
        if i < nxt:
            continue
        tok = toks[i]
        w = tok.text
        if w in firsts:
            hit = lex.phrases.match(text, toks, i)
            if hit:
                n, codes = hit
                found.append(Demonym(tok.start, toks[i + n - 1].end, codes, i, fld.name))
                nxt = i + n
                continue
        for a, b, codes in memo.get(w) or pieces(w):
            found.append(Demonym(tok.start + a, tok.start + b, codes, i, fld.name))
    return found


def find_demonyms(doc: Doc) -> list[Demonym]:
    """Every demonym of the document, body first, then the title."""
    return [d for fld in doc for d in scan_field(fld)]


def resolve_codes(codes: tuple[str, ...], counts: dict[str, int]) -> str | None:
    """One code as is; several: the one the article mentions most, none on a tie or no evidence."""
    if len(codes) == 1:
        return codes[0]
    if not codes:
        return None
    ranked = sorted(codes, key=lambda c: -counts.get(c, 0))
    best, second = counts.get(ranked[0], 0), counts.get(ranked[1], 0)
    return ranked[0] if best > second else None


def country_counts(places: Iterable, demonyms: Iterable[Demonym]) -> dict[str, int]:
    """How present each country is in an article: its place mentions, places inside it, its
    unambiguous adjectives. Decides ambiguous demonyms ("Korean": KP in an article about North
    Korea). ``places`` are :class:`~geoapp.model.PlaceMention` objects."""
    counts: dict[str, int] = {}
    for pm in places:
        if pm.place is not None and pm.place.country_code:
            counts[pm.place.country_code] = counts.get(pm.place.country_code, 0) + 1
    for d in demonyms:
        if len(d.codes) == 1:
            counts[d.codes[0]] = counts.get(d.codes[0], 0) + 1
    return counts
