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
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, count, product, repeat
from operator import gt, itemgetter, or_, sub
from typing import TYPE_CHECKING

from . import stateabbr
from .document import Doc, DocField, Entity
from .features import is_curated
from .lexicon import load_words
from .model import Article, Candidate, Mention
from .placecues import feature_noun
from .placefilter import zipf as _placefilter_zipf
from .spans import SpanIndex
from .text import Tok, name_key

if TYPE_CHECKING:
    from .crfscore import CrfInput

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
#: Languages compared by :func:`commonness`. English and German are loaded anyway (actors use them);
#: French is the one more Western-European reference. Each further wordfreq table costs 0.2-0.6 s of
#: cold start (nine languages cost ~3 s) and, measured with the learned decision on top, bought no F1.
_OTHER_LANGS = ("en", "de", "fr")
# Abbreviations of two letters are too often ordinary words ("IN", "AT", "NO"); only these stand.
_SHORT_ABBREVIATIONS = {"US", "UK", "EU"}
# Window separators allowed inside a multi-word name: a space, or an abbreviation dot ("St. Louis").
#: A hyphen before the space joins too: names broken at a line end ("Mecklenburg- Vorpommern")
#: fold to the same key as the whole name.
_JOINER = re.compile(r"[.-]?[ \u00a0]")
_POSSESSIVE = re.compile(r"['’]s?$")
#: English compounds whose first part is the place ("London-based", "Ohio-born"): news and its
#: annotators mark the place part only.
_EN_PLACE_SUFFIX = re.compile(r"-(?:based|born|bred|headquartered|registered)$")
#: ... and the first of two names joined by a hyphen ("the Amsterdam-London route").
_EN_PLACE_PAIR = re.compile(r"(?<=[a-z])-[A-Z][a-z]+$")
#: Dotted abbreviations: "U.S.", "U.K.", "U.S.A." (single capitals, each followed by a full stop).
_DOTTED = re.compile(r"(?:[A-Z]\.){1,3}[A-Z]\.?")
#: A tagger's span without gazetteer candidates this common in its language (Zipf), and this much
#: more common there than elsewhere, is a common noun (see :func:`_common_noun`). Measured on the
#: German dev sets' tagger spans: 5 wrong ones dropped (Erde ×2, Hauptstadt, Flughafen, Kreuz) for
#: one right one ("Straße").
_COMMON_NOUN_ZIPF = 4.5
_COMMON_NOUN_MARGIN = 2.0
#: The longest first line of a text taken as its headline (headlines run to about 100 characters).
_HEADLINE_CHARS = 200
#: Compass and centre words. Alone they name a direction or a part of something ("in the South",
#: "im Norden des Dorfes", "the Centre" for a central government), almost never the village that
#: happens to carry the name; as part of a longer name ("South Africa") the longer key matches first.
COMPASS_WORDS = {
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "northeast",
    "northwest", "southeast", "southwest", "central", "centre", "center", "middle", "mid",
    "nord", "süd", "ost", "norden", "süden", "osten", "westen", "mitte", "zentrum",
    "nordost", "nordwest", "südost", "südwest", "nordosten", "nordwesten", "südosten", "südwesten",
}


_KEY_PUNCT = re.compile(r"[-'./,()]+")


@lru_cache(maxsize=200_000)
def _key(name: str) -> str:
    """:func:`geoapp.text.name_key`, with a short path for ASCII names.

    Most windows probed are new multi-word strings (a name and the words after it), so the
    lookup key is computed afresh for each; for ASCII text the folding, NFKD and combining-mark
    steps of ``name_key`` change nothing and ``casefold`` is ``lower``, so only the punctuation
    and space steps remain. Anything else goes through ``name_key`` itself.
    """
    if name.isascii():
        return " ".join(_KEY_PUNCT.sub(" ", name.lower()).split())
    return name_key(name)


def _zipf(word: str, lang: str) -> float:
    """wordfreq's Zipf frequency through :func:`geoapp.placefilter.zipf`'s cache: the rules and the
    learned features ask about the same words, and one cache answers both."""
    return _placefilter_zipf(word, lang)


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
#: Entries a per-extractor memo holds before it starts afresh (a bound on memory, not a tuning knob).
_MEMO_LIMIT = 100_000
_DEFAULT = object()


@dataclass
class _Field:
    """One text field of an article, tokenised once, with its gazetteer matches cached per start
    token so that a second round of decisions (with country context) probes nothing again."""

    text: str
    lang: str
    name: str
    skip: tuple[tuple[int, int], ...]
    #: The per-text memo's :class:`Tok` tuples (same ``start``/``end``/``text`` fields as
    #: :class:`geoapp.text.Token`): the demonym, actor and link stages read the same memo, and a
    #: tuple costs a fraction of a frozen dataclass to build.
    tokens: list[Tok] = field(init=False)
    #: Indexes of tokens that may start a name (capitalised): the only places a match can begin.
    starts: list[int] = field(init=False)
    #: Whether a lower-case token may end a name here (:data:`_LOWERCASE_END_FORMS`): rare.
    lower_ends: bool = field(init=False)
    #: ``(i, dotted, match)`` for each start token ``i`` where the gazetteer answered, in text
    #: order (:meth:`PlaceExtractor._probes`); None until first asked. Most starts match nothing,
    #: so each walk over the field visits these few entries, not every start again.
    probes: list[tuple] | None = field(init=False, default=None)
    title_lines: dict = field(init=False, default_factory=dict)
    #: :meth:`PlaceExtractor._decide_base` per start token: both decision rounds share it.
    decisions: dict = field(init=False, default_factory=dict)
    skip_index: SpanIndex = field(init=False)
    #: The document's field (tokens, sentences, and where the tagger's entity spans are recorded).
    doc: DocField | None = None

    def __post_init__(self) -> None:
        self.skip_index = SpanIndex(self.skip)
        if self.doc is None:  # training scripts and tests pass bare text
            self.doc = DocField(self.name, self.text, self.lang)
        self.tokens = list(self.doc.tokens)
        # whether each token may start a name, in C: the first letter of each word, upper case or not
        words = self.doc.words
        self.starts = list(compress(range(len(words)), map(str.isupper, map(itemgetter(0), words))))
        self.lower_ends = not self.doc.distinct.isdisjoint(_LOWERCASE_END_FORMS)

    def title_case(self, i: int) -> bool:
        """Whether the line around token ``i`` is a headline in Title Case: three or more words of
        four letters or more, at least 80 % of them capitalised. Computed once per line of the
        field."""
        text, at = self.text, self.tokens[i].start
        line_start = self.doc.line_start(at)
        got = self.title_lines.get(line_start)
        if got is None:
            # The line's tokens by bisection on their starts, not by a scan of the whole field
            # per line.
            line_end = text.find("\n", at)
            line_end = len(text) if line_end < 0 else line_end
            starts = self.doc.starts
            lo, hi = bisect_left(starts, line_start), bisect_left(starts, line_end)
            words = [w for w in self.doc.words[lo:hi] if len(w) > 3]
            got = len(words) >= 3 and sum(map(str.isupper, map(itemgetter(0), words))) >= 0.8 * len(words)
            self.title_lines[line_start] = got
        return got


