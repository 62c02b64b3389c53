"""The learned decision over candidate place spans, and a German sequence tagger.

Why a learned decision: the gazetteer proposes far more windows than are places (German capitalises
every noun; "Mehr", "Lage" and "Bergen" are towns somewhere), and the hand rules in
:mod:`geoapp.places` weigh a dozen signals with hand-set thresholds. A logistic regression over the
same signals, fitted on annotated news (see ``scripts/train_place_filter.py`` and ``docs/quality.md``),
weighs them from data instead. The rule decision itself is one of the features, so the model starts
from what the rules know and corrects them.

Why logistic regression scored in plain Python: a dozen to a few dozen windows per article, each with
~40 sparse features, cost a few microseconds as a dictionary dot product; a scikit-learn
``predict_proba`` call costs more in call overhead than that, per article. scikit-learn fits the
weights; the shipped model is a small JSON file of weights that loads in milliseconds.

Why a CRF for German: in German news a third of the places are not gazetteer windows at all (small
places, streets, multi-word names, inflections), so no filter over gazetteer windows can find them.
A linear-chain CRF (python-crfsuite) tagging LOC tokens with word shape, affixes, word frequency and
gazetteer-match features finds many of them; its spans are then resolved through the gazetteer.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import mul
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "place_filter.json"
CRF_PATH = DATA_DIR / "place_filter_de.crfsuite"

#: Words before a name that make it a place in German and English (prepositions).
LOCATIVES = {
    "de": frozenset({"in", "im", "nach", "aus", "bei", "von", "vor", "nahe", "nördlich", "südlich",
                     "östlich", "westlich", "zwischen", "über", "durch", "gegen", "um", "ab", "bis",
                     "ins", "vom", "zum", "zur", "am", "an", "auf"}),
    "en": frozenset({"in", "at", "from", "to", "near", "into", "across", "outside", "around", "between",
                     "toward", "towards", "through", "of", "via", "throughout", "inside"}),
}
#: Words before a name that make it part of a person's name or title ("Mr", "Präsident").
ARTICLES = {
    "de": frozenset({"der", "die", "das", "des", "dem", "den", "ein", "eine", "einer", "eines"}),
    "en": frozenset({"the", "a", "an"}),
}


@lru_cache(maxsize=200_000)
def zipf(word: str, lang: str) -> float:
    """wordfreq Zipf frequency (:func:`geoapp.wordfreqs.zipf_frequency`), cached (a new word costs
    ~20 µs)."""
    from geoapp.wordfreqs import zipf_frequency

    return zipf_frequency(word, lang)


def _bucket(x: float, edges: tuple[float, ...]) -> int:
    for k, e in enumerate(edges):
        if x < e:
            return k
    return len(edges)


_ZIPF_EDGES = (1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0)


def shape(word: str) -> str:
    """Collapsed character classes: "Berlin" → "Xx", "USA" → "X", "A7" → "Xd", "e.V." → "x.X."."""
    if word.isascii():
        # Most words of news: ASCII letters in one of three casings, or digits. For ASCII, upper,
        # alpha and digit are exactly A-Z, A-Za-z and 0-9, so these are the loop's answers, without
        # a Python step per character (a tagger's new words each ask once).
        if word.isalpha():
            if word.islower():
                return "x"
            if word.isupper():
                return "X"
            if word[0].isupper() and word[1:].islower():
                return "Xx"
        elif word.isdigit():
            return "d"
    out: list[str] = []
    for ch in word:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)[:6]


#: The gazetteer's facts about a window's name that its features read, fixed per gazetteer key
#: (:meth:`geoapp.places.PlaceExtractor._key_facts` keeps one per key): ``(best tier of the first
#: ten candidates, feature types of the first three, largest population of the first ten, union of
#: the name kinds over candidates, name kinds of the best-prior candidate, number of candidates,
#: number of their countries)``.
NameFacts = tuple[int, tuple[str, ...], int, frozenset[str], frozenset[str], int, int]


@dataclass(slots=True)
class WindowInfo:
    """What the extractor knows about one candidate window, handed to :func:`window_features`.

    A plain slotted record, not a frozen one: one is built per window of every article, and a
    frozen dataclass of this size costs four times as much to build. The gazetteer's facts come as
    the one per-key tuple the extractor keeps (:data:`NameFacts`), not field by field: fewer
    fields to fill per window, and one hashable value for :func:`_name_features`' cache key."""

    surface: str
    stem: str
    lang: str
    n_words: int
    cue: str | None
    prev_word: str
    prev_gap: str
    next_word: str
    next_gap: str
    sentence_initial: bool
    title_case_line: bool
    prev_cap_rare: bool  # capitalised neighbour that looks like a name (rare as a word)
    next_cap_rare: bool
    prev_cap: bool
    next_cap: bool
    neighbour_place: bool  # a neighbouring capitalised word is itself a big place
    rule_score: float | None  # the rule decision: None = rejected
    facts: NameFacts
    in_context: bool  # some candidate lies in a country the article names
    has_context: bool  # the article names any country at all
    stripped: bool  # matched on an inflection-stripped stem ("Russlands")
    repeats: int  # how often the surface occurs in the field


