"""Named entities (persons, organisations, places) from the per-language CRF taggers.

Why: actors used to come only from a hand registry, so most people and organisations in a
conflict report went unseen, and a person named like a town ("Zhovkva", "Vladimir") could end up
on the map. A sequence tagger proposes every PER and ORG span; the registry then only names and
merges them.

Both languages share one machinery: the place extractor's token features
(:meth:`geoapp.places.PlaceExtractor.crf_inputs`, with gazetteer-window tags) feed a
crfsuite model per language. German uses the place tagger (``place_filter_de.crfsuite``,
which labels PER and ORG as well as LOC), English its own model (``ner_en.crfsuite``, built by
``scripts/train_ner.py``; see ``docs/ner.md``). A model file is read once, on first use, and tagged
with crfsuite's arithmetic in numpy (:mod:`geoapp.crfmodel`, :mod:`geoapp.crfscore`): the same
labels, without a feature string per token. python-crfsuite trains the models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .placefilter import CRF_PATH, DATA_DIR, entity_runs
from .text import Tok

if TYPE_CHECKING:
    from .crfscore import CrfInput, CrfScorer

NER_EN_PATH = DATA_DIR / "ner_en.crfsuite"
#: The model file per language; a language without one has no entity tagger.
MODEL_PATHS: dict[str, Path] = {"de": CRF_PATH, "en": NER_EN_PATH}
#: The labels a span can carry.
LABELS = ("PER", "ORG", "LOC")
_POSSESSIVE = re.compile(r"['’]s$")
#: What :data:`_POSSESSIVE` strips from a word (``$`` also matches before a final newline, which no
#: token has).
_POSSESSIVES = ("'s", "’s")
_TEXT = itemgetter(2)  # a Tok's text


class EntitySpan(NamedTuple):
    """One entity: character offsets into the field's text (end exclusive) and its label."""

    start: int
    end: int
    label: str


class EntityTagger:
    """The CRF tagger per language, each model opened lazily and then kept.

    ``paths`` overrides :data:`MODEL_PATHS` (tests, experiments). A language with no model file
    (or a file that is absent) tags nothing, so callers need no special case for it.
    """

    def __init__(self, paths: dict[str, Path | str] | None = None) -> None:
        self.paths = {lang: Path(p) for lang, p in (paths or MODEL_PATHS).items()}
        self._taggers: dict[str, CrfScorer | None] = {}

    def available(self, lang: str) -> bool:
        """Whether ``lang`` has a model file."""
        if self._taggers.get(lang) is not None:  # opened, so its file was there: no stat per field
            return True
        path = self.paths.get(lang)
        return path is not None and path.exists()

    def _tagger(self, lang: str) -> CrfScorer | None:
        """The language's scorer, its model read on first use (None without a model file)."""
        if lang not in self._taggers:
            tagger = None
            if self.available(lang):
                from .crfmodel import CrfModel
                from .crfscore import CrfScorer
                from .placefilter import crf_feature_lang

                tagger = CrfScorer(CrfModel.read(self.paths[lang]), crf_feature_lang(lang))
            self._taggers[lang] = tagger
        return self._taggers[lang]

    def tag(self, lang: str, feats: list[list[str]]) -> list[str]:
        """BIO labels for one sentence's feature strings (all "O" without a model). For training
        and evaluation; the pipeline tags :meth:`tag_inputs`."""
        tagger = self._tagger(lang)
        if tagger is None or not feats:
            return ["O"] * len(feats)
        return tagger.model.tag(feats)

    def tag_inputs(self, lang: str, sentences: Sequence[CrfInput]) -> list[list[str]]:
        """BIO labels for each of a field's sentences (all "O" without a model), tagged together."""
        tagger = self._tagger(lang)
        if tagger is None:
            return [["O"] * len(s.words) for s in sentences]
        return tagger.tag(sentences)

    def field_entities(
        self,
        lang: str,
        tokens: Sequence[Tok],
        sentences: Iterable[tuple[list[int], list[list[str]]]],
        labels: Iterable[str] = LABELS,
    ) -> list[EntitySpan]:
        """Entity spans of one field, from its CRF sentences as token indexes into ``tokens`` and
        feature strings (:meth:`~geoapp.places.PlaceExtractor.crf_sentences`), in text order;
        see :func:`_field_spans`."""
        tagged = [(idx, self.tag(lang, feats)) for idx, feats in sentences]
        return _field_spans(tokens, tagged, labels)

    def input_entities(
        self, lang: str, tokens: Sequence[Tok], sentences: Iterable[CrfInput], labels: Iterable[str] = LABELS
    ) -> list[EntitySpan]:
        """Entity spans of one field from its tagger inputs
        (:meth:`~geoapp.places.PlaceExtractor.crf_inputs`), in text order; see :func:`_field_spans`."""
        sentences = list(sentences)
        tagged = zip((s.idx for s in sentences), self.tag_inputs(lang, sentences))
        return _field_spans(tokens, tagged, labels)

    def text_entities(self, extractor, text: str, lang: str) -> list[EntitySpan]:
        """Entity spans of a plain text, with ``extractor`` (a
        :class:`~geoapp.places.PlaceExtractor`) computing the gazetteer-window features the way
        the models were trained. For callers that hold no tokenised field of their own."""
        from .places import _Field

        if not self.available(lang):
            return []
        fld = _Field(text, lang, "text", ())
        rows = extractor._windows(fld, extractor._context(fld))
        return self.input_entities(lang, fld.tokens, extractor.crf_inputs(fld, rows))


def _field_spans(
    tokens: Sequence[Tok], tagged: Iterable[tuple[list[int], list[str]]], labels: Iterable[str]
) -> list[EntitySpan]:
    """Entity spans of one field from its sentences' token indexes and BIO labels, those of the
    kinds in ``labels``, in text order.

    A person named in full once is often named by surname alone later ("Garry Conille" …
    "Conille said"), where the tagger, reading one sentence at a time, has less to go on: a
    token that repeats the last word of a tagged multi-word person and lies in no other span
    is tagged as that person too."""
    wanted = frozenset(labels)
    out: list[EntitySpan] = []
    covered: set[int] = set()
    surnames: set[str] = set()
    for idx, tags in tagged:
        for a, b, kind in entity_runs(tags):
            covered.update(idx[a : b + 1])
            if kind == "PER" and b > a:
                surnames.add(_stem(tokens[idx[b]].text))
            if kind in wanted:
                out.append(EntitySpan(tokens[idx[a]].start, tokens[idx[b]].end, kind))
    if surnames and "PER" in wanted:
        # Which words name a surname is asked only of the words that can: a word whose stem is a
        # surname is the surname or the surname and a possessive, so one set intersection in C
        # leaves a handful of words to test, and the tokens are picked out by ``compress``: the
        # field's few hundred tokens and words need no Python step each.
        words = list(map(_TEXT, tokens))
        forms = surnames | {s + p for s in surnames for p in _POSSESSIVES}
        named = {w for w in forms.intersection(words) if w[:1].isupper() and _stem(w) in surnames}
        if named:
            hits = compress(range(len(words)), map(named.__contains__, words))
            out += [EntitySpan(tokens[k].start, tokens[k].end, "PER") for k in hits if k not in covered]
        out.sort()
    return out


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    """A word without its English possessive ("Conille's" → "Conille"); memoised, as it is asked
    of every capitalised word of a field that names a person in full."""
    return _POSSESSIVE.sub("", word)
