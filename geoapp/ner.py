"""Named entities (persons, organisations, places) from the per-language CRF taggers.

Why: actors used to come only from a hand registry, so most people and organisations in a
conflict report went unseen, and a person named like a town ("Zhovkva", "Vladimir") could end up
on the map. A sequence tagger proposes every PER and ORG span; the registry then only names and
merges them.

Both languages share one machinery: the place extractor's token features
(:meth:`geoapp.places.PlaceExtractor.crf_sentences`, with gazetteer-window tags) feed a
python-crfsuite model per language. German uses the place tagger (``place_filter_de.crfsuite``,
which labels PER and ORG as well as LOC), English its own model (``ner_en.crfsuite``, built by
``scripts/train_ner.py``; see ``docs/ner.md``). A model file is opened once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .placefilter import CRF_PATH, DATA_DIR, entity_runs
from .text import Tok

NER_EN_PATH = DATA_DIR / "ner_en.crfsuite"
#: The model file per language; a language without one has no entity tagger.
MODEL_PATHS: dict[str, Path] = {"de": CRF_PATH, "en": NER_EN_PATH}
#: The labels a span can carry.
LABELS = ("PER", "ORG", "LOC")
_POSSESSIVE = re.compile(r"['’]s$")


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
        self._taggers: dict[str, object | None] = {}

    def available(self, lang: str) -> bool:
        """Whether ``lang`` has a model file."""
        if self._taggers.get(lang) is not None:  # opened, so its file was there: no stat per field
            return True
        path = self.paths.get(lang)
        return path is not None and path.exists()

    def _tagger(self, lang: str):
        if lang not in self._taggers:
            tagger = None
            if self.available(lang):
                import pycrfsuite

                tagger = pycrfsuite.Tagger()
                tagger.open(str(self.paths[lang]))
            self._taggers[lang] = tagger
        return self._taggers[lang]

    def tag(self, lang: str, feats: list[list[str]] | list[list[bytes]]) -> list[str]:
        """BIO labels for one sentence's token features, as strings or UTF-8 bytes (all "O"
        without a model)."""
        tagger = self._tagger(lang)
        if tagger is None or not feats:
            return ["O"] * len(feats)
        return tagger.tag(feats)

    def field_entities(
        self,
        lang: str,
        tokens: Sequence[Tok],
        sentences: Iterable[tuple[list[int], list[list[str]]]],
        labels: Iterable[str] = LABELS,
    ) -> list[EntitySpan]:
        """Entity spans of one field, from its CRF sentences (token indexes into ``tokens`` and
        features, as :meth:`~geoapp.places.PlaceExtractor.crf_sentences` returns them), in text order.

        A person named in full once is often named by surname alone later ("Garry Conille" …
        "Conille said"), where the tagger, reading one sentence at a time, has less to go on: a
        token that repeats the last word of a tagged multi-word person and lies in no other span
        is tagged as that person too."""
        wanted = frozenset(labels)
        out: list[EntitySpan] = []
        covered: set[int] = set()
        surnames: set[str] = set()
        for idx, feats in sentences:
            for a, b, kind in entity_runs(self.tag(lang, feats)):
                covered.update(idx[a : b + 1])
                if kind == "PER" and b > a:
                    surnames.add(_stem(tokens[idx[b]].text))
                if kind in wanted:
                    out.append(EntitySpan(tokens[idx[a]].start, tokens[idx[b]].end, kind))
        if surnames and "PER" in wanted:
            out += [EntitySpan(t.start, t.end, "PER") for k, t in enumerate(tokens)
                    if k not in covered and t.text[:1].isupper() and _stem(t.text) in surnames]
            out.sort()
        return out

    def text_entities(self, extractor, text: str, lang: str) -> list[EntitySpan]:
        """Entity spans of a plain text, with ``extractor`` (a
        :class:`~geoapp.places.PlaceExtractor`) computing the gazetteer-window features the way
        the models were trained. For callers that hold no tokenised field of their own."""
        from .places import _Field

        if not self.available(lang):
            return []
        fld = _Field(text, lang, "text", ())
        rows = extractor._windows(fld, extractor._context(fld))
        return self.field_entities(lang, fld.tokens, extractor.crf_sentences(fld, rows, encoded=True))


@lru_cache(maxsize=20_000)
def _stem(word: str) -> str:
    """A word without its English possessive ("Conille's" → "Conille"); memoised, as it is asked
    of every capitalised word of a field that names a person in full."""
    return _POSSESSIVE.sub("", word)