def window_features(w: WindowInfo) -> dict[str, float]:
    """Sparse features of one window; crossed with the language by the model's key prefix.

    The part that depends only on the matched name and its gazetteer facts is built once per
    name (:func:`_name_features`) and copied; the part that depends on the text around it is
    added here. The order of the keys is the model's order of addition (:meth:`PlaceFilter.probabilities`
    sums in it), so it is kept exactly.
    """
    zb, static, sent_key, loc_key = _name_features(
        w.surface, w.stem, w.lang, min(w.n_words, 3), w.stripped, w.facts
    )
    f = dict(static)
    if w.sentence_initial:
        f["sent_initial"] = 1.0
        f[sent_key] = 1.0
    if w.title_case_line:
        f["title_line"] = 1.0
    prev = w.prev_word.lower()
    loc = prev in LOCATIVES.get(w.lang, ())
    if loc:
        f["locative"] = 1.0
        f[loc_key] = 1.0
    prev_gap = w.prev_gap.strip()
    if prev_gap:
        f[f"prev_punct={prev_gap[-1:]}"] = 1.0
    elif loc or prev in ARTICLES.get(w.lang, ()):
        f[f"prev={prev}"] = 1.0  # a closed class: prepositions and articles
        if not loc:
            f["after_article"] = 1.0
    nxt = w.next_gap.strip()[:1]
    if nxt:
        f[f"next_punct={nxt}"] = 1.0
    if w.cue:
        f[f"cue={w.cue}"] = 1.0
    if w.prev_cap:
        f["prev_cap"] = 1.0
    if w.next_cap:
        f["next_cap"] = 1.0
    if w.prev_cap_rare:
        f["prev_cap_rare"] = 1.0
    if w.next_cap_rare:
        f["next_cap_rare"] = 1.0
    if w.prev_cap and w.next_cap:
        f["inside_cap_sequence"] = 1.0
    if w.neighbour_place:
        f["neighbour_place"] = 1.0
    if w.rule_score is None:
        f["rule_reject"] = 1.0
    else:
        f["rule_accept"] = 1.0
        f["rule_score"] = max(-2.0, min(6.0, w.rule_score)) / 6.0
    if w.has_context:
        f[_CONTEXT_KEYS[w.in_context, w.facts[0]]] = 1.0
    if w.repeats > 1:
        f["repeats"] = min(w.repeats, 5) / 5.0
    return f


#: The "context=in*tier=1" keys by (in context, tier): built once, not per window.
_CONTEXT_KEYS = {
    (inside, tier): f"context={'in' if inside else 'out'}*tier={tier}"
    for inside in (False, True)
    for tier in (1, 2, 3)
}