class PlaceExtractor:
    """Finds place mentions in an article using a gazetteer (anything with the lookup methods below).

    The gazetteer must offer ``candidates(key) -> list[Candidate]``, ``max_words``,
    ``name_flags(key) -> {geonameid: {main, en, de, abbr, iso, alt}}`` and
    ``abbr_surfaces(key) -> {geonameid: {exact surface forms}}``.
    """

    def __init__(self, gazetteer, place_filter=_DEFAULT, tagger=_DEFAULT) -> None:
        """``place_filter``/``tagger``: the learned decision and the sequence taggers (default: the
        shipped model files when present; pass None to decide by the rules alone)."""
        self.gazetteer = gazetteer
        self.max_words = max(1, min(int(getattr(gazetteer, "max_words", 5)), 6))
        if place_filter is _DEFAULT:
            from .placefilter import PlaceFilter

            place_filter = PlaceFilter.load()
        if tagger is _DEFAULT:
            from .ner import EntityTagger

            tagger = EntityTagger()
        self.filter = place_filter
        #: The sequence taggers (persons, organisations, places; :class:`geoapp.ner.EntityTagger`),
        #: or None to decide by the gazetteer and the rules alone.
        self.ner = tagger
        #: German: "crf" (the tagger's spans), "union" (CRF spans, then model-accepted windows where
        #: it found none) or "filter" (model over gazetteer windows only). Measured in docs/quality.md.
        self.de_mode = "crf"
        #: Per-key and per-word memos of gazetteer facts (see :meth:`_key_facts`, :meth:`_big_place`).
        self._facts: dict[str, tuple] = {}
        self._big: dict[str, bool] = {}
        self._cands: dict[str, list[Candidate]] = {}
        self._flags_memo: dict[str, dict] = {}
        self._abbr_regions: dict[str, Candidate | None] = {}
        self._words: dict[tuple[str, str], tuple[int, tuple | None]] = {}
        self._surfaces: dict[tuple[str, str], tuple | None] = {}
        self._vetoes: dict[tuple[str, str], bool] = {}

    # -- public ----------------------------------------------------------------------------------

    def extract(self, doc: Doc | Article, *, skip: list[tuple[int, int]] = ()) -> list[PlaceCandidateSpan]:
        """Place mentions in the document's body text (and its title when the title is not the
        body's first line); an :class:`Article` is read into a :class:`Doc` first.

        ``skip`` holds body spans that are known not to be places (demonyms, people's names).
        Where a sequence tagger exists for the language, its person, organisation and place spans
        are recorded on the document's fields (:attr:`DocField.entities`) for the actor stage.

        Each field is tokenised and probed against the gazetteer once. The decision then runs twice
        over the cached matches only: first without context, then, when that found countries or big
        places, with those countries as context (weaker names count for more inside the countries
        the article is about). Re-probing the text for the second round would double the cost.
        """
        if isinstance(doc, Article):
            doc = Doc.from_article(doc)
        fields = [
            _Field(f.text, f.lang, f.name, tuple(skip) if f.name == "text" else (), doc=f) for f in doc
        ]
        if self.filter is not None:
            countries = set().union(*(self._context(f) for f in fields))
            per_field = [self._learned_field(f, countries) for f in fields]
        else:
            per_field = [self._decide_field(f, None) for f in fields]
            countries = {sp.candidates[0].country_code for spans in per_field for sp in spans
                         if _names_context(sp.candidates[0])}
            countries.discard(None)
            if countries:
                per_field = [self._decide_field(f, countries) for f in fields]
        # names that are only part of a facility's name out, state abbreviations in
        return [
            sp
            for f, spans in zip(fields, per_field)
            for sp in self._with_abbreviations(f, self._bracketed(f, _without_facility_parts(f, spans)))
        ]

    def _bracketed(self, fld: _Field, spans: list[PlaceCandidateSpan]) -> list[PlaceCandidateSpan]:
        """A name followed by a part in brackets that the gazetteer knows with it is that place:
        "Frankfurt (Oder)" is not Frankfurt am Main, "Halle (Saale)" not Halle in Belgium. Only the
        gazetteer's own names ("frankfurt oder"), so "Berlin (dpa)" stays Berlin."""
        text = fld.text
        out = []
        for sp in spans:
            m = sp.mention
            got = _BRACKETED.match(text, m.end)
            key = name_key(f"{m.text} {got.group(1)}") if got else ""
            cands = self._candidates(key) if key else []
            if not cands:
                out.append(sp)
                continue
            end = got.end()
            mention = Mention(m.start, end, text[m.start : end], m.kind, m.field)
            why = (*sp.evidence, "bracketed part of the name")
            flags = self._name_flags(key)
            out.append(PlaceCandidateSpan(mention, key, tuple(cands), sp.cue, sp.score, why, flags))
        return out

    def _with_abbreviations(self, fld: _Field, spans: list[PlaceCandidateSpan]) -> list[PlaceCandidateSpan]:
        """``spans`` plus the state and province abbreviations of the field ("Severn, Md.",
        :mod:`geoapp.stateabbr`) that no span or skipped span overlaps, in text order."""
        found = stateabbr.find(fld.text)
        if not found:
            return spans
        taken = SpanIndex([(sp.mention.start, sp.mention.end) for sp in spans] + list(fld.skip))
        ends = {sp.mention.end: i for i, sp in enumerate(spans)}
        spans = list(spans)
        added = []
        for start, end, form in found:
            region = self._abbr_regions.get(form, False)
            if region is False:  # looked up once per form and extractor
                region = self._abbr_regions[form] = stateabbr.region_for(self.gazetteer, form)
            if region is None or taken.overlaps(start, end):
                continue
            city = stateabbr.joined_city(form)
            before = ends.get(start - 2) if fld.text[start - 2 : start] == ", " else None
            if city is not None and before is not None and spans[before].mention.text == city:
                # "Washington, D.C.": one name, the city's (its towns only, and a key of its own, so
                # neither the state of Washington nor the referent of a bare "Washington" is taken)
                old = spans[before]
                m = old.mention
                mention = Mention(m.start, end, fld.text[m.start : end], m.kind, m.field)
                towns = tuple(c for c in old.candidates if c.feature == "city") or old.candidates
                spans[before] = PlaceCandidateSpan(mention, name_key(mention.text), towns, old.cue, old.score,
                                                   old.evidence, old.name_flags)
                continue
            mention = Mention(start, end, form, "place", fld.name)
            flags = {region.geonameid or -1: frozenset({"abbr"})}
            key = name_key(form)  # its own name: the state, not whatever "Washington" is elsewhere
            why = ("state abbreviation",)
            added.append(PlaceCandidateSpan(mention, key, (region,), "region", 3.0, why, flags))
        if not added:
            return spans
        return sorted(spans + added, key=lambda sp: sp.mention.start)

    def candidate_windows(self, article: Article) -> list[tuple[int, int, dict[str, float]]]:
        """Every candidate window of the article's text as ``(start, end, features)``: the rows the
        learned decision is trained on (``scripts/train_place_filter.py``) and scores."""
        fld = _Field(article.text, article.lang, "text", ())
        countries = self._context(fld)
        return [(start, end, feats) for _, _, start, end, _, _, _, feats in self._windows(fld, countries)]

    # -- the learned decision ----------------------------------------------------------------------

    def _context(self, fld: _Field) -> set[str]:
        """Countries the field is about, by the rules' first reading: the walk of
        :meth:`_decide_field` without context, keeping only the countries of what it accepts (no
        spans are built: the learned path needs the countries, not the rules' spans)."""
        lang = fld.lang if fld.lang in LOCATIVE_WORDS else "en"
        tokens = fld.tokens
        n_tokens = len(tokens)
        countries: set[str] = set()
        nxt = 0
        for i, dotted, match in self._probes(fld):
            if i < nxt:
                continue
            if dotted is not None:
                top = dotted[1].candidates[0]
                if _names_context(top) and top.country_code:
                    countries.add(top.country_code)
                nxt = dotted[0] + 1
                continue
            j, key, cands, stem_end, stem, (cue, _span_start, span_end) = match
            if fld.skip_index.overlaps(tokens[i].start, stem_end):
                nxt = j + 1
                continue
            if self._rule_score(fld, i, j, key, stem, cands, cue, lang, None) is None:
                continue
            if _names_context(cands[0]) and cands[0].country_code:
                countries.add(cands[0].country_code)
            nxt = j + 1
            if span_end is not None and span_end > tokens[j].end:
                while nxt < n_tokens and tokens[nxt].start < span_end:
                    nxt += 1
        return countries

    def _windows(self, fld: _Field, countries: set[str]) -> list[tuple]:
        """Every longest gazetteer window per start token, with its features for the model.

        Rows are ``(i, j, start, end, key, cands, cue, features)``; dotted abbreviations are left to
        their rule (they are unambiguous), windows inside ``skip`` spans are left out.
        """
        from .placefilter import WindowInfo, window_features

        lang = fld.lang if fld.lang in LOCATIVE_WORDS else "en"
        text, tokens = fld.text, fld.tokens
        n_tokens = len(tokens)
        repeats: dict[str, int] = {}
        rows = []
        for i, dotted, match in self._probes(fld):
            if dotted is not None:
                continue
            j, key, cands, stem_end, stem, (cue, span_start, span_end) = match
            start = tokens[i].start if span_start is None else span_start
            end = stem_end if span_end is None else span_end
            if fld.skip_index.overlaps(start, end):
                continue
            surface = text[tokens[i].start : tokens[j].end]
            facts = self._key_facts(key, cands)
            flags, kinds, codes = facts[:3]
            if self._category_veto(surface, j - i + 1, cue, key, cands, flags) or _abbreviation_veto(
                self.gazetteer, key, stem, kinds
            ):
                continue
            score = self._rule_score(fld, i, j, key, stem, cands, cue, lang, countries or None)
            prev_tok = tokens[i - 1] if i > 0 else None
            next_tok = tokens[j + 1] if j + 1 < n_tokens else None
            before = tokens[i].start
            prev_gap = text[prev_tok.end : before] if prev_tok else text[max(0, before - 3) : before]
            after = tokens[j].end
            next_gap = text[after : next_tok.start] if next_tok else text[after : after + 3]
            prev_cap = bool(prev_tok and prev_gap == " " and prev_tok.text[:1].isupper())
            next_cap = bool(next_tok and next_gap == " " and next_tok.text[:1].isupper())
            neighbour_place = (prev_cap and self._big_place(prev_tok.text)) or (
                next_cap and self._big_place(next_tok.text)
            )
            if surface not in repeats:
                repeats[surface] = _occurrences(text, surface)
            info = WindowInfo(
                surface=surface,
                stem=stem,
                lang=lang,
                n_words=j - i + 1,
                cue=cue,
                prev_word=prev_tok.text if prev_tok else "",
                prev_gap=prev_gap,
                next_word=next_tok.text if next_tok else "",
                next_gap=next_gap,
                sentence_initial=_sentence_initial(text, tokens[i].start),
                title_case_line=fld.title_case(i),
                prev_cap_rare=prev_cap and _zipf(prev_tok.text.lower(), lang) < 3.0,
                next_cap_rare=next_cap and _zipf(next_tok.text.lower(), lang) < 3.0,
                prev_cap=prev_cap,
                next_cap=next_cap,
                neighbour_place=neighbour_place,
                rule_score=score,
                facts=facts[6],
                in_context=bool(countries) and not countries.isdisjoint(codes),
                has_context=bool(countries),
                stripped=stem_end != tokens[j].end or len(stem) != len(surface),
                repeats=repeats[surface],
            )
            rows.append((i, j, start, end, key, cands, cue, window_features(info)))
        return rows

    def _key_facts(self, key: str, cands: list[Candidate]) -> tuple:
        """What the model's features and the rules read of a key's candidates, memoised per key:
        ``(name flags, union of the flags, country codes of the first ten, the rules' most lenient
        threshold and its tier (:meth:`_lenient`), whether one of the first three is a country,
        region or continent, the model's facts of the name)``. The last is one tuple
        (:data:`geoapp.placefilter.NameFacts`: best tier of the first ten, features of the first
        three, largest population of the first ten, union of the flags, flags of the first, number
        of candidates and of their countries), built once per key, so that each window hands the
        model one value, not seven.

        ``cands`` is ``gazetteer.candidates(key)``, so the facts are the key's; the same names come
        back in article after article, and some keys have hundreds of candidates. The gazetteer is
        read-only once loaded, so the memo never goes stale; it is only bounded in size.
        """
        got = self._facts.get(key)
        if got is None:
            flags = self._name_flags(key)
            kinds: frozenset[str] = frozenset().union(*flags.values()) if flags else frozenset()
            best_tier = min(_tier(c) for c in cands[:10])
            features = tuple(c.feature for c in cands[:3])
            max_pop = max(c.population for c in cands[:10])
            top_flags = flags.get(cands[0].geonameid or -1, frozenset())
            n_cands, n_countries = len(cands), len({c.country_code for c in cands})
            got = (
                flags,
                kinds,
                frozenset(c.country_code for c in cands[:10]),
                *_lenient(cands, flags),
                any(c.feature in ("country", "region", "continent") for c in cands[:3]),
                (best_tier, features, max_pop, kinds, top_flags, n_cands, n_countries),
            )
            if len(self._facts) >= _MEMO_LIMIT:
                self._facts.clear()
            self._facts[key] = got
        return got

    def _name_flags(self, key: str) -> dict:
        """``gazetteer.name_flags(key)``, memoised per key (read-only for every caller)."""
        got = self._flags_memo.get(key)
        if got is None:
            got = self.gazetteer.name_flags(key)
            if len(self._flags_memo) >= _MEMO_LIMIT:
                self._flags_memo.clear()
            self._flags_memo[key] = got
        return got

    def _candidates(self, key: str) -> list[Candidate]:
        """``gazetteer.candidates(key)``, memoised per key, misses included: most windows probed
        are no name at all, and a name found once is looked up again in later articles. The list
        is shared between callers, which only read it."""
        got = self._cands.get(key)
        if got is None:
            got = self.gazetteer.candidates(key)
            if got and _CONJUNCTION.search(key):
                got = self._without_joined_aliases(key, got)
            if len(self._cands) >= _MEMO_LIMIT:
                self._cands.clear()
            self._cands[key] = got
        return got

    def _without_joined_aliases(self, key: str, cands: list[Candidate]) -> list[Candidate]:
        """``cands`` without the countries and regions that ``key``, two names joined by "and",
        names only as a loose alternate: "England and Wales" is an alternate name of the United
        Kingdom in GeoNames, but the text names two places (each found on its own). Real names
        with "and" ("Trinidad and Tobago", "Bosnia and Herzegovina") are main or English names."""
        flags = self._name_flags(key)
        return [
            c for c in cands
            if c.feature not in ("country", "region") or flags.get(c.geonameid or -1, frozenset()) - {"alt"}
        ]

    def _category_veto(
        self, surface: str, n_words: int, cue: str | None, key: str, cands, flags: dict
    ) -> bool:
        """:func:`_category_veto`, memoised per one-word surface and key (the only case that does
        any work): the rules and the model's rows ask it of every window, and news repeats its
        words."""
        if n_words != 1 or cue:
            return False
        got = self._vetoes.get((surface, key))
        if got is None:
            got = _category_veto(surface, 1, None, cands, flags)
            if len(self._vetoes) >= _MEMO_LIMIT:
                self._vetoes.clear()
            self._vetoes[(surface, key)] = got
        return got

    def _big_place(self, word: str) -> bool:
        """Whether ``word`` alone names a tier-1 place first (a capitalised neighbour that is itself
        a big place: "Paris Texas"), memoised per word for the same reason as :meth:`_key_facts`."""
        got = self._big.get(word)
        if got is None:
            near_cands = self.gazetteer.candidates(_key(word))
            got = bool(near_cands) and _tier(near_cands[0]) == 1
            if len(self._big) >= _MEMO_LIMIT:
                self._big.clear()
            self._big[word] = got
        return got

    def _learned_field(self, fld: _Field, countries: set[str]) -> list[PlaceCandidateSpan]:
        """The model's decision: all windows scored in one batch, then the longest accepted match at
        each start token, left to right (as the rule walk does)."""
        lang = fld.lang if fld.lang in LOCATIVE_WORDS else "en"
        rows = self._windows(fld, countries)
        probs = self.filter.probabilities(lang, [r[7] for r in rows])
        threshold = self.filter.threshold(lang)
        by_start = {r[0]: (r, p) for r, p in zip(rows, probs)}
        text, tokens = fld.text, fld.tokens
        out: list[PlaceCandidateSpan] = []
        crf = lang == "de" and self.ner is not None and self.ner.available("de") and self.de_mode != "filter"
        if crf:
            out = self._crf_field(fld, rows)
        else:
            self.tag_entities(fld, rows)  # persons and organisations for the actor stage
        taken = SpanIndex((sp.mention.start, sp.mention.end) for sp in out)
        by_flags = self._name_flags
        first_nl = text.find("\n")

        def headline(offset: int) -> bool:
            """The title field, or the first line of a text with more lines when that line is
            short enough to be a headline (a first paragraph of 600 characters is none)."""
            return fld.name == "title" or (0 < first_nl <= _HEADLINE_CHARS and offset < first_nl)

        nxt = 0
        for i, dotted, _ in self._probes(fld):
            if i < nxt:
                continue
            if dotted is not None:
                out.append(dotted[1])
                nxt = dotted[0] + 1
                continue
            got = by_start.get(i)
            if got is None:
                continue
            (_, j, start, end, key, cands, cue, feats), p = got
            # A region cue says "place" in so many words ("Lamar County", "Region Kursk"): the rules'
            # acceptance stands even where the gazetteer knows only a town of that name and the
            # mention is left for the online geocoder.
            cue_says_place = cue == "region" and "rule_accept" in feats
            curated = _curated_name(cands[0], by_flags(key), j - i + 1) or (
                # a one-word name of the curated table after a locative preposition ("an der Grenze
                # bei Panmunjom", "near Panmunjom": the German tagger reads it as an organisation)
                # or after a feature noun ("am Grenzfluss Evros", "the river Evros")
                is_curated(cands[0].geonameid)
                and i > 0
                and (
                    tokens[i - 1].text.lower() in LOCATIVE_WORDS[lang]
                    or feature_noun(tokens[i - 1].text, lang)
                )
            )
            if (p < threshold and not cue_says_place and not curated) or taken.overlaps(start, end):
                continue
            if crf and self.de_mode == "crf" and not (
                curated
                or _country_level(cands[0], by_flags(key))
                or (_tier(cands[0]) == 1 and "rule_accept" in feats and headline(start))
                or (cue is not None and "rule_accept" in feats)
                or (_tier(cands[0]) == 1 and "rule_accept" in feats and _genitive_beside_noun(fld, i, j, key))
                or (
                    _tier(cands[0]) == 1
                    and cands[0].feature == "city"
                    and "rule_accept" in feats
                    and _hyphenated_name(fld, i, j, key)
                )
            ):
                # German body text is the tagger's: trained on news sentences, it knows that the
                # "Dortmund" of a football club is an organisation. Three exceptions the model (and,
                # in headlines, the rules) must also accept: countries, continents and unions named
                # by their own names (GermEval calls the EU an organisation; this project calls it
                # a place), major places in headlines, which are not sentences ("Pjöngjangs
                # Entschlossenheit: …") and which the tagger never saw in training, and names a cue
                # noun calls a place in so many words ("Küstenstadt Wŏnsan", "Region Kursk").
                # The curated table's multi-word names ("Kerem Schalom", "Schwarzes Meer") are
                # places wherever they stand: the model and the tagger were trained before them.
                continue
            mention = Mention(start, end, text[start:end], "place", fld.name)
            out.append(PlaceCandidateSpan(mention, key, tuple(cands), cue, p, (f"model p={p:.2f}",),
                                          self._name_flags(key)))
            nxt = j + 1
            while nxt < len(tokens) and tokens[nxt].start < end:
                nxt += 1
        if crf:
            out += self._compound_places(fld, SpanIndex((sp.mention.start, sp.mention.end) for sp in out))
        if taken or crf:
            out.sort(key=lambda sp: sp.mention.start)
        return out

    def _compound_places(self, fld: _Field, taken: SpanIndex) -> list[PlaceCandidateSpan]:
        """The place before the hyphen of German compounds nobody else took: "des Syrien-Konflikts",
        "Karabach-Armeniern", "Ukraine-Krieg", "Nahost-Konflikt" (devnews, SmartData and MobIE mark
        the place part; GermEval calls the token LOCpart and does not count it). Only country-level
        names and the curated table's areas (:meth:`_compound_part`), so a city's district
        ("Köln-Wahn") or a club ("Bayern-Vorstand") is no such compound. The tagger's compounds
        are :meth:`_compound_head`'s. One pass over the capitalised tokens; a look-up only for those
        with a hyphen."""
        text, tokens = fld.text, fld.tokens
        out = []
        for i in fld.starts:
            word = tokens[i].text
            if "-" not in word:
                continue
            part = self._compound_part(word, fld.lang)
            if part is None:
                continue
            head, key, cands, flags = part
            start = tokens[i].start
            end = start + len(head)
            if taken.overlaps(start, end) or fld.skip_index.overlaps(start, end):
                continue
            mention = Mention(start, end, text[start:end], "place", fld.name)
            why = ("place part of a compound",)
            out.append(PlaceCandidateSpan(mention, key, tuple(cands), None, 1.0, why, flags))
        return out

    def _compound_part(self, word: str, lang: str) -> tuple[str, str, list, dict] | None:
        """The first part of a hyphenated German compound, with its key, candidates and name flags,
        when it names a place as news writes it:
        a country, continent or union by its own name (no abbreviation in capitals: police codes
        "POL-KN" and "US-Kinokassen" cost SmartData more than they gave in the places3 pass), or
        an area of the curated table ("Syrien", "Nahost", "Gaza",
        "Karabach"), and the rest one common noun ("Konflikts", "Krieg", "Armeniern": Zipf ≥ 3 in
        the language, case endings off), not a compass word ("Leipzig-Nord") or a second major
        place ("Niger-Kongo": two names joined)."""
        head, sep, rest = word.partition("-")
        if lang != "de" or not sep or len(head) < 3 or not head[:1].isupper() or not rest.isalpha():
            return None
        if not rest[:1].isupper() or head.isupper():
            return None
        low = rest.lower()
        if low in COMPASS_WORDS or _stem_word(low) in COMPASS_WORDS:
            return None
        stems = [stem for stem, _ in _stem_cuts(rest, lang)]
        if max(_zipf(stem.lower(), lang) for stem in stems) < 3.0:
            return None
        if any(self._big_place(stem) for stem in stems):
            return None  # two names: "Niger-Kongo", "Moskau-Wladiwostok"
        key = _key(head)
        cands = self._candidates(key)
        if not cands:
            return None
        flags = self._name_flags(key)
        first = cands[0]
        if not flags.get(first.geonameid or -1, frozenset()) & {"main", "en", "de"}:
            return None  # "Mac-Computern": an ISO code in title case is no name
        area = _country_level(first, flags) or (is_curated(first.geonameid) and first.feature == "region")
        return (head, key, cands, flags) if area else None

    def crf_sentences(
        self, fld: _Field, rows: list[tuple], named_only: bool = False
    ) -> Iterator[tuple[list[int], list[list[str]]]]:
        """Token indexes and CRF feature strings per sentence of the field (for training; tagging
        reads :meth:`crf_inputs` directly). A generator: one sentence's features at a time."""
        from .placefilter import crf_feature_lang, crf_token_features

        lang = crf_feature_lang(fld.lang)
        for s in self.crf_inputs(fld, rows, named_only):
            yield s.idx, crf_token_features(s.words, s.gaps, s.tags, lang)

    def crf_inputs(self, fld: _Field, rows: list[tuple], named_only: bool = False) -> Iterator[CrfInput]:
        """The sequence tagger's input per sentence of the field: token indexes, words, gaps and
        gazetteer tags (:class:`~geoapp.crfscore.CrfInput`).

        The gazetteer feature of a token says whether it lies inside a candidate window, where, of
        which tier, and whether the rules accepted the window ("B1a", "I3r", "O"). ``named_only``
        (English tagging) skips sentences without a capitalised word after their first: they
        hold no name, and their features are most of the tagger's cost.
        """
        from .crfscore import CrfInput

        text, tokens = fld.text, fld.tokens
        gaz = _gazetteer_tags(len(tokens), rows)
        starts, capitalised, words_of = fld.doc.starts, fld.starts, fld.doc.words
        # Every part below is a run of consecutive tokens, so its words, tags and gaps are slices
        # of field-wide lists: the gap before token m + 1 is text[ends[m] : starts[m + 1]].
        ends = list(map(itemgetter(1), tokens))
        named = _name_tokens(fld.doc.words) if named_only else []
        get = text.__getitem__
        k = 0
        for s_start, s_end in fld.doc.sentences:
            # the tokens starting in the sentence, by bisection (tokens are in text order)
            end = bisect_left(starts, s_end, k)
            first = bisect_left(starts, s_start, k, end)
            k = end
            if first == end:
                continue
            if named_only and not _capital_between(capitalised, first, end - 1):
                if _zipf(words_of[first].lower(), "en") >= 5.0:  # "The", "But", "He": no name can start here
                    continue
            for a, b in _name_runs(named, first, end) if named_only else ((first, end),):
                gaps = [text[s_start : starts[a]] if a == first else ""]
                gaps += map(get, map(slice, ends[a : b - 1], starts[a + 1 : b]))
                yield CrfInput(list(range(a, b)), list(words_of[a:b]), gaps, gaz[a:b])

    def tag_entities(self, fld: _Field, rows: list[tuple]) -> list[Entity]:
        """Run the language's sequence tagger over the field and record its entity spans (persons,
        organisations, places) on the document field; none when the language has no tagger."""
        if fld.doc is None:
            return []
        if self.ner is None or fld.doc.tagged or not self.ner.available(fld.lang):
            return fld.doc.entities
        named_only = fld.lang == "en"  # German capitalises every noun: no sentence can be skipped
        spans = self.ner.input_entities(fld.lang, fld.tokens, self.crf_inputs(fld, rows, named_only))
        fld.doc.entities = [Entity(s.start, s.end, s.label) for s in spans]
        fld.doc.tagged = True
        return fld.doc.entities

    def _crf_field(self, fld: _Field, rows: list[tuple]) -> list[PlaceCandidateSpan]:
        """Place spans the tagger tags, with gazetteer candidates where the name has any."""
        text = fld.text
        lang = fld.lang
        windows = {(r[0], r[1]): r for r in rows}
        windows_at = {(r[2], r[3]): r for r in rows}  # by characters: "Region Kursk" with its cue
        out = []
        for entity in self.tag_entities(fld, rows):
            if entity.label != "LOC":
                continue
            start, end = entity.start, entity.end
            if fld.skip_index.overlaps(start, end):
                continue
            i, j = fld.doc.token_at(start), fld.doc.token_at(end - 1)
            surface = text[start:end]
            key, cands = _key(surface), []
            window = windows.get((i, j)) or windows_at.get((start, end))
            cue = None
            if window is not None:  # the gazetteer was asked already: no second probe
                start, end, key, cands, cue = window[2], window[3], window[4], list(window[5]), window[6]
                surface = text[start:end]
            for stem, _ in () if window is not None else _stems(surface, end, lang):
                got = self.gazetteer.candidates(_key(stem))
                if got:
                    key, cands = _key(stem), got
                    break
            if not cands and _common_noun(surface, lang):
                continue  # "Erde", "Hauptstadt", "Flughafen": a word, not a name the gazetteer lacks
            if not cands:
                head = self._compound_head(surface, lang)
                if head is not None:  # "Tigray-Region", "Syrien-Konflikts": the place is the first part
                    key, cands = _key(head), self.gazetteer.candidates(_key(head))
                    end, surface = start + len(head), head
            mention = Mention(start, end, surface, "place", fld.name)
            out.append(PlaceCandidateSpan(mention, key, tuple(cands), cue, 1.0, ("CRF tagger",),
                                          self._name_flags(key) if cands else {}))
        return out

    def _compound_head(self, surface: str, lang: str) -> str | None:
        """The place before the hyphen of a German compound the gazetteer does not know as a whole
        ("Tigray-Region", "Syrien-Konflikts"): news and its annotators mark the place part only.
        The first part must name a country or region first, or the rest be a cue noun; a city's
        compound is mostly a district of its own ("Köln-Wahn", "Berlin-Mitte")."""
        head, sep, rest = surface.partition("-")
        if not sep or not head[:1].isupper() or len(head) < 3 or not rest.isalpha():
            return None
        low = rest.lower()
        if low in COMPASS_WORDS or _stem_word(low) in COMPASS_WORDS or _zipf(low, lang) < 3.0:
            return None
        cands = self.gazetteer.candidates(_key(head))
        if not cands:
            return None
        area = cands[0].feature in ("country", "region", "continent") or is_curated(cands[0].geonameid)
        return head if area or low in _CUE_WORDS else None

    # -- internals -------------------------------------------------------------------------------

    def _decide_field(self, fld: _Field, countries: set[str] | None) -> list[PlaceCandidateSpan]:
        """Walk the field's tokens left to right, taking the longest accepted match at each start."""
        lang = fld.lang if fld.lang in LOCATIVE_WORDS else "en"
        text, tokens = fld.text, fld.tokens
        out: list[PlaceCandidateSpan] = []
        n_tokens = len(tokens)
        nxt = 0  # the first token a new match may start at
        for i, dotted, match in self._probes(fld):
            if i < nxt:
                continue
            tok = tokens[i]
            if dotted is not None:
                out.append(dotted[1])
                nxt = dotted[0] + 1
                continue
            j, key, cands, stem_end, stem, (cue, span_start, span_end) = match
            start, end = tok.start, stem_end
            if fld.skip_index.overlaps(start, end):
                nxt = j + 1
                continue
            if span_start is not None:
                start = span_start
            if span_end is not None:
                end = span_end
            decision = self._decide(fld, i, j, key, stem, cands, cue, lang, countries)
            if decision is not None:
                score, evidence = decision
                mention = Mention(start, end, text[start:end], "place", fld.name)
                out.append(PlaceCandidateSpan(mention, key, tuple(cands), cue, score, evidence,
                                              self._name_flags(key)))
                nxt = j + 1
                if span_end is not None and span_end > tokens[j].end:
                    while nxt < n_tokens and tokens[nxt].start < span_end:
                        nxt += 1
        return out

    def _probes(self, fld: _Field) -> list[tuple]:
        """``(i, dotted, match)`` for every start token ``i`` of the field with a dotted
        abbreviation or a gazetteer match, in text order; computed once per field.

        Both passes over a field (with and without the article's countries) and the learned path
        ask the same questions of the gazetteer; only the decisions differ. Most start tokens are
        one capitalised word that starts no longer name: for those the answer is one look-up in
        the per-word memo (:meth:`_word_facts`), with no call per token.
        """
        got = fld.probes
        if got is not None:
            return got
        lang = fld.lang if fld.lang in LOCATIVE_WORDS else "en"
        text, tokens, words = fld.text, fld.tokens, fld.doc.words
        facts_of = self._words.get
        out = []
        for i in fld.starts:
            word = words[i]
            if len(word) == 1:
                dotted = self._dotted(fld, i)
                if dotted is not None:
                    out.append((i, dotted, None))
                    continue
            facts = facts_of((word, lang))
            if facts is None:
                facts = self._word_facts(word, lang)
            reach, single = facts
            match = self._longest_window(fld, i, reach, lang) if reach > 1 else None
            if match is None:
                if single is None:
                    continue
                key, cands, cut, stem = single
                match = (i, key, cands, tokens[i].end - cut, stem)
            out.append((i, None, (*match, self._cue(text, tokens, i, match[0], lang))))
        fld.probes = out
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
        key = _key(surface)
        by_place = self.gazetteer.abbr_surfaces(key)
        if not any(surface in forms for forms in by_place.values()):
            return None
        cands = [c for c in self.gazetteer.candidates(key) if surface in by_place.get(c.geonameid or -1, ())]
        if not cands:
            return None
        end = m.end()
        if fld.skip_index.overlaps(m.start(), end):
            return None
        j = i
        while j + 1 < len(tokens) and tokens[j + 1].start < end:
            j += 1
        longer = self._dotted_name(fld, m.start(), end, j)
        if longer is not None:
            j, end, key = longer
            cands = self._candidates(key)
        mention = Mention(m.start(), end, fld.text[m.start() : end], "place", fld.name)
        span = PlaceCandidateSpan(mention, key, tuple(cands), None, 3.0, ("dotted abbreviation",),
                                  self._name_flags(key))
        return j, span

    def _dotted_name(self, fld: _Field, start: int, end: int, j: int) -> tuple[int, int, str] | None:
        """The longest gazetteer name that a dotted abbreviation (``start``–``end``, last token
        ``j``) starts, over the capitalised words after it: "U.S. Virgin Islands" is a territory,
        not "U.S." before two more words. ``(last token, end, key)`` or None."""
        tokens, text = fld.tokens, fld.text
        best = None
        k, pos = j + 1, end
        while k < len(tokens) and k - j <= self.max_words and text[pos : tokens[k].start] == " ":
            if not tokens[k].text[:1].isupper():
                break
            pos = tokens[k].end
            key = _key(text[start:pos])
            if self._candidates(key):
                best = (k, pos, key)
            k += 1
        return best

    def _longest_window(self, fld: _Field, i: int, reach: int, lang: str):
        """The longest window of two to ``reach`` tokens starting at token ``i`` whose key (or its
        stem) is a gazetteer name: ``(j, key, candidates, end, stem)``, or None (the caller then
        takes the one-word window).

        A window grows past its first token only as far as a name starting with that word can
        reach (:meth:`Gazetteer.longest_name_from`): most capitalised words start no longer name,
        and probing five windows after each of them was most of the place stage's time. It must
        end on a token a name may end with: a capitalised one (the field's start tokens, found by
        bisection) or, in the few fields that hold one, a lower-case river of
        :data:`_LOWERCASE_NAME_ENDS`. So a sentence's "The" or "He" with no capitalised word
        within reach costs two bisections, no walk over the words after it.
        """
        text, tokens = fld.text, fld.tokens
        last = min(len(tokens), i + reach)
        if fld.lower_ends:
            ends = [j for j in range(i + 1, last) if _may_end_name(tokens[j].text)]
        else:
            k = bisect_right(fld.starts, i)
            ends = fld.starts[k : bisect_left(fld.starts, last, k)]
        if not ends:
            return None
        # The window extends only across plain spaces on one line (a single space is the usual
        # gap), up to the last possible end at most.
        j, top = i, ends[-1]
        while j < top:
            gap = text[tokens[j].end : tokens[j + 1].start]
            if gap != " " and not _JOINER.fullmatch(gap):
                break
            j += 1
        begin = tokens[i].start
        for e in reversed(ends):
            if e > j:
                continue
            end = tokens[e].end
            got = self._surface_match(text[begin:end], lang)
            if got is not None:
                key, cands, cut, stem = got
                return e, key, cands, end - cut, stem
        return None

    def _surface_match(self, surface: str, lang: str) -> tuple | None:
        """``(key, candidates, characters cut, stem)`` of the first stem of ``surface`` that names a
        place, or None; memoised per surface and language (bounded), because news repeats its
        names and the words after them."""
        memo_key = (surface, lang)
        got = self._surfaces.get(memo_key, _UNSEEN)
        if got is _UNSEEN:
            got = None
            for stem, cut in _stem_cuts(surface, lang):
                key = _key(stem)
                cands = self._candidates(key)
                if cands:
                    got = (key, cands, cut, stem)
                    break
            if len(self._surfaces) >= _MEMO_LIMIT:
                self._surfaces.clear()
            self._surfaces[memo_key] = got
        return got

    def _word_facts(self, word: str, lang: str) -> tuple[int, tuple | None]:
        """``(reach, single)`` of a start word, memoised per word and language: how many tokens a
        window starting with it may span (at most ``max_words``; the most words of a gazetteer
        name starting with its key's first word, also for the German adjective inflection the
        stems undo, "Vereinigten" as "Vereinigte Staaten"; ``max_words`` for gazetteers without
        :meth:`longest_name_from`), and its one-word window (:meth:`_surface_match`). Most
        windows are one capitalised word, and news repeats its words."""
        longest = getattr(self.gazetteer, "longest_name_from", None)
        if longest is None:
            head = self.max_words
        else:
            first = _key(word).split(" ", 1)[0]
            head = longest(first)
            if first.endswith("en"):
                head = max(head, longest(first[:-1]))
        got = (min(self.max_words, head), self._surface_match(word, lang))
        if len(self._words) >= _MEMO_LIMIT:
            self._words.clear()
        self._words[(word, lang)] = got
        return got

    def _cue(self, text, tokens, i, j, lang):
        """A cue noun right before (``Region Kursk``, ``Küstenstadt Wŏnsan``) or after (``Kursk Oblast``)."""
        if i > 0:
            prev = tokens[i - 1]
            word = prev.text.lower()
            gap = text[prev.end : tokens[i].start]
            # "Colorado State University", "Maryland State Police": a cue word inside a longer
            # English name is part of that name, not a cue for the word after it
            inside = (
                lang == "en"
                and i > 1
                and prev.text[:1].isupper()
                and tokens[i - 2].text[:1].isupper()
                and text[tokens[i - 2].end : prev.start] == " "
            )
            if gap.strip() == "" and not inside:
                if word in REGION_CUES_BEFORE:
                    # "Region Kursk" is the mention in German; in English "the region Kursk" is rare.
                    return "region", prev.start, None
                if word in CITY_CUES_BEFORE or word.endswith("stadt"):
                    return "city", None, None
        if j + 1 < len(tokens):
            nxt = tokens[j + 1]
            word = nxt.text.lower()
            if text[tokens[j].end : nxt.start].strip() == "" and word in REGION_CUES_AFTER:
                after = tokens[j + 2].text if j + 2 < len(tokens) else ""
                if after != "of":  # "the US state of Florida": the cue introduces the next name
                    return "region", None, nxt.end
        return None, None, None

    def _decide(self, fld: _Field, i, j, key, stem, cands, cue, lang, countries):
        """Is this match a place? Returns ``(score, evidence)`` or None.

        Everything but the article's countries is fixed per match, and each match is decided twice
        (the first rule pass, then with the countries found); so that part is memoised on the
        field by start token (see :meth:`_decide_base`) and only the country adjustment is redone.
        """
        base = self._base(fld, i, j, key, stem, cands, cue, lang)
        if base is None:
            return None
        fixed, threshold, best_tier, evidence, c, cue_or_locative, codes = base
        if fixed is not None:
            return fixed
        evidence = list(evidence)
        # The same float operations in the same order as one straight decision would do them.
        if countries and not countries.isdisjoint(codes):
            threshold += 0.7
            evidence.append("in a country the article names")
        elif countries and best_tier > 1:
            threshold -= 0.7  # a small foreign town in an article about elsewhere: likely a word
        if cue_or_locative:
            threshold += 1.0
        if c > threshold:
            return None
        score = threshold - c
        evidence.append(f"commonness {c:.1f} ≤ {threshold:.1f}")
        return score, tuple(evidence)

    def _rule_score(self, fld: _Field, i, j, key, stem, cands, cue, lang, countries) -> float | None:
        """The score of :meth:`_decide` alone, None when it rejects: the countries' reading and the
        model's features need no more, and building the evidence strings of every window twice
        cost more than the decision. The same float operations in the same order."""
        base = self._base(fld, i, j, key, stem, cands, cue, lang)
        if base is None:
            return None
        fixed, threshold, best_tier, _, c, cue_or_locative, codes = base
        if fixed is not None:
            return fixed[0]
        if countries and not countries.isdisjoint(codes):
            threshold += 0.7
        elif countries and best_tier > 1:
            threshold -= 0.7
        if cue_or_locative:
            threshold += 1.0
        return None if c > threshold else threshold - c

    def _base(self, fld: _Field, i, j, key, stem, cands, cue, lang) -> tuple | None:
        """:meth:`_decide_base` of the match at start token ``i``, memoised on the field."""
        base = fld.decisions.get(i, _UNSEEN)
        if base is _UNSEEN:
            base = self._decide_base(fld.text, fld.tokens, i, j, key, stem, cands, cue, lang, fld)
            fld.decisions[i] = base
        return base

    def _decide_base(
        self, text, tokens, i, j, key, stem, cands, cue, lang, fld: _Field
    ) -> tuple | None:
        """The part of :meth:`_decide` that does not depend on the article's countries.

        None when the match is rejected whatever the context (every such rejection in the
        decision is independent of the countries); else ``(fixed, threshold, best_tier,
        evidence, commonness, cue_or_locative, candidate country codes)``, where ``fixed`` is a
        finished ``(score, evidence)`` (abbreviations) or None.
        """
        surface = text[tokens[i].start : tokens[j].end]
        facts = self._key_facts(key, cands)
        flags, kinds = facts[:2]
        n_words = j - i + 1
        evidence: list[str] = []
        # Abbreviations are judged on the matched form: "EU’s" is the EU with a possessive.
        is_caps = stem.isupper() and len(stem) > 1
        prev_word = tokens[i - 1].text.lower() if i > 0 else ""
        locative = prev_word in LOCATIVE_WORDS[lang]
        if locative:
            evidence.append(f"after '{tokens[i - 1].text}'")
        if cue:
            evidence.append(f"cue: {cue}")

        if "abbr" in kinds and (is_caps or kinds <= {"abbr", "iso"}):
            forms = set().union(*self.gazetteer.abbr_surfaces(key).values()) if kinds else set()
            if stem not in forms:
                return None
            if len(stem) <= 2 and stem not in _SHORT_ABBREVIATIONS:
                return None
            if _neighbours_all_caps(tokens, i, j):
                return None
            return (3.0, tuple(evidence + ["abbreviation"])), 0.0, 0, (), 0.0, False, frozenset()

        if self._category_veto(surface, n_words, cue, key, cands, flags):
            return None

        threshold, best_tier = facts[3:5]  # the most lenient reading (:func:`_lenient`)

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
        if n_words == 1 and _zipf(word, lang) >= 6.0:
            return None  # function words and the like, whatever the gazetteer says
        if best_tier == 3 and not (cue or locative) and _zipf(word, lang) >= 3.0:
            return None  # a village named like a word ("Tornado", "Tower") needs a cue
        if best_tier > 1 or not facts[5]:  # not a big place, or no area among the first three
            neighbour = self._name_neighbour(text, tokens, i, j, lang, fld)
            if neighbour:
                return None  # part of a longer name: "Marina Silva", "Lincoln Memorial"
        return None, threshold, best_tier, tuple(evidence), c, bool(cue or locative), facts[2]

    def _name_neighbour(
        self, text: str, tokens: list[Tok], i: int, j: int, lang: str, fld: _Field
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
            if self._big_place(near.text):
                continue
            if lang == "en":
                if fld.title_case(i):
                    continue
                if _zipf(low, lang) >= 5.0:
                    continue  # "Paris On" is unlikely but "Ukraine Monday" style glue is common words
                return near.text
            if commonness(low, lang) < 1.0 and _zipf(low, lang) < 4.0:
                return near.text
        return None


#: The next capitalised word after a name, joined by one space or a hyphen ("Çiragan-Palast").
_NEXT_NAME_WORD = re.compile(r"[ \u00a0-]([A-ZÄÖÜ][\w]*)")
_FACILITY_BEFORE = re.compile(r"([A-ZÄÖÜ][\w]*)[ \u00a0-]$")


@lru_cache(maxsize=1)
def _facility_words() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per language, the facility head nouns after and before a place name (lower case), from
    ``data/words/facilities.yaml``."""
    data = load_words("facilities")
    return {
        lang: (
            frozenset(w.lower() for w in data.get(f"after_{lang}", ())),
            frozenset(w.lower() for w in data.get(f"before_{lang}", ())),
        )
        for lang in ("en", "de")
    }


def facility_part(text: str, start: int, end: int, lang: str) -> bool:
    """Whether the name at ``text[start:end]`` is only part of a facility's or landmark's name:
    followed, as one capitalised name, by a facility head noun ("the Lincoln Memorial",
    "Colchester Hospital", "Colorado State University") or preceded by one ("Camp Castor",
    "Hotel Adlon"). Looks at a bounded stretch on each side: constant work per mention."""
    after, before = _facility_words().get(lang) or _facility_words()["en"]
    pos = end
    for _ in range(3 if lang == "en" else 1):  # English: the head, or two capitalised words before it
        m = _NEXT_NAME_WORD.match(text, pos)
        if m is None:
            break
        if m.group(1).lower() in after:
            return True
        pos = m.end()
    m = _FACILITY_BEFORE.search(text, max(0, start - 30), start)
    return m is not None and m.group(1).lower() in before


#: A bracketed word right after a name: "(Oder)", "(Saale)", "(Main)" (one word: "Venezuela
#: (Bolivarian Republic of)" is a country's name and its long form, not one name).
_BRACKETED = re.compile(r" ?\(([A-ZÄÖÜ][\w.-]{1,30})\)")


def _without_facility_parts(fld: _Field, spans: list[PlaceCandidateSpan]) -> list[PlaceCandidateSpan]:
    """``spans`` without the names that are only part of a facility's name (:func:`facility_part`)."""
    lang = fld.lang if fld.lang in ("en", "de") else "en"
    text = fld.text
    return [sp for sp in spans if not facility_part(text, sp.mention.start, sp.mention.end, lang)]


#: What joins two names into one key ("england and wales", "trinidad and tobago", "bayern und
#: sachsen").
NAME_JOINERS = (" and ", " und ", " & ")
_CONJUNCTION = re.compile("|".join(re.escape(j) for j in NAME_JOINERS))

#: Above this length a name's repeats are counted in a bounded window around it, not in the whole
#: text: ``str.count`` per distinct name over a 10 MB article is quadratic in practice (tens of
#: thousands of names times ten million characters), and the feature only asks "more than once?".
_COUNT_WINDOW = 100_000


def _occurrences(text: str, surface: str) -> int:
    """How often ``surface`` occurs in the text (capped to a window of the text when it is long)."""
    if len(text) <= _COUNT_WINDOW:
        return text.count(surface)
    first = text.find(surface)
    return text.count(surface, max(0, first - _COUNT_WINDOW // 2), first + _COUNT_WINDOW // 2)


#: Lower-case tokens kept on each side of a capitalised one when an English sentence is cut into
#: the stretches that can hold a name: the tagger's features look two tokens each way.
_NAME_CONTEXT = 3


def _capital_between(capitalised: list[int], first: int, last: int) -> bool:
    """Whether a token after ``first`` and up to ``last`` is capitalised (``capitalised``: the
    sorted indexes of the field's capitalised tokens)."""
    k = bisect_right(capitalised, first)
    return k < len(capitalised) and capitalised[k] <= last


def _name_tokens(words: Sequence[str]) -> list[int]:
    """Indexes of the words that begin with a capital or a digit: where :func:`_name_runs` looks
    for names (in C, as :attr:`_Field.starts` is built)."""
    firsts = list(map(itemgetter(0), words))
    return list(compress(count(), map(or_, map(str.isupper, firsts), map(str.isdigit, firsts))))


def _name_runs(named: list[int], first: int, end: int) -> list[tuple[int, int]]:
    """The stretches ``(a, b)`` (token indexes, ``b`` exclusive) of the sentence of tokens
    ``first`` to ``end - 1`` around its capitalised words (``named``: the field's
    :func:`_name_tokens`), with :data:`_NAME_CONTEXT` tokens each side, cut where a longer run of
    lower-case words lies between: English names are capitalised, so a long lower-case run holds
    none, and tagging it costs most of the time. The whole sentence when it has no such word.
    The sentence's capitalised words come by bisection, not by a look at each token."""
    lo_k, hi_k = bisect_left(named, first), bisect_left(named, end)
    if lo_k == hi_k:
        return [(first, end)]
    caps = named[lo_k:hi_k]
    # Two capitalised words' context stretches touch or overlap (and merge) exactly when they lie
    # at most 2 * _NAME_CONTEXT + 1 tokens apart (clipping to the sentence never parts them), so
    # the stretches are cut at the wider steps between consecutive capitalised words, found in C.
    cuts = list(compress(count(1), map(gt, map(sub, caps[1:], caps), repeat(2 * _NAME_CONTEXT + 1))))
    heads = [caps[0], *[caps[c] for c in cuts]]
    tails = [*[caps[c - 1] for c in cuts], caps[-1]]
    return [(max(first, h - _NAME_CONTEXT), min(end, t + _NAME_CONTEXT + 1)) for h, t in zip(heads, tails)]


def _gazetteer_tags(n_tokens: int, rows: list[tuple]) -> list[str]:
    """The tagger's gazetteer tag per token (:meth:`PlaceExtractor.crf_inputs`): "O" outside every
    window; inside the first window (in start order) that covers it "B" or "I", the window's best
    tier and whether the rules accepted it ("B1a", "I3r").

    Rows come in the order of their start tokens, so a window's tokens not yet tagged are exactly
    those after the furthest end so far: each window is one or two slice assignments, with no
    per-token check. The tier is read from the window's "tier=N" feature (tiers are 1, 2, 3; "3"
    when the feature is absent) by three lookups, not a scan of the features' keys."""
    gaz = ["O"] * n_tokens
    covered = -1  # the furthest token any window so far covers
    for i, j, *_, feats in rows:
        if j <= covered:
            continue
        tier = "1" if "tier=1" in feats else "2" if "tier=2" in feats else "3"
        mark = tier + ("a" if "rule_accept" in feats else "r")
        if i > covered:
            gaz[i] = "B" + mark
            gaz[i + 1 : j + 1] = ["I" + mark] * (j - i)
        else:
            gaz[covered + 1 : j + 1] = ["I" + mark] * (j - covered)
        covered = j
    return gaz


def _country_level(c: Candidate, flags: dict) -> bool:
    """A continent, a country, a region of no single country (the EU), or a territory of the curated
    table (Krim, Nachitschewan, Westjordanland), by its own name or an abbreviation of it ("DVRK")."""
    own = flags.get(c.geonameid or -1, frozenset()) & {"main", "en", "de", "abbr"}
    supranational = c.feature == "region" and not c.country_code
    territory = c.feature == "region" and is_curated(c.geonameid)
    return bool(own) and (c.feature in ("continent", "country") or supranational or territory)


def _common_noun(surface: str, lang: str) -> bool:
    """A single word that is common in the article's language and far rarer elsewhere ("Erde",
    "Hauptstadt", "Flughafen"; Zipf ≥ :data:`_COMMON_NOUN_ZIPF`, commonness ≥
    :data:`_COMMON_NOUN_MARGIN`). The tagger takes such words for places now and then ("wieder bebt
    die Erde"); a name it finds that the gazetteer does not know is a street or a small place, and
    those are rare as words ("Burgstraße", "Wowtschansk"), whereas a big place named by a common
    word is in the gazetteer ("Essen"). Frequent names shared across languages ("Frankfurt") stay."""
    if not surface.isalpha() or surface.isupper():
        return False
    word = surface.lower()
    return _zipf(word, lang) >= _COMMON_NOUN_ZIPF and commonness(word, lang) >= _COMMON_NOUN_MARGIN


def _curated_name(c: Candidate, flags: dict, n_words: int) -> bool:
    """A name of two words or more of the curated feature table, by its English or German name or
    an alias ("Sea of Japan"; the one-word "Gazastreifen" is left to the model): seas, crossings
    and territories so named are places, not common words."""
    own = flags.get(c.geonameid, frozenset())
    return n_words > 1 and is_curated(c.geonameid) and bool(own & {"en", "de"})


def _category_veto(surface: str, n_words: int, cue: str | None, cands, flags: dict) -> bool:
    """Single words whose category says "not a place" whatever the context: compass words, the
    cue nouns themselves, and CLDR month, weekday and language names. These are categories, not
    something a model learns from a few hundred examples, so the learned decision obeys them too."""
    if n_words != 1 or cue:
        return False
    low = surface.lower()
    if low in COMPASS_WORDS or _stem_word(low) in COMPASS_WORDS:
        return True
    if low in _CUE_WORDS:
        return True  # "Region", "Stadt", "County" alone: the kind of place, not its name
    return surface in calendar_and_language_words() and not _tagged_area(cands, flags)


def _abbreviation_veto(gazetteer, key: str, surface: str, kinds: set[str] | frozenset[str]) -> bool:
    """An abbreviation-only key matched by anything but its exact form ("us" is not "US"), or a
    two-letter code outside the few that news uses ("IN", "AT" are words)."""
    if "abbr" not in kinds or not (surface.isupper() or kinds <= {"abbr", "iso"}):
        return False
    forms = set().union(*gazetteer.abbr_surfaces(key).values())
    return surface not in forms or (len(surface) <= 2 and surface not in _SHORT_ABBREVIATIONS)


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


def _lenient(cands: list[Candidate], flags: dict) -> tuple[float, int]:
    """The rules' most lenient reading among a key's leading candidates, ``(threshold, tier)``: a
    tagged name of a big place wins. Fixed per key, so :meth:`PlaceExtractor._key_facts` keeps it."""
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
    return threshold, best_tier


def _tier(c: Candidate) -> int:
    """1: countries, continents, first-level regions, capitals, big cities; 2: towns; 3: the rest.
    A second-level region (``ADM2``: a county, a province of the Philippines) counts by its
    population like a town: it is named far less often than a first-level one."""
    if c.feature_code == "ADM2":
        return 1 if c.population >= 100_000 else 2 if c.population >= 15_000 else 3
    if c.feature in ("country", "continent", "region") or c.feature_code == "PPLC" or c.population >= 100_000:
        return 1
    if c.population >= 15_000 or c.feature == "feature":
        return 2
    return 3


def _names_context(c: Candidate) -> bool:
    """Whether an accepted place says which country an article is about: a country or region, or a
    place of 100,000 or more."""
    return c.feature in ("country", "region") or c.population >= 100_000


def _genitive_beside_noun(fld: _Field, i: int, j: int, key: str) -> bool:
    """A major place's German genitive before a noun: "Kiews Bürgermeister", "Moskaus Truppen". The
    word is the name with its genitive "s" ("Kiews" → Kyiv) and a capitalised word follows it on
    the line (German capitalises its nouns); such a genitive names the place (GermEval and devnews
    mark it LOC), where the tagger, trained on few of them, often leaves it out. The genitive after
    a noun ("die Streitkräfte Kiews") is left to the tagger: the link stage reads a place before an
    office as qualifying it, not one after it, and took "Selenskyj sagt, die Streitkräfte Kiews …"
    for a statement in Kyiv. Constant work: the next token."""
    tokens, text = fld.tokens, fld.text
    word = tokens[j].text
    if i != j or not word.endswith("s") or len(word) < 5 or _key(word[:-1]) != key:
        return False
    nxt = tokens[j + 1] if j + 1 < len(tokens) else None
    return nxt is not None and text[tokens[j].end : nxt.start] == " " and nxt.text[:1].isupper()


def _hyphenated_name(fld: _Field, i: int, j: int, key: str) -> bool:
    """A name of two capitalised words written as one with a hyphen ("Addis-Abeba" for Addis
    Abeba), as German spelling has it: the gazetteer's key folds the hyphen to a space, so the
    name is found, but the tagger sees one unfamiliar word and often calls it an organisation
    (it tags "Addis Abeba" a place). The caller asks only for major cities the rules accept:
    regions spelled with a hyphen ("Baden-Württemberg", "Nordrhein-Westfalen") are the tagger's,
    which knows them, also inside organisations' names ("EnergieAgentur Nordrhein-Westfalen")."""
    word = fld.tokens[i].text
    first, sep, rest = word.partition("-")
    return i == j and bool(sep) and first[:1].isupper() and rest[:1].isupper() and " " in key


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    return start == 0 or before == "" or before[-1:] in ".!?:\"“„»–—("


#: Lower-case words a window of several words may still end with: the rivers of "Frankfurt (Oder)",
#: "Halle (Saale)" and "Frankfurt am Main", written in lower case.
_LOWERCASE_NAME_ENDS = frozenset({"oder", "saale", "main"})


def _may_end_name(word: str) -> bool:
    return word[:1].isupper() or word.lower() in _LOWERCASE_NAME_ENDS


def _lower_case_forms(words: frozenset[str]) -> frozenset[str]:
    """Every spelling of ``words`` in upper and lower case letters that does not start with a
    capital: the tokens that may end a name without being start tokens. Only ASCII letters fold to
    these words' letters (no other character's ``lower()`` gives one alone), so this is all."""
    return frozenset(
        form
        for word in words
        for form in map("".join, product(*((ch, ch.upper()) for ch in word)))
        if not form[:1].isupper()
    )


_LOWERCASE_END_FORMS = _lower_case_forms(_LOWERCASE_NAME_ENDS)


def _neighbours_all_caps(tokens: list[Tok], i: int, j: int) -> bool:
    """True inside an all-caps headline, where an abbreviation-shaped word proves nothing."""
    before = tokens[i - 1].text if i > 0 else ""
    after = tokens[j + 1].text if j + 1 < len(tokens) else ""
    return (len(before) > 2 and before.isupper()) and (len(after) > 2 and after.isupper())


@lru_cache(maxsize=200_000)
def _stem_cuts(surface: str, lang: str) -> tuple[tuple[str, int], ...]:
    """:func:`_stems` of ``surface`` as ``(stem, characters cut off the end)``, memoised: every
    window probed asks for them, and capitalised words recur from article to article. The keys
    are left to the caller, which folds only the stems it gets to (a key costs more than a stem)."""
    end = len(surface)
    return tuple((stem, end - stem_end) for stem, stem_end in _stems(surface, end, lang))


def _stems(surface: str, end: int, lang: str):
    """The surface itself, then inflection-stripped variants with where each one ends."""
    yield surface, end
    m = _POSSESSIVE.search(surface)
    if m and len(surface) - len(m.group()) >= 2:
        yield surface[: m.start()], end - len(m.group())
    if lang == "en" and "-" in surface:
        m = _EN_PLACE_SUFFIX.search(surface) or _EN_PLACE_PAIR.search(surface)
        if m and m.start() >= 2:
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
