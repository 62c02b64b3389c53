"""Actors: the people, organisations and countries an article names as agents.

Runs after the place stage. Four sources, in order of trust:

1. the actor registry (``data/actors.yaml`` plus a user file): known names and their spellings;
2. role titles in German and English ("Außenministerin Choe Son-hui", "President X"), which find
   people the registry does not know, with the country from an adjective inside the phrase;
3. surname-only mentions ("Lawrow", "Kim") of a person already found in the same article;
4. countries: every country place mention, and every country adjective or demonym ("russische",
   "Nordkoreaner", "North Korean") from ``data/demonyms.yaml``.

Demonyms are actors, never places: :func:`demonym_spans` lets the place stage drop candidates that
overlap one. Every lexicon, index and pattern is built once (at load or first use), so the work per
article is a handful of dictionary look-ups per token. See ``docs/actors.md`` for the rules and
what they miss.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from wordfreq import zipf_frequency

from geoapp.model import Actor, ActorMention, Article, Mention, Place, PlaceMention
from geoapp.settings import DATA_DIR
from geoapp.spans import SpanIndex
from geoapp.text import (
    TOKEN_RE,
    Tok,
    WordFilter,
    distinct_words,
    text_memo,
    token_starts,
    token_words,
    tokens,
)

T = TypeVar("T")

ACTORS_FILE = DATA_DIR / "actors.yaml"
DEMONYMS_FILE = DATA_DIR / "demonyms.yaml"

ACTOR_KINDS = ("person", "organisation")
ORG_TYPES = ("government body", "armed force", "news agency", "company", "international body")

# One-to-one character replacements, so offsets into the normalised text are offsets into the
# original: odd hyphens ("Jong‑un" with U+2011) and typographic apostrophes ("Lavrov’s").
_NORMALISE = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2019": "'", "\u02bc": "'"})
_CC_RE = re.compile(r"^[A-Z]{2}$")
# Korean and similar romanised given names: "Jong-un", "Son-hui", "Yo-jong" (family name first).
_EAST_ASIAN_GIVEN = re.compile(r"^[A-Z][a-zŏŭ]+-[a-zŏŭ]+$")
# The characters ``_NORMALISE`` replaces, and those of them that change where tokens end (the
# apostrophe "’" does not: the tokenizer joins on it as on "'").
_ODD_CHARS = re.compile("[\u2010\u2011\u2012\u2019\u02bc]")
_BOUNDARY_CHARS = re.compile("[\u2010\u2011\u2012\u02bc]")


@text_memo
def actor_text(text: str) -> str:
    """The normalised text the actor stage tokenises (``text`` itself when nothing needs
    replacing, so that it shares the memoised tokens with the link stage); memoised per text
    because ``str.translate`` with a table costs as much as tokenising."""
    if _ODD_CHARS.search(text) is None:
        return text
    if _BOUNDARY_CHARS.search(text) is None:
        return text.replace("\u2019", "'")
    return text.translate(_NORMALISE)


@text_memo
def _actor_tokens(text: str) -> tuple[tuple[Tok, ...], tuple[str, ...], frozenset[str]]:
    """Tokens of the normalised text (see :func:`_tokens`), their words and distinct words.

    Built from the raw text's memoised tokens (the ones the place and link stages read) whenever
    normalising moves no token boundary: then only the tokens holding a typographic apostrophe
    differ, and they are patched, which is far cheaper than tokenising the text a second time.
    """
    norm = actor_text(text)
    if norm is text:
        return tokens(text), token_words(text), distinct_words(text)
    if _BOUNDARY_CHARS.search(text) is not None:
        return tokens(norm), token_words(norm), distinct_words(norm)
    toks, words, starts = list(tokens(text)), list(token_words(text)), token_starts(text)
    pos = text.find("\u2019")
    while pos >= 0:
        k = bisect_right(starts, pos) - 1
        if k >= 0 and pos < toks[k].end:  # inside a token, not a closing quote
            words[k] = words[k].replace("\u2019", "'")
            toks[k] = Tok(toks[k].start, toks[k].end, words[k])
        pos = text.find("\u2019", pos + 1)
    return tuple(toks), tuple(words), frozenset(words)


def _tokens(text: str) -> tuple[Tok, ...]:
    """Tokens of the normalised text; their offsets are valid in the original text too.

    Memoised per text: the place stage, the demonym scan, the actor stage and the link stage of
    one article share one tokenisation instead of making five.
    """
    return _actor_tokens(text)[0]


def _phrase_tokens(phrase: str) -> list[str]:
    """The words of a registry or lexicon phrase, tokenised like article text.

    Deliberately not memoised: phrases are added per article (surnames), and the small per-text
    memo must keep the article's own text rather than a stream of short names.
    """
    return TOKEN_RE.findall(phrase.translate(_NORMALISE))


def _joinable(text: str, end: int, start: int, *, dots: bool = True) -> bool:
    """Whether two tokens may belong to one name: only a space (or an initial's dot) between."""
    gap = text[end:start]
    if not gap or len(gap) > 3 or "\n" in gap:
        return not gap
    return gap.strip(" .\u00a0" if dots else " \u00a0") == ""


class PhraseIndex(Generic[T]):
    """Multi-word phrases keyed by their first token, longest first: one dict look-up per token.

    Why not one big regex: Python's ``re`` tries alternatives one by one, so thousands of aliases
    cost thousands of attempts per position; a first-token dict costs one hash.
    """

    def __init__(self, fold: bool = False) -> None:
        self._fold = fold
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        #: Which surface words start a phrase, for a case-folding index (where the answer costs
        #: a ``casefold``): news repeats its words, so most articles need no new verdict.
        self._folded_starts = WordFilter(lambda w: w.casefold() in self._by_first)

    def key(self, word: str) -> str:
        """The look-up key of one token (case-folded when the index ignores case)."""
        return word.casefold() if self._fold else word

    def add(self, phrase: str, value: T) -> None:
        """Add ``phrase`` (tokenised like article text); a later equal phrase replaces the earlier."""
        words = tuple(self.key(w) for w in _phrase_tokens(phrase))
        if not words:
            return
        bucket = [e for e in self._by_first.get(words[0], []) if e[0] != words]
        bucket.append((words, value))
        bucket.sort(key=lambda e: -len(e[0]))
        self._by_first[words[0]] = bucket
        self._folded_starts.reset()

    def has(self, phrase: str) -> bool:
        """Whether exactly this phrase was added."""
        words = tuple(self.key(w) for w in _phrase_tokens(phrase))
        return bool(words) and any(e[0] == words for e in self._by_first.get(words[0], ()))

    def starts(self, word: str) -> bool:
        """Whether some phrase starts with this token."""
        return (word.casefold() if self._fold else word) in self._by_first

    def start_words(self, distinct: AbstractSet[str]) -> set[str]:
        """The words among ``distinct`` (an article's distinct token texts) that start a phrase:
        the lexicon meets the article in one set intersection, not one look-up per token."""
        if not self._fold:
            return self._by_first.keys() & distinct
        return self._folded_starts(distinct)

    def match(self, text: str, toks: Sequence[Tok], i: int) -> tuple[int, T] | None:
        """The longest phrase starting at token ``i``: (number of tokens, value), or None."""
        bucket = self._by_first.get(self.key(toks[i].text))
        if not bucket:
            return None
        for words, value in bucket:
            n = len(words)
            if i + n > len(toks):
                continue
            if all(
                self.key(toks[i + k].text) == words[k]
                and _joinable(text, toks[i + k - 1].end, toks[i + k].start)
                for k in range(1, n)
            ):
                return n, value
        return None

    def single(self, word: str) -> T | None:
        """The value of the one-word phrase ``word``, if indexed (for the head of a compound)."""
        for words, value in self._by_first.get(self.key(word), ()):
            if len(words) == 1:
                return value
        return None

    def __len__(self) -> int:
        return sum(len(b) for b in self._by_first.values())


# --------------------------------------------------------------------------------------------
# Demonyms and country adjectives
# --------------------------------------------------------------------------------------------

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
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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


@dataclass(frozen=True)
class _Demonym:
    start: int
    end: int
    codes: tuple[str, ...]
    tok: int  # index of the token holding it


def _scan_demonyms(
    text: str, toks: Sequence[Tok], lex: DemonymLexicon, words: Iterable[str] | None = None
) -> list[_Demonym]:
    """Demonyms left to right: a multi-word phrase ("North Korean") first, else what the token
    holds (:meth:`DemonymLexicon.pieces`).

    Only the tokens whose word can hold one are visited: the distinct ``words`` of the text (all
    token texts when not given) are checked once each, then one set test per token finds them.
    """
    firsts = lex.phrases._by_first  # the phrase index is case-sensitive: a token is its own key
    memo = lex._pieces
    pieces = lex.pieces
    wanted = lex.holders(frozenset(t.text for t in toks) if words is None else words)
    found: list[_Demonym] = []
    if not wanted:
        return found
    nxt = 0
    for i in [i for i, t in enumerate(toks) if t.text in wanted]:
        if i < nxt:
            continue
        tok = toks[i]
        w = tok.text
        if w in firsts:
            hit = lex.phrases.match(text, toks, i)
            if hit:
                n, codes = hit
                found.append(_Demonym(tok.start, toks[i + n - 1].end, codes, i))
                nxt = i + n
                continue
        for a, b, codes in memo.get(w) or pieces(w):
            found.append(_Demonym(tok.start + a, tok.start + b, codes, i))
    return found


@text_memo
def _demonyms_in(text: str) -> tuple[_Demonym, ...]:
    """The demonyms of one text with the shipped lexicon, memoised per text: the pipeline asks
    for the spans before the actor stage, which then needs the same scan again."""
    toks, _words, distinct = _actor_tokens(text)
    return tuple(_scan_demonyms(text, toks, load_demonyms(), distinct))


def demonym_spans(article: Article | str, field: str = "text") -> list[tuple[int, int]]:
    """Spans of country adjectives and demonyms, for the place stage to keep places free of them.

    A place candidate overlapping one of these spans ("Russen", "Russian", "ost-koreanischen") is
    not a place. ``field`` picks the article's ``text`` or ``title``. Cheap on repeat: the scan is
    memoised per text and shared with :func:`find_actors`.
    """
    if isinstance(article, Article):
        text = article.title if field == "title" else article.text
    else:
        text = article
    return [(d.start, d.end) for d in _demonyms_in(text)]


def demonyms_in(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """``(start, end, country codes)`` of every demonym in ``text`` (codes empty for a continent or
    region adjective), from the same memoised scan as :func:`demonym_spans`."""
    return [(d.start, d.end, d.codes) for d in _demonyms_in(text)]


def drop_demonym_places(article: Article, place_mentions: Iterable[PlaceMention]) -> list[PlaceMention]:
    """The place mentions that do not overlap a demonym (a convenience for the place stage)."""
    spans = {"text": demonym_spans(article, "text")}
    if article.title and not article.title_in_text:
        spans["title"] = demonym_spans(article, "title")
    kept = []
    for pm in place_mentions:
        m = pm.mention
        if not any(s < m.end and m.start < e for s, e in spans.get(m.field, ())):
            kept.append(pm)
    return kept


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryEntry:
    """One person or organisation of the registry, as read from YAML."""

    name: str
    kind: str
    org_type: str | None = None
    country: str | None = None
    role: str | None = None
    aliases: tuple[str, ...] = ()
    surname: str | None = None
    not_aliases: tuple[str, ...] = ()
    home: Place | None = None

    def surnames(self) -> tuple[str, ...]:
        """The words a surname-only mention may use: the given ``surname``, else the last word of
        the name and of each multi-word alias (Lawrow, Lavrov)."""
        if self.kind != "person":
            return ()
        if self.surname:
            return (self.surname,)
        out: list[str] = []
        for name in (self.name, *self.aliases):
            words = name.split()
            if len(words) > 1 and words[-1] not in out:
                out.append(words[-1])
        return tuple(out)


def _genitives(phrase: str, person: bool) -> list[str]:
    """German "-s" genitive ("Lawrows", persons only) and English "'s" of a name."""
    out = [phrase + "'s"]
    if person and not phrase.endswith(("s", "x", "z", "ß")):
        out.append(phrase + "s")
    return out


def _inflected_aliases(alias: str) -> list[str]:
    """An alias and, for German names opening with adjectives, their weak "-n" form:
    "Deutsche Presse-Agentur" → "der Deutschen Presse-Agentur", "Koreanische Zentrale
    Nachrichtenagentur" → "Koreanischen Zentralen …"."""
    words = alias.split()
    if len(words) < 2 or not words[0].endswith("e") or not words[0][:1].isupper():
        return [alias]
    weak = [
        w + "n" if k < len(words) - 1 and w.endswith("e") and w[:1].isupper() else w
        for k, w in enumerate(words)
    ]
    return [alias, " ".join(weak)]


def _entry_from_dict(raw: Any, where: str) -> RegistryEntry:
    """Validate one YAML entry; errors name the file and entry so users can fix their own file."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an entry must be a mapping, not {type(raw).__name__}")
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ValueError(f"{where}: entry without a name")
    where = f"{where} ({name})"
    kind = str(raw.get("kind") or "")
    if kind not in ACTOR_KINDS:
        raise ValueError(f"{where}: kind must be one of {ACTOR_KINDS}, not {kind!r}")
    org_type = raw.get("org_type")
    if org_type is not None and org_type not in ORG_TYPES:
        raise ValueError(f"{where}: org_type must be one of {ORG_TYPES}, not {org_type!r}")
    country = raw.get("country")
    if country is not None:
        country = str(country).upper()
        if not _CC_RE.match(country):
            raise ValueError(f"{where}: country must be an ISO alpha-2 code, not {raw.get('country')!r}")
    home = None
    if raw.get("home") is not None:
        h = raw["home"]
        try:
            home = Place(
                name=str(h.get("name") or name),
                lat=float(h["lat"]),
                lon=float(h["lon"]),
                country_code=country,
                feature="other",
                source="user",
                why=f"home of {name} in the actor registry",
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{where}: home needs name, lat and lon ({exc})") from None
    aliases = tuple(str(a) for a in (raw.get("aliases") or ()))
    not_aliases = tuple(str(a) for a in (raw.get("not") or ()))
    surname = raw.get("surname")
    return RegistryEntry(
        name=name,
        kind=kind,
        org_type=org_type,
        country=country,
        role=str(raw["role"]) if raw.get("role") else None,
        aliases=aliases,
        surname=str(surname) if surname else None,
        not_aliases=not_aliases,
        home=home,
    )


def _read_entries(path: Path) -> list[RegistryEntry]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read actor registry: {exc}") from None
    if isinstance(data, dict):
        data = data.get("actors")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of actors (or a mapping with an 'actors' list)")
    return [_entry_from_dict(raw, f"{path}: entry {i + 1}") for i, raw in enumerate(data)]


class ActorRegistry:
    """Known people and organisations, with one alias index built at load time."""

    def __init__(self, entries: Iterable[RegistryEntry]) -> None:
        self.entries: dict[str, RegistryEntry] = {}
        for e in entries:  # a later entry with the same name replaces the earlier one
            self.entries[e.name] = e
        self.index: PhraseIndex[RegistryEntry | None] = PhraseIndex()
        for e in self.entries.values():
            for alias in (e.name, *e.aliases):
                for form in _inflected_aliases(alias):
                    self.index.add(form, e)
                for g in _genitives(alias, e.kind == "person"):
                    self.index.add(g, e)
        for e in self.entries.values():  # blocking phrases last, so they win over equal aliases
            for phrase in e.not_aliases:
                self.index.add(phrase, None)

    @classmethod
    def load(cls, extra: Path | None = None, base: Path = ACTORS_FILE) -> ActorRegistry:
        """The shipped registry, with ``extra`` (a user's YAML or JSON file) merged over it:
        an entry with the same canonical name replaces the shipped one, new names are added."""
        entries = _read_entries(base)
        if extra is not None:
            entries += _read_entries(Path(extra))
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries


# --------------------------------------------------------------------------------------------
# Role titles
# --------------------------------------------------------------------------------------------

# German base titles (masculine singular); inflections and feminine forms are generated.
_DE_TITLES = (
    "Präsident", "Vizepräsident", "Bundespräsident", "Staatspräsident", "Ministerpräsident",
    "Premierminister", "Premier", "Regierungschef", "Staatschef", "Kanzler", "Bundeskanzler",
    "Vizekanzler", "Machthaber", "Diktator", "Minister", "Außenminister", "Verteidigungsminister",
    "Innenminister", "Finanzminister", "Wirtschaftsminister", "Justizminister", "Staatssekretär",
    "Sprecher", "Regierungssprecher", "Kremlsprecher", "Pressesprecher", "Botschafter", "General",
    "Generalsekretär", "Generalstabschef", "Oberbefehlshaber", "Kommandeur", "Admiral", "König",
    "Kronprinz", "Emir", "Bürgermeister", "Oberbürgermeister", "Gouverneur", "Senator",
    "Oppositionsführer", "Parteichef", "Kremlchef", "Anführer", "Papst", "Kommissionspräsident",
    "Chef",
)  # fmt: skip
# English titles, matched case-insensitively ("foreign minister", "Foreign Minister").
_EN_TITLES = (
    "President", "Vice President", "Prime Minister", "Premier", "Chancellor", "Foreign Minister",
    "Defence Minister", "Defense Minister", "Interior Minister", "Finance Minister", "Minister",
    "Secretary of State", "Defense Secretary", "Defence Secretary", "Foreign Secretary",
    "Home Secretary", "Secretary-General", "Secretary General", "spokesman", "spokeswoman",
    "spokesperson", "leader", "Supreme Leader", "ambassador", "envoy", "General", "Gen.", "Admiral",
    "King", "Queen", "Crown Prince", "Governor", "Mayor", "Senator", "commander", "Pope",
    "opposition leader",
)  # fmt: skip


def _title_index() -> PhraseIndex[str]:
    """Title phrase → role (the title's base form, feminine kept: "Außenministerin")."""
    idx: PhraseIndex[str] = PhraseIndex(fold=True)
    for base in _DE_TITLES:
        for form in (base, base + "s", base + "n", base + "en"):
            idx.add(form, base)
        idx.add(base + "in", base + "in")
        idx.add(base + "innen", base + "in")
    for title in _EN_TITLES:
        idx.add(title, title)
    return idx


_TITLES = _title_index()

# Capitalised words that start a sentence or a clause and are never the first word of a name.
_NOT_NAME = frozenset(
    """Der Die Das Des Dem Den Ein Eine Einen Einem Einer Eines Und Oder Aber Doch In Im Am An Auf
    Aus Bei Beim Mit Nach Von Vom Zu Zum Zur Für Über Unter Vor Seit Als Wie Dass Wenn Weil Er Sie
    Es Wir Ihr Ihre Sein Seine Hat Habe Haben Ist Sind War Waren Wird Werden Hatte Sei Seien Auch
    Noch Nun Dort Hier Heute Gestern Morgen Bereits Schon Damit Dabei Zudem Jedoch Laut Zuvor Bisher
    Diese Dieser Dieses Jener Man Nicht Kein Keine Alle The A An And Or But Of On At To For From
    With By He She It They We His Her Its Their Has Had Have Was Were Is Are Will Would Said Says
    This That These Those After Before During In As Also However Meanwhile Earlier Later Last Next
    Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonnabend Sonntag Monday Tuesday Wednesday
    Thursday Friday Saturday Sunday Januar Februar März April Mai Juni Juli August September Oktober
    November Dezember January February March May June July October December""".split()
)
_PARTICLES = frozenset(
    {"von", "van", "de", "der", "den", "da", "di", "du", "al", "bin", "ibn", "la", "le", "zu"}
)
_COMMON_ZIPF = 4.2  # a capitalised word at least this frequent after a name's first word ends the name


@lru_cache(maxsize=50_000)
def _zipf(word: str, lang: str) -> float:
    """Word frequency in the article's language (both, when unknown); cached: wordfreq is slow."""
    if lang in ("de", "en"):
        return zipf_frequency(word, lang)
    return max(zipf_frequency(word, "de"), zipf_frequency(word, "en"))


def _capitalised(word: str) -> bool:
    """A name-like word: capital first letter then lower case, or an acronym."""
    return (word[:1].isupper() and any(c.islower() for c in word[1:])) or (word.isupper() and len(word) > 1)


def _name_surname(name: str) -> str:
    """The word a later mention of an unknown person uses: the family name, which comes first in
    romanised Korean names ("Choe Son-hui" → Choe) and last otherwise."""
    words = name.split()
    if len(words) == 2 and _EAST_ASIAN_GIVEN.match(words[1]):
        return words[0]
    return words[-1]


# --------------------------------------------------------------------------------------------
# find_actors
# --------------------------------------------------------------------------------------------


class _ArticleActors:
    """The state of one article's actor search: actors by identity, occupied tokens, mentions."""

    def __init__(
        self,
        article: Article,
        place_mentions: Sequence[PlaceMention],
        registry: ActorRegistry,
        lex: DemonymLexicon,
        capital_of: Callable[[str], Place | None],
    ) -> None:
        self.article = article
        self.places = place_mentions
        self.registry = registry
        self.lex = lex
        self.capital_of = capital_of
        self.lang = article.lang if article.lang in ("de", "en") else "und"
        self.by_entry: dict[str, Actor] = {}
        self.by_title_name: dict[str, Actor] = {}
        self.by_country: dict[str, Actor] = {}
        self.first_seen: dict[Actor, tuple[int, int]] = {}
        self.surnames: PhraseIndex[list[Actor]] = PhraseIndex()
        self.surname_lists: dict[str, list[Actor]] = {}
        self.country_place: dict[str, Place] = {}
        for pm in place_mentions:
            p = pm.place
            if p is not None and p.feature == "country" and p.country_code:
                self.country_place.setdefault(p.country_code, p)

    # -- actor construction ------------------------------------------------------------------
    def registry_actor(self, e: RegistryEntry) -> Actor:
        actor = self.by_entry.get(e.name)
        if actor is None:
            home = e.home or (self.capital_of(e.country) if e.country else None)
            role = e.role if e.kind == "person" else (e.org_type or e.role)
            actor = Actor(name=e.name, kind=e.kind, country_code=e.country, role=role, home=home)
            self.by_entry[e.name] = actor
            for s in e.surnames():
                self.add_surname(s, actor)
        return actor

    def title_actor(self, name: str, cc: str | None, role: str) -> Actor:
        actor = self.by_title_name.get(name)
        if actor is None:
            home = self.capital_of(cc) if cc else None
            actor = Actor(name=name, kind="person", country_code=cc, role=role, home=home)
            self.by_title_name[name] = actor
            self.add_surname(_name_surname(name), actor)
        return actor

    def country_actor(self, cc: str) -> Actor:
        actor = self.by_country.get(cc)
        if actor is None:
            place = self.country_place.get(cc)
            name = place.name if place else self.lex.names.get(cc, cc)
            home = self.capital_of(cc) or place
            actor = Actor(name=name, kind="country", country_code=cc, role=None, home=home)
            self.by_country[cc] = actor
        return actor

    def add_surname(self, surname: str, actor: Actor) -> None:
        """Index the surname (and its genitives) for the surname-only pass; several persons may
        share one ("Kim"), the nearest earlier one then wins."""
        for form in (surname, *_genitives(surname, True)):
            shared = self.surname_lists.get(form)
            if shared is None:
                shared = self.surname_lists[form] = []
                self.surnames.add(form, shared)
            if actor not in shared:
                shared.append(actor)

    # -- country context ---------------------------------------------------------------------
    def context_counts(self, demonyms: Iterable[_Demonym]) -> dict[str, int]:
        """How often each country is present: its place mentions, places inside it, its
        unambiguous adjectives. Decides "ost-koreanisch" (KP in an article about North Korea)."""
        counts: dict[str, int] = {}
        for pm in self.places:
            if pm.place is not None and pm.place.country_code:
                counts[pm.place.country_code] = counts.get(pm.place.country_code, 0) + 1
        for d in demonyms:
            if len(d.codes) == 1:
                counts[d.codes[0]] = counts.get(d.codes[0], 0) + 1
        return counts


def _resolve_codes(codes: tuple[str, ...], counts: dict[str, int]) -> str | None:
    """One code as is; several: the one the article mentions most, none on a tie or no evidence."""
    if len(codes) == 1:
        return codes[0]
    if not codes:
        return None
    ranked = sorted(codes, key=lambda c: -counts.get(c, 0))
    best, second = counts.get(ranked[0], 0), counts.get(ranked[1], 0)
    return ranked[0] if best > second else None


@dataclass
class _Field:
    """One text field as the passes read it: tokens of the normalised text, their words, the
    distinct words and the hyphenated ones (what the passes intersect their lexicons with)."""

    name: str
    text: str
    toks: Sequence[Tok]
    places: list[PlaceMention]
    demonyms: Sequence[_Demonym]
    words: Sequence[str]
    distinct: AbstractSet[str]
    hyphenated: AbstractSet[str]
    _place_starts: list[int] | None = None

    def places_starting(self, lo: int, hi: int) -> list[PlaceMention]:
        """Place mentions starting in ``[lo, hi)`` (``places`` are sorted by start), by bisection."""
        if self._place_starts is None:
            self._place_starts = [pm.mention.start for pm in self.places]
        starts = self._place_starts
        return self.places[bisect_left(starts, lo) : bisect_left(starts, hi)]


def find_actors(
    article: Article,
    place_mentions: Sequence[PlaceMention],
    registry: ActorRegistry,
    *,
    capital_of: Callable[[str], Place | None],
) -> list[ActorMention]:
    """Every actor mention of the article, sorted by field then offset.

    ``capital_of(country_code)`` gives an actor's home when the registry has none (injected so
    this stage needs no gazetteer). Country actors from place mentions keep the place's span;
    demonyms are mentions of ``kind="demonym"``; everything else ``kind="actor"``.
    """
    lex = load_demonyms()
    state = _ArticleActors(article, place_mentions, registry, lex, capital_of)
    fields = [("text", article.text)]
    if article.title and not article.title_in_text:
        fields.append(("title", article.title))
    scanned: list[_Field] = []
    for name, text in fields:
        pms = [pm for pm in place_mentions if pm.mention.field == name]
        pms.sort(key=lambda pm: pm.mention.start)
        toks, words, distinct = _actor_tokens(text)
        scanned.append(
            _Field(
                name,
                text,
                toks,
                pms,
                _demonyms_in(text),  # the scan the pipeline already ran for demonym_spans
                words,
                distinct,
                {w for w in distinct if "-" in w},
            )
        )
    counts = state.context_counts(d for f in scanned for d in f.demonyms)

    out: list[ActorMention] = []
    for f in scanned:
        out.extend(_find_in_field(state, f, counts))
    out.sort(key=lambda am: (am.mention.field != "text", am.mention.start, am.mention.end))
    return out


def _find_in_field(state: _ArticleActors, f: _Field, counts: dict[str, int]) -> list[ActorMention]:
    """The three token passes (registry, titles, surnames) and the country mentions of one field.

    Each pass visits only the tokens that can start something (a phrase's first word, or a
    hyphenated word whose head or last part is looked up) instead of calling a matcher at every
    token; a pass that consumed tokens skips them as the plain left-to-right walk did, so the
    result is the same. The tokens of the registry and title passes are found in one sweep.
    """
    text, toks, words = f.text, f.toks, f.words
    n = len(toks)
    taken = [False] * n  # tokens already part of a person/organisation mention
    blocked = [False] * n  # countries, regions and demonyms: never part of a person's name
    starts: list[int] | None = None
    for pm in f.places:  # tokens overlapping a place mention of a country or region
        # A town is no evidence against a person: "Kim" and "Reding" are towns somewhere, and the
        # pipeline drops place mentions that turn out to be inside a person's name.
        if pm.place is not None and pm.place.feature not in ("country", "region", "continent"):
            continue
        if starts is None:
            starts = [t.start for t in toks]
        k = max(0, bisect_right(starts, pm.mention.start) - 1)
        while k < n and toks[k].start < pm.mention.end:
            if toks[k].end > pm.mention.start:
                blocked[k] = True
            k += 1
    dem_at: dict[int, _Demonym] = {}
    for d in f.demonyms:
        dem_at.setdefault(d.tok, d)
        blocked[d.tok] = True
    found: list[tuple[int, int, Actor, int, int]] = []  # start, end, actor, first token, last token

    def mention(start: int, end: int, actor: Actor, i: int, j: int) -> None:
        found.append((start, end, actor, i, j))
        for k in range(i, j + 1):
            taken[k] = True
        state.first_seen.setdefault(actor, (start, end))

    # 1. registry aliases, longest match; inside a hyphenated compound only its first part
    index = state.registry.index
    registry_words = index.start_words(f.distinct) | f.hyphenated
    title_words = (
        _TITLES.start_words(f.distinct)
        | f.hyphenated
        | _TITLE_COMPOUNDS(f.distinct)
    )
    either = registry_words | title_words
    visit = [i for i, w in enumerate(words) if w in either] if either else []
    nxt = 0  # the first token not consumed by a match
    for i in [i for i in visit if words[i] in registry_words]:
        if i < nxt:
            continue
        tok = toks[i]
        hit = index.match(text, toks, i) if index.starts(tok.text) else None
        if hit:
            k, entry = hit
            if entry is not None:
                end = toks[i + k - 1].end
                if text[end - 2 : end] in ("'s", "’s"):  # English possessive: "the EU’s airports"
                    end -= 2
                mention(tok.start, end, state.registry_actor(entry), i, i + k - 1)
            else:  # a blocking phrase ("KCNA Watch"): consume it
                for t in range(i, i + k):
                    taken[t] = True
            nxt = i + k
            continue
        if "-" in tok.text:  # "Lawrow-Besuch", "UN-Sicherheitsrat" handled above as a whole
            head = tok.text.split("-", 1)[0]
            entry = index.single(head)
            if entry is not None:
                mention(tok.start, tok.start + len(head), state.registry_actor(entry), i, i)

    # 2. role titles followed by a name the registry does not know
    nxt = 0
    for i in [i for i in visit if words[i] in title_words]:
        if i < nxt:
            continue
        title = _match_title(text, toks, i)
        if title is None:
            continue
        k, role, prefix_end = title
        j = i + k
        name_toks = _name_after(text, toks, j, taken, blocked, state.lang)
        if name_toks:
            a, b = name_toks
            name = " ".join(t.text for t in toks[a : b + 1])
            name_end = toks[b].end
            if name.endswith("'s"):  # English possessive: "President Novak's visit"
                name, name_end = name[:-2], name_end - 2
            known = state.surnames.match(text, toks, a) if state.surnames.starts(toks[a].text) else None
            if known and known[0] == b - a + 1:
                nxt = b + 1  # a surname already known: the surname pass takes it
                continue
            cc = _title_country(state, f, toks, i, prefix_end, dem_at, counts)
            actor = state.title_actor(name, cc, role)
            mention(toks[a].start, name_end, actor, a, b)
            nxt = b + 1
            continue
        nxt = i + k

    # 3. surname-only mentions of persons found anywhere in this article (no person: nothing to
    # look for, and the pass is skipped)
    nxt = 0
    surnames = state.surnames
    surname_words = surnames.start_words(f.distinct) | f.hyphenated if len(surnames) else set()
    if surname_words <= either:  # usually: registry names and hyphenated words, already found
        visit = [i for i in visit if words[i] in surname_words]
    else:
        visit = [i for i, w in enumerate(words) if w in surname_words]
    for i in visit:
        if i < nxt:
            continue
        tok = toks[i]
        if taken[i] or blocked[i]:
            continue
        hit = surnames.match(text, toks, i) if surnames.starts(tok.text) else None
        if hit is None and "-" in tok.text:  # "Kim-Regime"
            head = tok.text.split("-", 1)[0]
            one = surnames.single(head)
            if one is not None and not _followed_by_given_name(text, toks, i, state.lang, taken, blocked):
                actor = _nearest_actor(one, state, tok.start)
                mention(tok.start, tok.start + len(head), actor, i, i)
            continue
        if hit is None:
            continue
        k, actors = hit
        last = i + k - 1
        if any(taken[t] for t in range(i, last + 1)) or _followed_by_given_name(
            text, toks, last, state.lang, taken, blocked
        ):
            continue
        end = toks[last].end
        if text[end - 2 : end] in ("'s", "’s"):  # English possessive: the mention is the name
            end -= 2
        mention(tok.start, end, _nearest_actor(actors, state, tok.start), i, last)
        nxt = last + 1

    out = [ActorMention(Mention(s, e, text[s:e], "actor", f.name), actor) for s, e, actor, _i, _j in found]
    # 4. countries: country place mentions, then demonyms (not inside a registry name, nor inside a
    # resolved place's name: the "Russian" of "Russian Federation", the "Indian" of "Indian Ocean")
    place_spans: list[tuple[int, int]] = []
    for pm in f.places:
        p = pm.place
        m = pm.mention
        if p is not None:
            place_spans.append((m.start, m.end))
        if p is not None and p.feature == "country" and p.country_code:
            out.append(
                ActorMention(
                    Mention(m.start, m.end, m.text, "actor", f.name), state.country_actor(p.country_code)
                )
            )
    place_index = SpanIndex(place_spans)
    for d in f.demonyms:
        cc = _resolve_codes(d.codes, counts)
        if cc is None or taken[d.tok] or place_index.overlaps(d.start, d.end):
            continue
        out.append(
            ActorMention(
                Mention(d.start, d.end, text[d.start : d.end], "demonym", f.name), state.country_actor(cc)
            )
        )
    return out


def _nearest_actor(actors: list[Actor], state: _ArticleActors, pos: int) -> Actor:
    """Among persons sharing a surname, the one named last before ``pos`` (else the first)."""
    if len(actors) == 1:
        return actors[0]
    before = [a for a in actors if state.first_seen.get(a, (pos + 1, 0))[0] < pos]
    pool = before or actors
    return max(pool, key=lambda a: state.first_seen.get(a, (-1, 0))[0]) if before else pool[0]


def _followed_by_given_name(
    text: str, toks: Sequence[Tok], i: int, lang: str, taken: Sequence[bool], blocked: Sequence[bool]
) -> bool:
    """Whether the surname at token ``i`` is the start of another person's full name ("Kim
    Yo-jong" when only Kim Jong-un is known): a rare capitalised word follows directly."""
    if i + 1 >= len(toks) or not _joinable(text, toks[i].end, toks[i + 1].start, dots=False):
        return False
    nxt = toks[i + 1].text
    if taken[i + 1] or blocked[i + 1] or not _capitalised(nxt) or nxt in _NOT_NAME:
        return False
    return bool(_EAST_ASIAN_GIVEN.match(nxt)) or _zipf(nxt, lang) < 3.0


def _match_title(text: str, toks: Sequence[Tok], i: int) -> tuple[int, str, int] | None:
    """A title at token ``i``: (tokens, role, end of a compound's prefix or -1).

    A compound ("US-Präsident", "Nato-Generalsekretär") counts by its last part; the prefix may
    name the country.
    """
    tok = toks[i]
    hit = _TITLES.match(text, toks, i) if _TITLES.starts(tok.text) else None
    if hit:
        return hit[0], hit[1], -1
    if "-" in tok.text:
        head, _, last = tok.text.rpartition("-")
        role = _TITLES.single(last)
        if role is not None and _capitalised(last):
            return 1, role, tok.start + len(head)
    # German compounds end in the office: Umweltministerin, Gesundheitsminister, Landrätin.
    m = _DE_TITLE_COMPOUND.fullmatch(tok.text)
    if m:
        return 1, m.group("base") + ("in" if m.group("fem") else ""), -1
    return None


_DE_TITLE_COMPOUND = re.compile(
    r"(?P<base>(?:[A-ZÄÖÜ][a-zäöüß]+)?(?:[Mm]inister|[Pp]räsident|[Ss]precher|[Bb]ürgermeister|[Ll]andrat|[Ll]andrät))"
    r"(?P<fem>in|innen)?(?:s|n|en)?"
)
#: The words of an article that are German compound offices, the regex run once per word ever seen.
_TITLE_COMPOUNDS = WordFilter(lambda w: _DE_TITLE_COMPOUND.fullmatch(w) is not None)


def _name_after(
    text: str, toks: Sequence[Tok], j: int, taken: Sequence[bool], blocked: Sequence[bool], lang: str
) -> tuple[int, int] | None:
    """Token range of the name right after a title: 1-3 capitalised words (plus particles such as
    "von der"), stopping at places, demonyms, known names, function words and, after the first
    word, common nouns ("Präsidentin Novak Gespräche" → Novak)."""
    if j >= len(toks) or not _joinable(text, toks[j - 1].end, toks[j].start, dots=False):
        return None
    first = toks[j]
    if taken[j] or blocked[j] or not _capitalised(first.text) or first.text in _NOT_NAME:
        return None
    if _TITLES.starts(first.text) or first.text.isdigit() or len(first.text) < 2:
        return None
    end = j
    k = j + 1
    words = 1
    while k < len(toks) and words < 3 and _joinable(text, toks[k - 1].end, toks[k].start, dots=False):
        w = toks[k].text
        if (
            w in _PARTICLES
            and k + 1 < len(toks)
            and _name_word(toks[k + 1].text, k + 1, taken, blocked, lang)
        ):
            k += 1
            continue
        if not _name_word(w, k, taken, blocked, lang):
            break
        end = k
        words += 1
        k += 1
    return j, end


def _name_word(w: str, k: int, taken: Sequence[bool], blocked: Sequence[bool], lang: str) -> bool:
    if taken[k] or blocked[k] or not _capitalised(w) or w in _NOT_NAME or _TITLES.starts(w):
        return False
    return "-" in w or _zipf(w, lang) < _COMMON_ZIPF


def _title_country(
    state: _ArticleActors,
    f: _Field,
    toks: Sequence[Tok],
    i: int,
    prefix_end: int,
    dem_at: dict[int, _Demonym],
    counts: dict[str, int],
) -> str | None:
    """The country of a title phrase: an adjective just before the title ("der nordkoreanischen
    Außenministerin"), a country named before it ("Russlands Außenminister", "Russia's foreign
    minister") or in its compound prefix ("US-Präsident"); else none."""
    title_start = toks[i].start
    if prefix_end > 0:
        for pm in f.places_starting(title_start, prefix_end):
            p = pm.place
            if p is not None and p.country_code:
                return p.country_code
        d = state.lex.lookup(f.text[title_start:prefix_end])
        if d:
            return _resolve_codes(d, counts)
    for back in range(1, 4):
        k = i - back
        if k < 0 or not _joinable(f.text, toks[k].end, toks[k + 1].start, dots=False):
            break
        d = dem_at.get(k)
        if d is not None:
            return _resolve_codes(d.codes, counts)
        possessive = toks[k].text.endswith(("s", "'s")) or k == i - 1
        for pm in f.places_starting(toks[k].start - 200, toks[k].start + 1) if possessive else ():
            p = pm.place
            m = pm.mention
            if p is not None and p.feature == "country" and m.start <= toks[k].start < m.end:
                return p.country_code
        if _capitalised(toks[k].text) and toks[k].text not in _NOT_NAME and k != i - 1:
            break
    return None