@lru_cache(maxsize=50_000)
def _name_features(
    surface: str, stem: str, lang: str, n_words: int, stripped: bool, facts: NameFacts
) -> tuple[int, dict[str, float], str, str]:
    """The features of :func:`window_features` that depend only on the matched name (its word
    frequencies, shape, length) and the gazetteer's facts about it, with its frequency bucket and
    the two keys :func:`window_features` crosses with the bucket ("sent_initial*zipf=3",
    "locative*zipf=3"). Cached per name: news names the same places in article after article.
    Callers copy the dict."""
    best_tier, features, max_pop, flags, top_flags, n_cands, n_countries = facts
    f: dict[str, float] = {"bias": 1.0}
    zb, own_key, other_key, own_value, common_value = _word_frequency_features(stem.lower(), lang)
    f[own_key] = 1.0
    f[other_key] = 1.0
    f["zipf_own"] = own_value
    f["common_vs_other"] = common_value
    f[f"nw={n_words}"] = 1.0
    shape_key, len_key = _surface_features(surface)
    f[shape_key] = 1.0
    f[len_key] = 1.0
    f[f"tier={best_tier}"] = 1.0
    f[f"tier={best_tier}*zipf={zb}"] = 1.0
    for k, feat in enumerate(features[:3]):
        f[f"feat{min(k, 1)}={feat}"] = 1.0
    f[f"pop={_bucket(math.log10(max_pop + 1), (3, 4, 5, 6, 7))}"] = 1.0
    for flag in flags:
        f[f"flag={flag}"] = 1.0
    for flag in top_flags:
        f[f"top_flag={flag}"] = 1.0
    tagged = bool(top_flags & {"main", "en", "de"})
    f[f"tagged={tagged}*tier={best_tier}"] = 1.0
    f[f"ncands={_bucket(n_cands, (2, 3, 6, 20))}"] = 1.0
    f[f"ncountries={_bucket(n_countries, (2, 3, 6))}"] = 1.0
    if stripped:
        f["stripped"] = 1.0
    return zb, f, f"sent_initial*zipf={zb}", f"locative*zipf={zb}"


@lru_cache(maxsize=100_000)
def _word_frequency_features(low: str, lang: str) -> tuple[int, str, str, float, float]:
    """The word-frequency part of :func:`window_features` for one lowercased stem:
    ``(own bucket, own-bucket key, other-bucket key, own zipf / 7, commonness feature)``.
    Cached per word because the same names recur in every article and each value costs three
    frequency lookups and two formatted keys."""
    own = zipf(low, lang)
    other = zipf(low, "de" if lang == "en" else "en")
    fr = zipf(low, "fr")
    zb = _bucket(own, _ZIPF_EDGES)
    return (
        zb,
        f"zipf_own={zb}",
        f"zipf_other={_bucket(other, _ZIPF_EDGES)}",
        own / 7.0,
        max(-3.0, min(3.0, own - max(other, fr))) / 3.0,
    )


@lru_cache(maxsize=100_000)
def _surface_features(surface: str) -> tuple[str, str]:
    """The shape and length keys of :func:`window_features` for one surface, cached per surface."""
    caps = surface.isupper() and len(surface) > 1
    return (
        f"shape={'caps' if caps else shape(surface.split()[0])}",
        f"len={_bucket(len(surface), (3, 4, 6, 9, 13))}",
    )


class PlaceFilter:
    """The shipped logistic-regression weights: ``probability(lang, features) -> p(place)``."""

    def __init__(self, weights: dict[str, dict[str, float]], thresholds: dict[str, float], meta: dict):
        self.weights = weights
        self.thresholds = thresholds
        self.meta = meta

    @classmethod
    def load(cls, path: str | Path | None = None) -> PlaceFilter | None:
        """The model file, or None when it is absent (the rules then decide alone)."""
        p = Path(path) if path is not None else MODEL_PATH
        if not p.exists():
            return None
        data = json.loads(p.read_text(encoding="utf-8"))
        return cls(data["weights"], data["thresholds"], data.get("meta", {}))

    def model_lang(self, lang: str) -> str:
        return lang if lang in self.weights else "en"

    def probabilities(self, lang: str, rows: Iterable[dict[str, float]]) -> list[float]:
        """One probability per feature row (a plain sparse dot product per row)."""
        w = self.weights[self.model_lang(lang)]
        get = w.get
        out = []
        for row in rows:
            # sum() over map() adds the same products in the same order as a generator, in C.
            z = sum(map(mul, map(get, row, repeat(0.0)), row.values()))
            out.append(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))
        return out

    def threshold(self, lang: str) -> float:
        return self.thresholds.get(self.model_lang(lang), 0.5)


# -- the German CRF ----------------------------------------------------------------------------


