"""Actors: the people, organisations and countries an article names as agents.

Recognise, then name. Runs after the place stage, which also ran the language's sequence tagger
and left its person and organisation spans on the document (:attr:`geoapp.document.DocField.entities`).
Passes, per field, each taking only tokens no earlier pass took:

1. the actor registry (``data/actors.yaml`` plus a user file): known names and their spellings
   name the actor, merge its spellings ("Lawrow", "Lavrov") and give it a country;
2. role titles before a name ("Außenministerin Choe Son-hui", "President X"), with the country from
   the title phrase ("Russlands Außenminister", "US-Präsident", "der russische Präsident");
3. the tagger's persons and organisations, cleaned (titles, possessives, generic institution nouns
   such as "Regierung" or "Außenministerium" are no names) and named;
4. acronyms introduced in parentheses ("Tigray People's Liberation Front (TPLF)") and further
   occurrences of a name found once;
5. later mentions: surnames of persons found anywhere in the article ("Lawrow", "Maduros");
6. countries and capitals that act in their clause (:mod:`geoapp.agency`): "Moskau kritisierte",
   "von Russland eingesetzte Drohnen". A country that is only a location, a possessor or named by
   an adjective ("russische Anstrengungen") is no actor; demonyms stay references
   (:mod:`geoapp.demonyms`).

An actor's country comes from the registry, its title or an adjective before it; its home (where
its lines start) from the registry or its country's capital. See ``docs/actors.md``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .agency import AGENT, agency_words, clause_start, role_in
from .demonyms import Demonym, DemonymLexicon, country_counts, load_demonyms, resolve_codes
from .document import Doc, DocField
from .lexicon import PhraseIndex, joinable, load_words, word_list
from .model import Actor, ActorMention, Mention, Place, PlaceMention
from .registry import ActorRegistry, RegistryEntry, genitives
from .text import Tok, WordFilter
from .wordfreqs import zipf_frequency

# Korean and similar romanised given names: "Jong-un", "Son-hui", "Yo-jong" (family name first).
_EAST_ASIAN_GIVEN = re.compile(r"^[A-Z][a-zŏŭ]+-[a-zŏŭ]+$")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]?[A-Z0-9&-]{1,7}$")
_COMMON_ZIPF = 4.2  # a capitalised word at least this frequent after a name's first word ends the name
#: English capitalises no common noun mid-sentence, so after a name's first word only a very frequent
#: capitalised word ends it ("Peter Cook", "Ash Carter", "Sarah Baker" go on; "Kerry State" does not).
_COMMON_ZIPF_EN = 5.3


# ---------------------------------------------------------------------------------- word lists


def _title_index() -> PhraseIndex[str]:
    """Title phrase → role (the title's base form, feminine kept: "Außenministerin")."""
    titles = load_words("titles")
    idx: PhraseIndex[str] = PhraseIndex(fold=True)
    for base in titles["de"]:
        for form in (base, base + "s", base + "n", base + "en"):
            idx.add(form, base)
        idx.add(base + "in", base + "in")
        idx.add(base + "innen", base + "in")
    for title in titles["en"]:
        idx.add(title, title)
    return idx


_TITLES = _title_index()
_NOT_NAME = word_list("names", "not_name")
_PARTICLES = word_list("names", "particles")
_NOUN_ENDINGS_DE = tuple(sorted(word_list("names", "noun_endings_de"), key=len, reverse=True))
_GENERIC_DE = word_list("institutions", "generic_de")
_GENERIC_HEADS_DE = tuple(sorted(word_list("institutions", "heads_de"), key=len, reverse=True))
_GENERIC_EN = word_list("institutions", "generic_en")
_ORG_HEADS_EN = word_list("institutions", "org_heads_en")
_UNIT_HEADS_EN = word_list("institutions", "unit_heads_en")
_HEADS_EN = _ORG_HEADS_EN | _UNIT_HEADS_EN
_ORG_INNER_EN = word_list("institutions", "org_inner_en")
_ORG_HEADS_DE = word_list("institutions", "org_heads_de")
_ORDINAL = re.compile(r"^\d{1,4}(?:st|nd|rd|th)?$")


@lru_cache(maxsize=50_000)
def _zipf(word: str, lang: str) -> float:
    """Word frequency in the article's language (both, when unknown); cached: wordfreq is slow."""
    if lang in ("de", "en"):
        return zipf_frequency(word, lang)
    return max(zipf_frequency(word, "de"), zipf_frequency(word, "en"))


def _capitalised(word: str) -> bool:
    """A name-like word: capital first letter then lower case, or an acronym."""
    return (word[:1].isupper() and any(c.islower() for c in word[1:])) or (word.isupper() and len(word) > 1)


def _particle_name(word: str) -> bool:
    """A name word led by a particle: "al-Jaafari", "bin-Laden", "el-Sisi"."""
    head, _, rest = word.partition("-")
    return bool(rest) and head in _PARTICLES and _capitalised(rest)


def name_surname(name: str) -> str:
    """The word a later mention of a person uses: the family name, which comes first in romanised
    Korean names ("Choe Son-hui" → Choe) and last otherwise."""
    words = name.split()
    if len(words) == 2 and _EAST_ASIAN_GIVEN.match(words[1]):
        return words[0]
    return words[-1]


def _noun_like(word: str, lang: str) -> bool:
    """A German common noun by its ending ("Antrittsbesuch", "Nobelpreisträger"): no part of a name."""
    return lang == "de" and len(word) > 6 and word.lower().endswith(_NOUN_ENDINGS_DE)


def generic_institution(words: Sequence[str], lang: str) -> bool:
    """Whether an organisation span is a generic designation ("Regierung", "Finanzministerium",
    "Army"), not a name: one word, listed or (German) ending in a listed head."""
    if len(words) != 1:
        return False
    w = words[0]
    if lang == "de" or w[:1].isupper() and w in _GENERIC_DE:
        if w in _GENERIC_DE:
            return True
        low = w.lower()
        if any(low.endswith(h) and len(low) > len(h) for h in _GENERIC_HEADS_DE):
            return True
    return w in _GENERIC_EN


# ---------------------------------------------------------------------------------- the state


class _ArticleActors:
    """One article's actors by identity, so every mention of the same actor shares one object."""

    def __init__(
        self,
        doc: Doc,
        places: Sequence[PlaceMention],
        registry: ActorRegistry,
        lex: DemonymLexicon,
        capital_of: Callable[[str], Place | None],
    ) -> None:
        self.doc = doc
        self.registry = registry
        self.lex = lex
        self.capital_of = capital_of
        self.lang = doc.lang if doc.lang in ("de", "en") else "und"
        self.by_entry: dict[str, Actor] = {}
        self.persons: dict[str, Actor] = {}
        self.orgs: dict[str, Actor] = {}
        self.by_country: dict[str, Actor] = {}
        self.first_seen: dict[Actor, int] = {}
        self.surnames: PhraseIndex[list[Actor]] = PhraseIndex()
        self.surname_lists: dict[str, list[Actor]] = {}
        self.country_place: dict[str, Place] = {}
        self.acronyms: dict[str, Actor] = {}
        #: Words that name a place elsewhere in the article: a "person" starting with one is a place.
        self.place_words = frozenset(pm.mention.text for pm in places if pm.place is not None)
        for pm in places:
            p = pm.place
            if p is not None and p.feature == "country" and p.country_code:
                self.country_place.setdefault(p.country_code, p)

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

    def person(self, name: str, cc: str | None, role: str | None) -> Actor:
        """The person of this full name (one object per name in the article)."""
        actor = self.persons.get(name)
        if actor is None:
            # a known person's surname with a given name ("Wladimir Putin" when "Putin" is known)
            entry = self.registry_entry_for(name)
            if entry is not None:
                return self.registry_actor(entry)
            home = self.capital_of(cc) if cc else None
            actor = Actor(name=name, kind="person", country_code=cc, role=role, home=home)
            self.persons[name] = actor
            self.add_surname(name_surname(name), actor)
        return actor

    def registry_entry_for(self, name: str) -> RegistryEntry | None:
        """The registry person a full name refers to: by name, or by surname and the initial of the
        given name ("Wladimir Putin" for "Vladimir Putin")."""
        entry = self.registry.entries.get(name)
        words = name.split()
        if entry is None and len(words) > 1:
            for e in self.registry.persons_by_surname().get(words[-1], ()):
                if e.name.split()[0][:1] == words[0][:1]:
                    return e
        return entry

    def organisation(self, name: str, cc: str | None) -> Actor:
        actor = self.orgs.get(name) or self._org_by_key(name)
        if actor is None:
            entry = self.registry.entries.get(name)
            if entry is not None and entry.kind == "organisation":
                return self.registry_actor(entry)
            home = self.capital_of(cc) if cc else None
            actor = Actor(name=name, kind="organisation", country_code=cc, role=None, home=home)
            self.orgs[name] = actor
        return actor

    def _org_by_key(self, name: str) -> Actor | None:
        """An organisation already found whose name ends with this one, case aside ("Shabaab" after
        "Al Shabaab", "Union" after "Afrikanische Union"): the shorter form names the same body."""
        key = name.casefold()
        for known, actor in self.orgs.items():
            folded = known.casefold()
            if folded == key or folded.endswith(" " + key):
                return actor
        return None

    def country_actor(self, cc: str) -> Actor:
        actor = self.by_country.get(cc)
        if actor is None:
            place = self.country_place.get(cc)
            name = place.name if place else self.lex.names.get(cc, cc)
            home = self.capital_of(cc) or place
            actor = Actor(name=name, kind="country", country_code=cc, role=None, home=home)
            self.by_country[cc] = actor
        return actor

    def seat_actor(self, name: str) -> Actor:
        """The organisation a seat stands for ("Brussels" → the European Union)."""
        for entry in self.registry.entries.values():
            if entry.name == name or name in entry.aliases:
                return self.registry_actor(entry)
        return self.organisation(name, None)

    def add_surname(self, surname: str, actor: Actor) -> None:
        """Index the surname (and its genitives) for the surname pass; several persons may share
        one ("Kim"), the nearest earlier one then wins."""
        if len(surname) < 2 or not surname[:1].isupper():
            return
        for form in (surname, *genitives(surname, True)):
            shared = self.surname_lists.get(form)
            if shared is None:
                shared = self.surname_lists[form] = []
                self.surnames.add(form, shared)
            if actor not in shared:
                shared.append(actor)


@dataclass
class _Scan:
    """One field as the passes read it, with the tokens each pass has taken."""

    fld: DocField
    places: list[PlaceMention]
    demonyms: list[Demonym]
    taken: list[bool] = field(init=False)
    blocked: list[bool] = field(init=False)
    dem_at: dict[int, Demonym] = field(init=False)
    #: The resolved place mention each token lies in (token index → mention).
    place_at: dict[int, PlaceMention] = field(init=False)
    found: list[tuple[int, int, Actor]] = field(init=False, default_factory=list)
    #: Titles with no name after them ("the Foreign Secretary said"): (first token, token after the
    #: title, role, end of a compound's prefix or -1, how it refers: see :func:`_bare_title`),
    #: resolved once every name is known.
    bare_titles: list[tuple[int, int, str, int, str]] = field(init=False, default_factory=list)
    #: Mentions by office alone, resolved to a person: (start, end, actor).
    references: list[tuple[int, int, Actor]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.fld.tokens)
        self.taken = [False] * n
        self.blocked = [False] * n
        self.dem_at = {}
        self.place_at = {}
        for pm in self.places:
            if pm.place is not None:
                for k in self.fld.token_range(pm.mention.start, pm.mention.end):
                    self.place_at.setdefault(k, pm)
        for pm in self.places:
            # A town is no evidence against a person ("Kim" and "Reding" are towns somewhere);
            # countries, regions and continents are.
            if pm.place is None or pm.place.feature not in ("country", "region", "continent"):
                continue
            for k in self.fld.token_range(pm.mention.start, pm.mention.end):
                self.blocked[k] = True
        for d in self.demonyms:
            self.dem_at.setdefault(d.tok, d)
            self.blocked[d.tok] = True

    def free(self, i: int, j: int) -> bool:
        return not any(self.taken[i : j + 1])

    def add(self, start: int, end: int, actor: Actor, i: int, j: int, state: _ArticleActors) -> None:
        self.found.append((start, end, actor))
        for k in range(i, j + 1):
            self.taken[k] = True
        state.first_seen.setdefault(actor, start)


# ---------------------------------------------------------------------------------- find_actors


def find_actors(
    doc: Doc,
    places: Sequence[PlaceMention],
    demonyms: Sequence[Demonym],
    registry: ActorRegistry,
    *,
    capital_of: Callable[[str], Place | None],
    capital_country: Callable[[Place], str | None] = lambda place: None,
) -> list[ActorMention]:
    """Every actor mention of the document, sorted by field then offset.

    ``capital_of(code)`` gives an actor's home when the registry has none, ``capital_country(place)``
    the country a place is the capital of (both injected, so this stage needs no gazetteer).
    Country actors keep the span of the place that acts.
    """
    lex = load_demonyms()
    state = _ArticleActors(doc, places, registry, lex, capital_of)
    counts = country_counts(places, demonyms)
    by_start = sorted(places, key=lambda p: p.mention.start)
    scans = [
        _Scan(fld, [pm for pm in by_start if pm.mention.field == fld.name],
              [d for d in demonyms if d.field == fld.name])
        for fld in doc
    ]
    for scan in scans:
        _never_actors(scan)
        _registry_pass(state, scan)
        _title_pass(state, scan, counts)
        _org_pattern_pass(state, scan, counts)
        _tagger_pass(state, scan, counts)
    for scan in scans:  # names found anywhere count in every field
        _acronym_pass(state, scan)
        _repeat_pass(state, scan)
        _surname_pass(state, scan)
    for scan in scans:  # offices stand for the persons named by now
        _title_reference_pass(state, scan, counts)
    out: list[ActorMention] = []
    for scan in scans:
        fld = scan.fld
        out.extend(
            ActorMention(Mention(s, e, fld.text[s:e], "actor", fld.name), actor) for s, e, actor in scan.found
        )
        out.extend(
            ActorMention(Mention(s, e, fld.text[s:e], "actor", fld.name), actor, "title")
            for s, e, actor in scan.references
        )
        out.extend(_acting_places(state, scan, capital_country))
    out.sort(key=lambda am: (am.mention.field != "text", am.mention.start, am.mention.end))
    return out


def _not_actor_index() -> PhraseIndex[bool]:
    idx: PhraseIndex[bool] = PhraseIndex()
    for phrase in load_words("institutions").get("not_actors", ()):
        idx.add(str(phrase), True)
    return idx


_NOT_ACTORS = _not_actor_index()


def _never_actors(scan: _Scan) -> None:
    """Take the tokens of names that are never actors (``not_actors`` in
    ``data/words/institutions.yaml``: "Line of Actual Control", "LAC"), so no pass makes one."""
    fld = scan.fld
    text, toks, words = fld.norm, fld.tokens, fld.words
    starts = _NOT_ACTORS.start_words(fld.distinct)
    if not starts:
        return
    for i in [i for i, w in enumerate(words) if w in starts]:
        hit = _NOT_ACTORS.match(text, toks, i)
        if hit:
            for k in range(i, i + hit[0]):
                scan.taken[k] = True


def _registry_pass(state: _ArticleActors, scan: _Scan) -> None:
    """Registry aliases, longest match; inside a hyphenated compound only its first part
    ("Lawrow-Besuch")."""
    fld = scan.fld
    text, toks, words = fld.norm, fld.tokens, fld.words
    index = state.registry.index
    wanted = index.start_words(fld.distinct) | {w for w in fld.distinct if "-" in w}
    nxt = 0
    for i in [i for i, w in enumerate(words) if w in wanted]:
        if i < nxt:
            continue
        tok = toks[i]
        hit = index.match(text, toks, i) if index.starts(tok.text) else None
        if hit:
            k, entry = hit
            if entry is not None:
                end = toks[i + k - 1].end
                if text[end - 2 : end] == "'s":  # English possessive: "the EU's airports"
                    end -= 2
                scan.add(tok.start, end, state.registry_actor(entry), i, i + k - 1, state)
            else:  # a blocking phrase ("KCNA Watch"): consume it
                for t in range(i, i + k):
                    scan.taken[t] = True
            nxt = i + k
            continue
        if "-" in tok.text:
            head = tok.text.split("-", 1)[0]
            entry = index.single(head)
            if entry is not None:
                scan.add(tok.start, tok.start + len(head), state.registry_actor(entry), i, i, state)


def _title_pass(state: _ArticleActors, scan: _Scan, counts: dict[str, int]) -> None:
    """Role titles followed by a name no earlier pass took."""
    fld = scan.fld
    text, toks, words = fld.norm, fld.tokens, fld.words
    wanted = _TITLES.start_words(fld.distinct) | {w for w in fld.distinct if "-" in w} | _TITLE_COMPOUNDS(
        fld.distinct
    )
    nxt = 0
    for i in [i for i, w in enumerate(words) if w in wanted]:
        if i < nxt:
            continue
        title = _match_title(text, toks, i)
        if title is None:
            continue
        k, role, prefix_end = title
        j = i + k
        span = _name_after(text, toks, j, scan.taken, scan.blocked, state.lang)
        if not span:
            how = _bare_title(text, toks, i, j, scan)
            if how is not None:
                scan.bare_titles.append((i, j, role, prefix_end, how))
            nxt = j
            continue
        a, b = span
        name = " ".join(t.text + ("." if len(t.text) == 1 and text[t.end : t.end + 1] == "." else "")
                        for t in toks[a : b + 1])
        end = toks[b].end
        if name.endswith("'s"):
            name, end = name[:-2], end - 2
        known = state.surnames.match(text, toks, a) if state.surnames.starts(toks[a].text) else None
        if known and known[0] == b - a + 1:
            nxt = b + 1  # a surname already known: the surname pass takes it
            continue
        cc = _title_country(state, scan, i, prefix_end, counts)
        scan.add(toks[a].start, end, state.person(name, cc, role), a, b, state)
        for k in range(i, j):  # the title is the person's: no organisation of its own ("Chief Cabinet")
            scan.taken[k] = True
        nxt = b + 1


def _tagger_pass(state: _ArticleActors, scan: _Scan, counts: dict[str, int]) -> None:
    """The sequence tagger's persons and organisations, cleaned and named."""
    fld = scan.fld
    toks = fld.tokens
    place_spans = {(pm.mention.start, pm.mention.end): pm for pm in scan.places if pm.place is not None}
    for ent in fld.entities:
        if ent.label not in ("PER", "ORG"):
            continue
        rng = fld.token_range(ent.start, ent.end)
        if not rng:
            continue
        i, j = rng[0], rng[-1]
        # trim what is no part of a name: titles and function words in front, blocked tokens at
        # either end (a country before a name is its country, not part of it)
        # (an organisation keeps an adjective it opens with: "Afrikanische Union")
        person = ent.label == "PER"
        role = None
        while i <= j and (_TITLES.starts(toks[i].text) or toks[i].text in _NOT_NAME
                          or (person and scan.blocked[i]) or not _capitalised(toks[i].text)):
            title = _TITLES.match(fld.norm, toks, i) if _TITLES.starts(toks[i].text) else None
            role = title[1] if title else role
            i += 1
        while j >= i and ((person and scan.blocked[j]) or toks[j].text in _PARTICLES
                          or (person and j > i and _noun_like(toks[j].text, state.lang))):
            j -= 1
        while person and i < j and _noun_like(toks[i].text, state.lang):
            i += 1  # "Friedensnobelpreisträger Abiy": an office, then the name
        while person and j + 1 < len(toks) and _particle_name(toks[j + 1].text) and joinable(
            fld.norm, toks[j].end, toks[j + 1].start, dots=False
        ):
            j += 1  # the tagger stops before "al-Jaafari"
        if i > j or not scan.free(i, j):
            continue
        start, end = toks[i].start, toks[j].end
        words = [t.text for t in toks[i : j + 1]]
        if ent.label == "PER":
            name_like = all(_capitalised(w) or w in _PARTICLES or _particle_name(w) for w in words)
            if not name_like or len(words) > 4:
                continue
            pm = scan.place_at.get(i)
            if (pm is not None and pm.mention.start == start) or toks[i].text in state.place_words:
                if not state.surnames.starts(toks[i].text):
                    continue  # a place the tagger read as a name ("Wŏnsan Kalma")
            if len(words) == 1 and _zipf(words[0].lower(), state.lang) >= 4.5:
                continue  # a common word the tagger took for a name
            name = " ".join(words)
            if name.endswith("'s"):
                name, end = name[:-2], end - 2
            known = state.surnames.match(fld.norm, toks, i) if state.surnames.starts(toks[i].text) else None
            if known and known[0] == j - i + 1:
                continue  # a surname: the surname pass names it
            cc = _country_before(state, scan, i, counts) or _country_after(state, scan, j, counts)
            scan.add(start, end, state.person(name, cc, role), i, j, state)
        else:
            if (start, end) in place_spans:
                # the gazetteer's place, whole ("Orange County", "Korean Peninsula"); one named for
                # who governs it ("Washington") is decided by the agency pass
                continue
            if generic_institution(words, state.lang):
                continue
            name = " ".join(words)
            if name.endswith("'s"):
                name, end = name[:-2], end - 2
            cc = _country_before(state, scan, i, counts)
            actor = state.organisation(name, cc)
            scan.add(start, end, actor, i, j, state)
            if len(words) == 1 and _ACRONYM.match(words[0]):
                state.acronyms.setdefault(words[0], actor)


def _org_pattern_pass(state: _ArticleActors, scan: _Scan, counts: dict[str, int]) -> None:
    """Organisations named by their form, registry aside (word lists in
    ``data/words/institutions.yaml``): English capitalised names that end in an institution's head
    ("Joint Chiefs of Staff", "Transitional Federal Government (TFG)"), numbered units ("3rd
    Battalion", "14 Corps"), German hyphenated compounds of a name and an armed group's head
    ("Kassam-Brigaden"). Leading country names and demonyms are the body's country, not its name."""
    fld = scan.fld
    toks = fld.tokens
    if state.lang == "de":
        for k, tok in enumerate(toks):
            word = tok.text
            if "-" not in word or scan.taken[k] or scan.blocked[k]:
                continue
            parts = word.split("-")
            if parts[-1] not in _ORG_HEADS_DE:
                continue
            if not all(p[:1].isupper() or p in _PARTICLES for p in parts[:-1]):
                continue
            first = parts[0]
            if first in state.place_words or _noun_like(first, "de") or _zipf(first.lower(), "de") >= 3.0:
                continue  # "Tigray-Armee" is a place's army, "Volks-Front" a common noun
            scan.add(tok.start, tok.end, state.organisation(word, None), k, k, state)
        return
    if state.lang != "en":
        return
    # the article's distinct words meet the head lists in one intersection; most articles have none
    wanted = _HEADS_EN & fld.distinct
    if not wanted:
        return
    heads = {k for k, w in enumerate(fld.words) if w in wanted}
    dem_end: dict[int, int] = {}  # token → end of the demonym it lies in ("South Korean")
    for d in scan.demonyms:
        for k in fld.token_range(d.start, d.end):
            dem_end[k] = d.end
    nxt = 0
    for h in sorted(heads):
        if h < nxt or scan.taken[h]:
            continue
        # the run must end at the head: a capitalised word after it continues the name or a title
        if h + 1 < len(toks) and _capitalised(toks[h + 1].text) and toks[h + 1].start - toks[h].end <= 1:
            continue
        i = h
        while i > 0:
            prev = toks[i - 1]
            if fld.norm[prev.end : toks[i].start] not in (" ", ""):
                break  # punctuation or a line break ends the name
            if _capitalised(prev.text) and not scan.taken[i - 1] and prev.text not in _NOT_NAME:
                i -= 1
            elif prev.text in _ORG_INNER_EN and i - 2 >= 0 and _capitalised(toks[i - 2].text):
                i -= 1
            else:
                break
        # country names and demonyms in front ("South Korean", "U.S.") are its country, articles
        # and inner words no start of the name
        i = max([i, *(k + 1 for k in range(i, h) if scan.blocked[k] or toks[k].end <= dem_end.get(k, -1))])
        while i < h and (toks[i].text in _ORG_INNER_EN or toks[i].text in ("The", "A")):
            i += 1
        numbered = i > 0 and _ORDINAL.match(toks[i - 1].text) is not None and toks[h].text in _UNIT_HEADS_EN
        words = [t.text for t in toks[i : h + 1]]
        n_cap = sum(1 for w in words if _capitalised(w))
        acronym = fld.norm[toks[h].end : toks[h].end + 2] == " (" and h + 2 < len(toks) and _ACRONYM.match(
            toks[h + 2].text) is not None
        if numbered:
            i -= 1
            words = [toks[i].text, *words]
        elif n_cap < 2 or toks[h].text not in _ORG_HEADS_EN:
            continue
        if not scan.free(i, h) or any(scan.place_at.get(k) is not None and scan.place_at[k].mention.end
                                      >= toks[h].end for k in range(i, h + 1)):
            continue  # a place's own name ("Region of Murcia") or already someone's
        if not numbered and not acronym and _TITLES.starts(words[0]):
            continue  # "Minister of Defence": an office
        name = " ".join(words)
        cc = _country_before(state, scan, i, counts)
        actor = state.organisation(name, cc)
        scan.add(toks[i].start, toks[h].end, actor, i, h, state)
        nxt = h + 1


def _acronym_pass(state: _ArticleActors, scan: _Scan) -> None:
    """"Full Name (ABC)": ABC names the same organisation; then every free ABC is a mention."""
    fld = scan.fld
    text, toks = fld.norm, fld.tokens
    ends = {e: actor for s, e, actor in scan.found if actor.kind == "organisation"}
    for k in _after_bracket(fld):
        tok = toks[k]
        if not _ACRONYM.match(tok.text):
            continue
        actor = ends.get(tok.start - 2)
        if actor is not None and text[tok.end : tok.end + 1] == ")":
            state.acronyms.setdefault(tok.text, actor)
            if not scan.taken[k]:
                scan.add(tok.start, tok.end, actor, k, k, state)
    if not state.acronyms:
        return
    for k, tok in enumerate(toks):
        word = tok.text[:-2] if tok.text.endswith("'s") else tok.text  # "the TFG's forces"
        actor = state.acronyms.get(word)
        if actor is not None and not scan.taken[k] and not scan.blocked[k]:
            scan.add(tok.start, tok.start + len(word), actor, k, k, state)


def _after_bracket(fld: DocField) -> Iterator[int]:
    """The indexes of the tokens right after " (", in order: found by ``str.find`` rather than by
    a look at each of the field's tokens, as few follow a bracket."""
    text, toks = fld.norm, fld.tokens
    pos = text.find(" (")
    while pos >= 0:
        k = fld.token_at(pos + 2)
        if k < len(toks) and toks[k].start == pos + 2:
            yield k
        pos = text.find(" (", pos + 1)


def _repeat_pass(state: _ArticleActors, scan: _Scan) -> None:
    """Further occurrences of an organisation's or a person's full name found once: the tagger
    does not find every one."""
    fld = scan.fld
    names: PhraseIndex[Actor] = PhraseIndex()
    for actor in [*state.orgs.values(), *state.persons.values()]:
        if actor.kind == "organisation" or " " in actor.name:
            names.add(actor.name, actor)
    if not len(names):
        return
    text, toks = fld.norm, fld.tokens
    starts = names.start_words(fld.distinct)
    nxt = 0
    for i in [i for i, w in enumerate(fld.words) if w in starts]:
        if i < nxt or scan.taken[i]:
            continue
        hit = names.match(text, toks, i)
        if hit and scan.free(i, i + hit[0] - 1):
            k, actor = hit
            scan.add(toks[i].start, toks[i + k - 1].end, actor, i, i + k - 1, state)
            nxt = i + k


def _surname_pass(state: _ArticleActors, scan: _Scan) -> None:
    """Surname-only mentions of persons found anywhere in the article ("Lawrow", "Maduros")."""
    surnames = state.surnames
    if not len(surnames):
        return
    fld = scan.fld
    text, toks, words = fld.norm, fld.tokens, fld.words
    wanted = surnames.start_words(fld.distinct) | {w for w in fld.distinct if "-" in w}
    nxt = 0
    for i in [i for i, w in enumerate(words) if w in wanted]:
        if i < nxt or scan.taken[i] or scan.blocked[i]:
            continue
        tok = toks[i]
        hit = surnames.match(text, toks, i) if surnames.starts(tok.text) else None
        if hit is None and "-" in tok.text:  # "Kim-Regime", "Mugabe-Vertrauter"
            head = tok.text.split("-", 1)[0]
            one = surnames.single(head)
            if one is not None and not _followed_by_given_name(text, toks, i, state.lang, scan):
                scan.add(tok.start, tok.start + len(head), _nearest_actor(one, state, tok.start), i, i, state)
            continue
        if hit is None:
            continue
        k, actors = hit
        last = i + k - 1
        if not scan.free(i, last) or _followed_by_given_name(text, toks, last, state.lang, scan):
            continue
        end = toks[last].end
        if text[end - 2 : end] == "'s":
            end -= 2
        scan.add(tok.start, end, _nearest_actor(actors, state, tok.start), i, last, state)
        nxt = last + 1


_REFERRING = frozenset("the der die den dem des".split())
#: Words that carry an office's name on: "Minister for Central Asia", "Gouverneur der Region".
_OFFICE_GLUE = frozenset("of for der des von".split())
#: Offices that name one holder in an article even when no name comes with them: a capitalised
#: English title of two words or a country with one of these words makes its own actor ("The
#: Foreign Secretary met …"; "the President" alone names no one).
_OFFICE_WORDS = frozenset("minister secretary president chancellor premier".split())


def _bare_title(text: str, toks: Sequence[Tok], i: int, j: int, scan: _Scan) -> str | None:
    """How the title at tokens ``i``..``j - 1`` refers on its own, if it does: ``definite`` after a
    definite article, its country between ("the Foreign Secretary", "the Iraqi Foreign Minister",
    "der Außenminister"); ``opening`` a clause with a capital ("Foreign Secretary statement on …");
    ``apposition`` after a comma ("Tobias Ellwood, Minister for the Middle East"). None when a name
    follows it directly ("the Foreign Secretary Boris Johnson" is a title with its name)."""
    if j < len(toks) and joinable(text, toks[j - 1].end, toks[j].start, dots=False):
        nxt = toks[j].text
        if _capitalised(nxt) and nxt not in _NOT_NAME:
            return None
    b = i
    while b > 0 and b > i - 3 and joinable(text, toks[b - 1].end, toks[b].start) and (
        b - 1 in scan.dem_at or (b - 1 in scan.place_at and scan.place_at[b - 1].place.feature == "country")
    ):
        b -= 1  # the office's country: "the Iraqi Foreign Minister", "the U.S. Secretary of State"
    if b > 0 and joinable(text, toks[b - 1].end, toks[b].start, dots=False):
        return "definite" if toks[b - 1].text.lower() in _REFERRING else None
    if not toks[b].text[:1].isupper() or not clause_start(text, toks[b].start):
        return None
    after_comma = text[max(0, toks[b].start - 3) : toks[b].start].rstrip().endswith(",")
    return "apposition" if after_comma else "opening"


def _office_epithets() -> dict[str, tuple[str, ...]]:
    """Epithet (case-folded, German feminine form too) → the offices it stands for
    (``office_epithets`` in ``data/words/titles.yaml``)."""
    out: dict[str, tuple[str, ...]] = {}
    for epithet, offices in (load_words("titles").get("office_epithets") or {}).items():
        names = tuple(form.casefold() for o in offices for form in (str(o), str(o) + "in"))
        for form in (str(epithet), str(epithet) + "in"):
            out[form.casefold()] = names
    return out


_EPITHETS = _office_epithets()


def _role_fits(actor_role: str | None, role: str) -> bool:
    """Whether a person's role is the office a title names: the same ("Foreign Secretary"), or
    that office with its country ("Foreign Minister of Russia"), or a kind of it ("the minister"
    for a "Foreign Minister"), or an epithet of it ("der Spitzendiplomat" for an "Außenminister",
    "der Regierungschef" for a "Prime Minister")."""
    if not actor_role:
        return False
    a = actor_role.casefold()
    r0 = role.casefold()
    for r in (r0, *_EPITHETS.get(r0, ())):
        if a == r or a.startswith(r + " of ") or a.endswith(" " + r) or (" " not in r and a.endswith(r)):
            return True
    return False


def _title_reference_pass(state: _ArticleActors, scan: _Scan, counts: dict[str, int]) -> None:
    """Offices standing for a person ("the Foreign Secretary", "der Außenminister"): the person the
    article names with that office — the apposition after it ("The Foreign Secretary, Boris
    Johnson, said"), else the nearest one before, else the first one after; of the title's country
    when it has one ("the Iraqi Foreign Minister"). With no such person, a capitalised English
    office ("The Prime Minister") is an actor of its own; any other title names no one."""
    fld = scan.fld
    toks, text = fld.tokens, fld.norm
    persons = [a for a in {*state.persons.values(), *state.by_entry.values()} if a.kind == "person"]
    by_start = {start: actor for start, _e, actor in scan.found if actor.kind == "person"}
    by_end = {end: actor for _s, end, actor in scan.found if actor.kind == "person"}
    holders: dict[tuple[str, str | None], list[tuple[int, str, Actor]]] = {}
    for i, j, role, prefix_end, how in scan.bare_titles:
        if not scan.free(i, j - 1):
            continue
        if state.lang == "en" and fld.norm[toks[i].start : toks[j - 1].end].casefold() != role.casefold():
            continue  # "Ministers": an English title names one holder
        cc = _title_country(state, scan, i, prefix_end, counts)
        start, end = toks[i].start, toks[j - 1].end
        # the office's own name runs on ("Minister for Central Asia", "der Gouverneur der Region
        # Belgorod"): then only the name it introduces can be its holder
        k = j
        glued = k < len(toks) and toks[k].text.lower() in _OFFICE_GLUE
        if glued and joinable(text, toks[j - 1].end, toks[k].start):
            k += 1
            while k < len(toks) and k < j + 7 and toks[k].start not in by_start and joinable(
                text, toks[k - 1].end, toks[k].start
            ):
                k += 1
        runs_on = k > j
        actor = None
        if k < len(toks) and toks[k].start in by_start and (
            text[toks[k - 1].end : toks[k].start].strip() in ("", ",")
        ):
            # its holder named after it: "The Foreign Secretary, Boris Johnson"
            actor = by_start[toks[k].start]
        if actor is None and i > 0:
            b = i
            while b > 0 and toks[b - 1].text.lower() not in _REFERRING and b > i - 3 and (
                b - 1 in scan.dem_at or b - 1 in scan.place_at
            ):
                b -= 1
            lead = toks[b - 1].start if b > 0 and toks[b - 1].text.lower() in _REFERRING else toks[b].start
            m = re.search(r"([^\W\d_][\w.'’-]*)[ \u00a0]*,[ \u00a0]*$", text[max(0, lead - 80) : lead])
            if m is not None:
                actor = by_end.get(lead - (len(m.group(0)) - len(m.group(1))))  # "Tshisekedi, the President"
        if actor is None and not runs_on and how != "apposition":
            key = (role.casefold(), cc)
            fits = holders.get(key)
            if fits is None:  # once per office and country: titles × persons would not be linear
                fits = holders[key] = sorted(
                    (state.first_seen[a], a.name, a) for a in persons
                    if a in state.first_seen and _role_fits(a.role, role)
                    and (cc is None or a.country_code == cc)
                )
            k = bisect_left(fits, (start,))
            if k > 0:
                actor = fits[k - 1][2]  # the nearest one named before
            elif fits:
                actor = fits[0][2]  # else the first one named after
        office = role.casefold().replace("-", " ").split()
        if (actor is None and not runs_on and how != "apposition" and state.lang == "en"
                and toks[i].text[:1].isupper() and (len(office) > 1 or cc)
                and any(w in _OFFICE_WORDS for w in office)):
            actor = state.person(role, cc, role)  # one holder, unnamed: "The Foreign Secretary met …"
        if actor is None:
            continue
        scan.references.append((start, end, actor))
        for k in range(i, j):
            scan.taken[k] = True


def _acting_places(
    state: _ArticleActors, scan: _Scan, capital_country: Callable[[Place], str | None]
) -> list[ActorMention]:
    """Countries, capitals and seats that act in their clause: "Russland hat … aufgefordert",
    "Moskau kritisierte", "Brussels called"."""
    fld = scan.fld
    seats = agency_words().seats
    out = []
    taken_spans = {(s, e) for s, e, _a in scan.found}
    for pm in scan.places:
        p, m = pm.place, pm.mention
        if p is None or (m.start, m.end) in taken_spans:
            continue
        if p.feature == "country" and p.country_code:
            actor_of = lambda p=p: state.country_actor(p.country_code)  # noqa: E731
        elif m.text in seats:
            actor_of = lambda m=m: state.seat_actor(seats[m.text])  # noqa: E731
        elif p.feature == "city" and capital_country(p):
            actor_of = lambda p=p: state.country_actor(capital_country(p))  # noqa: E731
        else:
            continue
        if role_in(fld, m.start, m.end) == AGENT:
            out.append(ActorMention(Mention(m.start, m.end, m.text, "actor", fld.name), actor_of()))
    return out


# ---------------------------------------------------------------------------------- helpers


def _nearest_actor(actors: list[Actor], state: _ArticleActors, pos: int) -> Actor:
    """Among persons sharing a surname, the one named last before ``pos`` (else the first)."""
    if len(actors) == 1:
        return actors[0]
    before = [a for a in actors if state.first_seen.get(a, pos + 1) < pos]
    if before:
        return max(before, key=lambda a: state.first_seen.get(a, -1))
    return actors[0]


def _followed_by_given_name(text: str, toks: Sequence[Tok], i: int, lang: str, scan: _Scan) -> bool:
    """Whether the surname at token ``i`` starts another person's full name ("Kim Yo-jong" when only
    Kim Jong-un is known): a rare capitalised word follows directly."""
    if i + 1 >= len(toks) or not joinable(text, toks[i].end, toks[i + 1].start, dots=False):
        return False
    nxt = toks[i + 1].text
    if scan.taken[i + 1] or scan.blocked[i + 1] or not _capitalised(nxt) or nxt in _NOT_NAME:
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
    # an abbreviated title keeps its dot ("Col. David Lyons", "Lt. Gen. Ana Ruiz")
    abbreviated = j > 0 and len(toks[j - 1].text) <= 4 and text[toks[j - 1].end : toks[j - 1].end + 1] == "."
    if j >= len(toks) or not joinable(text, toks[j - 1].end, toks[j].start, dots=abbreviated):
        return None
    first = toks[j]
    if taken[j] or blocked[j] or not _capitalised(first.text) or first.text in _NOT_NAME:
        return None
    if _TITLES.starts(first.text) or first.text.isdigit() or len(first.text) < 2:
        return None
    if _noun_like(first.text, lang):
        return None  # a common noun: "nach Angaben des Gouverneurs Öllager nach einem Drohnenangriff"
    end = j
    k = j + 1
    words = 1
    while k < len(toks) and words < 3 and joinable(text, toks[k - 1].end, toks[k].start, dots=False):
        w = toks[k].text
        nxt_is_name = k + 1 < len(toks) and _name_word(toks[k + 1].text, k + 1, taken, blocked, lang)
        if w in _PARTICLES and nxt_is_name:
            k += 1
            continue
        if len(w) == 1 and w.isupper() and text[toks[k].end : toks[k].end + 1] == "." and nxt_is_name and (
                joinable(text, toks[k].end, toks[k + 1].start)):
            end = k + 1  # a middle initial and the surname after it ("David C. Lyons")
            words += 1
            k += 2
            continue
        if not _name_word(w, k, taken, blocked, lang):
            break
        end = k
        words += 1
        k += 1
    return j, end


def _name_word(w: str, k: int, taken: Sequence[bool], blocked: Sequence[bool], lang: str) -> bool:
    if taken[k] or blocked[k] or w in _NOT_NAME or _TITLES.starts(w):
        return False
    if _particle_name(w):
        return True
    if not _capitalised(w):
        return False
    return "-" in w or _zipf(w, lang) < (_COMMON_ZIPF_EN if lang == "en" else _COMMON_ZIPF)


def _title_country(
    state: _ArticleActors, scan: _Scan, i: int, prefix_end: int, counts: dict[str, int]
) -> str | None:
    """The country of a title phrase: in its compound prefix ("US-Präsident"), or before it (an
    adjective or a country name: see :func:`_country_before`)."""
    fld = scan.fld
    toks = fld.tokens
    if prefix_end > 0:
        title_start = toks[i].start
        pm = scan.place_at.get(i)
        if pm is not None and pm.place.country_code and pm.mention.start < prefix_end:
            return pm.place.country_code
        codes = state.lex.lookup(fld.norm[title_start:prefix_end])
        if codes:
            return resolve_codes(codes, counts)
    return _country_before(state, scan, i, counts)


def _country_after(state: _ArticleActors, scan: _Scan, j: int, counts: dict[str, int]) -> str | None:
    """A country in an apposition after a name: "Lawrow, Russia's foreign minister", "Lavrov, the
    Russian foreign minister", "Gantschew, Gouverneur der Region …" stops at the office's first
    country only when a title comes with it."""
    fld = scan.fld
    toks, text = fld.tokens, fld.norm
    if j + 2 >= len(toks) or text[toks[j].end : toks[j + 1].start].strip() != ",":
        return None
    found = None
    for k in range(j + 1, min(len(toks), j + 7)):
        if k > j + 1 and re.search(r"[,.;:!?]", text[toks[k - 1].end : toks[k].start]):
            break
        d = scan.dem_at.get(k)
        pm = scan.place_at.get(k)
        if found is None and d is not None:
            found = resolve_codes(d.codes, counts)
        elif found is None and pm is not None and pm.place.feature == "country":
            found = pm.place.country_code
        if found and _TITLES.starts(toks[k].text):
            return found
    return None


def _country_before(state: _ArticleActors, scan: _Scan, i: int, counts: dict[str, int]) -> str | None:
    """A country named just before token ``i`` within its phrase: an adjective ("der russische
    Außenminister", "Russian Foreign Minister") or a country's genitive or possessive
    ("Russlands Außenminister", "Russia's foreign minister")."""
    fld = scan.fld
    toks = fld.tokens
    for back in range(1, 4):
        k = i - back
        if k < 0 or not joinable(fld.norm, toks[k].end, toks[k + 1].start, dots=False):
            break
        d = scan.dem_at.get(k)
        if d is not None:
            return resolve_codes(d.codes, counts)
        word = toks[k].text
        pm = scan.place_at.get(k)
        if pm is not None and pm.place.feature == "country" and (word.endswith(("s", "'s")) or k == i - 1):
            return pm.place.country_code
        if _capitalised(word) and word not in _NOT_NAME and k != i - 1 and not _TITLES.starts(word):
            break
    return None