def crf_token_features(
    words: list[str], gaps: list[str], gaz_tags: list[str], lang: str = "de"
) -> list[list[str]]:
    """crfsuite feature strings per token of one sentence.

    ``gaps`` holds the text between token k-1 and k (punctuation is not a token);
    ``gaz_tags`` says whether the token is inside a gazetteer window and of which tier
    ("B1", "I2", "O").

    Per token, in this order (crfsuite adds the weights in the order given, so the order is kept
    exactly): the word's own features (:func:`_word_static`), its gazetteer tag, the tag with its
    frequency bucket, the last character of the gap before it, "first" at a sentence start, then
    for the neighbours at -2, -1, +1, +2 their word and shape, gazetteer tag, (at distance one)
    frequency and word classes (or a padding feature), and the first character of the gap after
    it. Every string that depends on one word or one tag alone is built once and reused: the
    neighbours' parts come from the neighbour's cached :func:`_word_static`.

    For training and tests: tagging uses the same strings as attribute ids
    (:class:`geoapp.crfscore.CrfScorer`), built from the same tables.
    """
    t = FEATURE_TABLES
    word_static = t.word_static
    n = len(words)
    static = [word_static(w, lang) for w in words]
    stripped = [g.strip() for g in gaps]
    pg, ng = t.pg, t.ng
    before = [pg.get(g[-1:]) or t.new_gap(pg, "pg=", g[-1:]) for g in stripped]
    after = [ng.get(g[:1]) or t.new_gap(ng, "ng=", g[:1]) for g in stripped]
    gm2, gm1, gp1, gp2 = t.gaz
    pad_m2, pad_m1, pad_p1, pad_p2 = t.pad
    first = t.first
    tag_features = t.tag_features
    new_tag, new_gaz = t.new_tag, t.new_gaz
    feats: list = []
    for k in range(n):
        st = static[k]
        f = list(st[3])
        tag = gaz_tags[k]
        f += tag_features.get((tag, st[2])) or new_tag(tag, st[2])
        f.append(before[k])
        if k == 0:
            f.append(first)
        else:
            g = stripped[k]
            if g and g[-1] in SENTENCE_END:
                f.append(first)
        # Neighbours at -2, -1, +1, +2: word and shape, gazetteer tag, then frequency (at
        # distance one) and word classes; written out slot by slot, as this runs for every token
        # the tagger sees and a loop over the slots costs more than the work in it.
        if k >= 2:
            head, tail = static[k - 2][4][0]
            tg = gaz_tags[k - 2]
            f += head
            f.append(gm2.get(tg) or new_gaz(0, tg))
            if tail:
                f += tail
        else:
            f.append(pad_m2)
        if k >= 1:
            head, tail = static[k - 1][4][1]
            tg = gaz_tags[k - 1]
            f += head
            f.append(gm1.get(tg) or new_gaz(1, tg))
            if tail:
                f += tail
        else:
            f.append(pad_m1)
        if k + 1 < n:
            head, tail = static[k + 1][4][2]
            tg = gaz_tags[k + 1]
            f += head
            f.append(gp1.get(tg) or new_gaz(2, tg))
            if tail:
                f += tail
        else:
            f.append(pad_p1)
        if k + 2 < n:
            head, tail = static[k + 2][4][3]
            tg = gaz_tags[k + 2]
            f += head
            f.append(gp2.get(tg) or new_gaz(3, tg))
            if tail:
                f += tail
        else:
            f.append(pad_p2)
        if k + 1 < n:
            f.append(after[k + 1])
        feats.append(f)
    return feats


#: The last character of the gap before a token that makes it a sentence's first ("first").
SENTENCE_END = ".!?:"
#: The neighbours' offsets, in the order of their features and of :class:`_FeatureTables` slots.
OFFSETS = (-2, -1, 1, 2)
#: Built feature strings by what they depend on: the neighbour's gazetteer tag per slot, a token's
#: (tag, frequency bucket), and a gap's last ("pg=") or first ("ng=") character. Small: a few
#: dozen tags, nine buckets, the punctuation that occurs; capped all the same.
_SMALL_CACHE = 10_000


class _FeatureTables:
    """The caches :func:`crf_token_features` builds its strings from (and
    :class:`geoapp.crfscore.CrfScorer` its attribute ids)."""

    def __init__(self) -> None:
        self.gaz: tuple[dict, ...] = ({}, {}, {}, {})
        self.tag_features: dict[tuple[str, str], tuple[str, str]] = {}
        self.pg: dict[str, str] = {}
        self.ng: dict[str, str] = {}
        self.pad = tuple(f"{d}w=<pad>" for d in OFFSETS)
        self.first = "first"
        self.word_static = _word_static

    def new_gaz(self, slot: int, tag: str) -> str:
        """The gazetteer-tag feature of the neighbour in ``slot`` (index into -2, -1, +1, +2)."""
        cache = self.gaz[slot]
        if len(cache) >= _SMALL_CACHE:
            cache.clear()
        out = cache[tag] = f"{OFFSETS[slot]}g=" + tag
        return out

    def new_tag(self, tag: str, zb: str) -> tuple[str, str]:
        """A token's own gazetteer tag, alone and with its frequency bucket."""
        cache = self.tag_features
        if len(cache) >= _SMALL_CACHE:
            cache.clear()
        out = cache[(tag, zb)] = ("g=" + tag, "g=" + tag + "|z=" + zb)
        return out

    def new_gap(self, cache: dict, prefix: str, char: str) -> str:
        """The feature of a gap's last ("pg=") or first ("ng=") character; "_" for none."""
        if len(cache) >= _SMALL_CACHE:
            cache.clear()
        out = cache[char] = prefix + (char or "_")
        return out


@lru_cache(maxsize=100_000)
def _word_static(
    word: str, lang: str
) -> tuple[str, str, str, tuple[str, ...], tuple[tuple[tuple[str, str], tuple[str, ...]], ...]]:
    """Lowercase form, shape, frequency bucket, the context-free features of one word, and the
    features it gives its neighbours at -2, -1, +1 and +2, each as (word and shape, then
    frequency at distance one and for English its word classes), cached: news repeats its words,
    and these strings are most of the tagger's feature cost in training (each word is a
    neighbour up to four times). One word's rows of :func:`word_feature_columns`, so the features
    are defined once for training and tagging alike."""
    buckets, own, near = word_feature_columns([word], lang)
    present = [col[0] for col in own if col[0] != NO_FEATURE]
    around = tuple(
        ((w[0], sh[0]), tuple(col[0] for col in tail if col[0] != NO_FEATURE)) for w, sh, *tail in near
    )
    return word.lower(), shape(word), _ZIPF_LABELS[buckets[0]], tuple(present), around


#: A string no model attribute is (crfsuite's keys hold no NUL): a feature a word does not have.
NO_FEATURE = "\0"
#: The frequency bucket of each number of :data:`_ZIPF_EDGES` at or below a Zipf value, as text.
_ZIPF_LABELS = tuple(str(k) for k in range(len(_ZIPF_EDGES) + 1))


def word_feature_columns(
    words: list[str], lang: str
) -> tuple[list[int], list[list[str]], list[list[list[str]]]]:
    """:func:`_word_static`'s strings for many words at once, laid out by column: the frequency
    buckets; the own features, one column per feature (hyphen and word-class columns only when
    some word has them, :data:`NO_FEATURE` for the words that do not); per neighbour slot (-2, -1,
    +1, +2) the word and shape columns, then the tail's (frequency at distance one, word classes),
    padded with :data:`NO_FEATURE` to one width for all slots.

    Why: :class:`geoapp.crfscore.CrfScorer` needs these strings only to look their ids up, for the
    dozens of new words of each article; a list comprehension per column costs a fraction of a
    call, four tuples and generator expressions per word. Read with a word's column entries in
    order and :data:`NO_FEATURE` skipped, a word's strings are :func:`_word_static`'s
    (``tests/test_crfscore.py`` compares)."""
    n = len(words)
    lws = [w.lower() for w in words]
    shs = list(map(shape, words))
    edges, labels = _ZIPF_EDGES, _ZIPF_LABELS
    buckets = [bisect_right(edges, zipf(lw, lang)) for lw in lws]  # = _bucket(zipf, edges)
    zbs = [labels[b] for b in buckets]
    own = [
        ["b"] * n,
        ["w=" + x for x in lws],
        ["s=" + x for x in shs],
        ["p3=" + x[:3] for x in lws],
        ["s3=" + x[-3:] for x in lws],
        ["s4=" + x[-4:] for x in lws],
        ["s2=" + x[-2:] for x in lws],
        ["z=" + x for x in zbs],
        ["z=" + z + "|s=" + x for z, x in zip(zbs, shs)],
    ]
    hyphens = [k for k, w in enumerate(words) if "-" in w]
    if hyphens:
        hy, first, last = [NO_FEATURE] * n, [NO_FEATURE] * n, [NO_FEATURE] * n
        for k in hyphens:
            lw = lws[k]
            hy[k], first[k], last[k] = "hy", "hy1=" + lw.split("-")[0], "hyl=" + lw.rsplit("-", 1)[-1][-4:]
        own += [hy, first, last]
    classes: list[tuple[str, ...]] = []
    if lang == "en" and not _EN_CLASS_WORDS.isdisjoint(lws):
        classes = [_english_classes(lw) if lw in _EN_CLASS_WORDS else () for lw in lws]
    n_classes = max(map(len, classes), default=0)

    def class_columns(prefix: str) -> list[list[str]]:
        return [[prefix + c[i] if i < len(c) else NO_FEATURE for c in classes] for i in range(n_classes)]

    own += class_columns("c=")
    pad = [NO_FEATURE] * n
    near = []
    for slot, d in enumerate(OFFSETS):
        p = str(d)
        tail = [[p + "z=" + x for x in zbs]] if slot in (1, 2) else []
        tail += class_columns(p + "c=")
        tail += [pad] * (1 + n_classes - len(tail))
        near.append([[p + "w=" + x for x in lws], [p + "s=" + x for x in shs], *tail])
    return buckets, own, near


def crf_feature_lang(lang: str) -> str:
    """The language whose word features a field in ``lang`` gets: German and English have their
    own frequencies (and English its word classes); any other language is featured as German."""
    return lang if lang in ("de", "en") else "de"


#: Number of zipf buckets a word's frequency falls in (``_word_static``'s third value, "0" … "8").
ZIPF_BUCKETS = len(_ZIPF_EDGES) + 1
FEATURE_TABLES = _FeatureTables()


#: English words that name a person's title or office: the capitalised words after them are a
#: name ("Foreign Secretary Boris Johnson", "Gen. Votel"). A closed class, written for this model;
#: the English corpora (tweets, Wikipedia) hold too few of them for the word features to generalise.
EN_TITLES = frozenset(
    "mr mrs ms miss dr prof sir dame lord lady president vice prime minister secretary chancellor "
    "senator sen rep congressman congresswoman governor gov mayor ambassador envoy commander general "
    "gen lieutenant lt colonel col major maj captain capt sergeant sgt admiral adm brigadier brig "
    "marshal spokesman spokeswoman spokesperson chairman chairwoman king queen prince princess sheikh "
    "emir pope ayatollah imam cardinal bishop rabbi judge justice premier leader chief".split()
)
#: English head words of organisations' names ("Rapid Support Forces", "Ministry of Defence").
EN_ORG_WORDS = frozenset(
    "party council ministry army forces force front group union agency committee movement brigade "
    "brigades militia organisation organization government department company corporation corp inc "
    "ltd bank university institute association federation league alliance coalition commission court "
    "parliament assembly congress senate mission fund foundation office service services police guard "
    "command network club authority board bureau administration cabinet navy".split()
)


#: The words that have an English word class: most words have none.
_EN_CLASS_WORDS = EN_TITLES | EN_ORG_WORDS


def _english_classes(lw: str) -> tuple[str, ...]:
    """Word classes of a lowercased English word (for :func:`_word_static`)."""
    return tuple(c for c, words in (("title", EN_TITLES), ("org", EN_ORG_WORDS)) if lw in words)


def bio_spans(tags: list[str], kind: str = "LOC") -> list[tuple[int, int]]:
    """Token index ranges ``(i, j)`` inclusive of B-/I- runs of ``kind`` (an I- without a B- of the
    same kind opens a span). The tagger also knows persons and organisations (``B-PER``,
    ``I-ORG``): they are what it tells places from, and never spans here."""
    return [(i, j) for i, j, k in entity_runs(tags) if k == kind]


def entity_runs(tags: list[str]) -> list[tuple[int, int, str]]:
    """Token index ranges ``(i, j, kind)`` inclusive of every B-/I- run, whatever its kind: a B-
    opens a run, an I- continues a run of its own kind and otherwise opens one, anything else
    (``O``) closes the open run."""
    out: list[tuple[int, int, str]] = []
    start, cur = None, ""
    for k, t in enumerate(tags):
        if t == "O":  # most tags: closes the open run, if any (the general case below, shortened)
            if start is not None:
                out.append((start, k - 1, cur))
                start, cur = None, ""
            continue
        prefix, kind = t[:2], t[2:]
        if prefix == "I-" and kind == cur and start is not None:
            continue
        if start is not None:
            out.append((start, k - 1, cur))
            start, cur = None, ""
        if prefix in ("B-", "I-"):
            start, cur = k, kind
    if start is not None:
        out.append((start, len(tags) - 1, cur))
    return out
