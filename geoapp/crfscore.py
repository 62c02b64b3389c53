"""The sequence taggers' state scores, from attribute ids cached per word.

Why: every feature of a token (:func:`geoapp.placefilter.crf_token_features`) depends on one word
(the token's own or a neighbour's at -2, -1, +1, +2), one gazetteer tag, one gap character or the
sentence start. Building ~25 strings per token and handing them to crfsuite, which looks each one
up in its string database again, was the largest single cost of a parse. Here each distinct word is
turned into its model attribute ids once (its own features, and what it gives each neighbour), the
small tables (tags, gaps, padding) likewise, and a whole field becomes one array of attribute ids
per token, scored and decoded by :mod:`geoapp.crfmodel` in a few dozen numpy calls.

Same labels as crfsuite, by construction: a token's ids are its feature strings' ids in
:func:`~geoapp.placefilter.crf_token_features`'s order, padded with the model's zero row (a feature
that is absent or unknown adds 0.0, which changes no sum), and the weights are added left to right
as crfsuite adds them (:func:`geoapp.crfmodel.state_scores`). ``tests/test_crfscore.py`` compares
with python-crfsuite on real sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, filterfalse, repeat
from typing import NamedTuple

import numpy as np

from .crfmodel import CrfModel, state_scores, viterbi_labels
from .placefilter import FEATURE_TABLES, OFFSETS, SENTENCE_END, ZIPF_BUCKETS, word_feature_columns

#: Distinct words kept per scorer before its tables start afresh (~300 bytes a word).
MAX_WORDS = 100_000
#: Distinct gaps between tokens kept likewise (mostly a space, ", ", ". ").
MAX_GAPS = 10_000


class CrfInput(NamedTuple):
    """One sentence to tag: token indexes into its field, words, the text before each word (the
    first one's only at a sentence start) and each token's gazetteer tag."""

    idx: list[int]
    words: list[str]
    gaps: list[str]
    tags: list[str]


class CrfScorer:
    """Tags sentences of one language with one model.

    Per word (a row of the word tables): the sum of the weights of its own features, which come
    first in a token's features (so the sum is the start of crfsuite's sum for the token); per
    neighbour slot the ids of what it gives a token at that distance, laid out as that token reads
    them: its word and shape, a cell for the neighbour's gazetteer tag (the zero id here; the tag is
    the token's, filled in per field), then its frequency and word classes, padded with the zero
    id to the table's width (``_near``); one plus its frequency bucket (the column of the tag
    table). Per gazetteer tag: the ids of the token's own tag, of the tag for each frequency bucket
    and of the neighbours' tag per slot. Per gap: its three ids (:meth:`_gap_rows`)."""

    def __init__(self, model: CrfModel, lang: str) -> None:
        self.model = model
        self.lang = lang
        t, ids = FEATURE_TABLES, model.attrs
        zero = model.zero
        self._pad = [ids.get(p, zero) for p in t.pad]
        self._first = ids.get(t.first, zero)
        self._gaps: dict[str, int] = {}  # gap → row of _gap_ids
        self._gap_ids = np.zeros((0, 3), dtype=np.intp)
        self._tags: dict[str, int] = {}
        #: row 0: the padding beyond a sentence's ends, whose tag adds nothing
        self._tag_ids = np.full((1, 1 + ZIPF_BUCKETS + len(OFFSETS)), zero, dtype=np.intp)
        self._reset_words()

    def _reset_words(self) -> None:
        """Empty word tables (at the start, and when :data:`MAX_WORDS` is reached). Row 0 is the
        padding beyond a sentence's ends: as a neighbour it gives the "<pad>" feature alone."""
        zero = self.model.zero
        self._rows: dict[str, int] = {}
        self._own = np.zeros((256, len(self.model.labels)))
        self._near = np.full((256, len(OFFSETS), _NEAR_HEAD + 1), zero, dtype=np.intp)
        self._near[0, :, 0] = self._pad
        self._bucket = np.zeros(256, dtype=np.intp)

    def tag(self, sentences: Sequence[CrfInput]) -> list[list[str]]:
        """The labels of each sentence, as crfsuite would tag its
        :func:`~geoapp.placefilter.crf_token_features` (none for a sentence without words)."""
        full = [s for s in sentences if s.words]
        if len(full) < len(sentences):
            tagged = iter(self.tag(full))
            return [next(tagged) if s.words else [] for s in sentences]
        if not sentences:
            return []
        lengths = [len(s.words) for s in sentences]
        own, ids = self.attribute_ids(sentences)
        ids = ids[:, (ids != self.model.zero).any(axis=0)]  # columns of padding alone add nothing
        path = viterbi_labels(state_scores(self.model.state, ids, own), lengths, self.model.trans)
        flat = list(map(self.model.labels.__getitem__, path))
        out, k = [], 0
        for n in lengths:
            out.append(flat[k : k + n])
            k += n
        return out

    def attribute_ids(self, sentences: Sequence[CrfInput]) -> tuple[np.ndarray, np.ndarray]:
        """Per token of all ``sentences``: the sum of its own word's weights, and a row of the
        attribute ids of its other features in the order of
        :func:`~geoapp.placefilter.crf_token_features`, padded with the zero id.

        The neighbours' parts come from one gather of the ``_near`` table for all four slots,
        their tags written into it, and the row is filled a block at a time: a numpy call costs
        more than its work at a field's few hundred tokens, so their number is what counts."""
        words = list(chain.from_iterable(s.words for s in sentences))
        rows = self._word_rows(words)
        tags = self._tag_rows(list(chain.from_iterable(s.tags for s in sentences)))
        gaps = self._gap_rows(list(chain.from_iterable(s.gaps for s in sentences)))
        n = len(words)
        lengths = np.fromiter(map(len, (s.words for s in sentences)), np.intp, len(sentences))
        ends = np.cumsum(lengths)
        # the field laid out with two padding tokens (row 0) before and after each sentence, so
        # that every neighbour of token k is at a fixed offset from its place ``at[k]``
        at = np.arange(n) + 4 * np.repeat(np.arange(len(lengths)), lengths) + 2
        padded_rows = np.zeros(n + 4 * len(lengths), dtype=np.intp)
        padded_rows[at] = rows
        padded_tags = np.zeros_like(padded_rows)
        padded_tags[at] = tags
        near_at = at[:, None] + _OFFSETS
        # [token, slot, column], by flat indexes: ``take`` costs half a two-array fancy index
        table, tag_ids = self._near, self._tag_ids
        slot_rows = padded_rows[near_at] * len(OFFSETS) + _SLOTS
        near = np.take(table.reshape(-1, table.shape[2]), slot_rows, axis=0)
        tag_cells = padded_tags[near_at] * tag_ids.shape[1] + _NEAR_TAG_COLUMNS
        near[:, :, _NEAR_HEAD - 1] = np.take(tag_ids, tag_cells)  # both tables are C-contiguous
        ids = np.empty((n, 5 + near.shape[1] * near.shape[2]), dtype=np.intp)
        ids[:, 0] = self._tag_ids[tags, 0]
        ids[:, 1] = self._tag_ids[tags, self._bucket[rows]]
        ids[:, 2:4] = gaps[:, :2]
        ids[ends - lengths, 3] = self._first
        ids[:, 4:-1] = near.reshape(n, -1)
        ids[:-1, -1] = gaps[1:, 2]  # the gap after a token is the next one's
        ids[ends - 1, -1] = self.model.zero  # a sentence's last token: none
        return self._own[rows], ids

    def _word_rows(self, words: list[str]) -> np.ndarray:
        """Each word's row in the word tables, adding the words not seen before."""
        rows = self._rows
        new = list(filterfalse(rows.__contains__, set(words)))
        if new:
            if len(rows) + len(new) > MAX_WORDS:
                self._reset_words()
                rows = self._rows
                new = list(set(words))
            self._add_words(new)
        return np.fromiter(map(rows.__getitem__, words), np.intp, len(words))

    def _add_words(self, words: list[str]) -> None:
        """The attribute ids of new words, written into the word tables in one go per table.

        The strings come column by column (:func:`~geoapp.placefilter.word_feature_columns`), and
        all of them are looked up in one ``map`` in C: most words of a fresh article are new, and
        a look-up per part and word cost more than building the strings. The tables keep what
        tagging needs; the strings of every word seen need not stay alive."""
        zero = self.model.zero
        buckets, own, near = word_feature_columns(words, self.lang)
        n = len(words)
        width = len(near[0])  # columns per slot: head, tail (the tag cell is added below)
        flat = list(chain(chain.from_iterable(own), *map(chain.from_iterable, near)))
        ids = np.fromiter(map(self.model.attrs.get, flat, repeat(zero)), np.intp, len(flat))
        own_ids = ids[: len(own) * n].reshape(len(own), n)
        own_ids = own_ids[(own_ids != zero).any(axis=1)]  # features no new word has add nothing
        near_ids = ids[len(own) * n :].reshape(len(OFFSETS), width, n).transpose(2, 0, 1)
        start = len(self._rows) + 1  # after the padding row
        end = start + n
        self._grow(end, width + 1)
        self._own[start:end] = state_scores(self.model.state, own_ids.T)
        block = self._near[start:end]
        block[:, :, : _NEAR_HEAD - 1] = near_ids[:, :, : _NEAR_HEAD - 1]
        block[:, :, _NEAR_HEAD:] = zero
        block[:, :, _NEAR_HEAD : width + 1] = near_ids[:, :, _NEAR_HEAD - 1 :]
        self._bucket[start:end] = buckets
        self._bucket[start:end] += 1  # the tag table's column for the bucket
        self._rows.update(zip(words, range(start, end)))

    def _grow(self, rows: int, width: int) -> None:
        """Room for ``rows`` words and for ``width`` ids per neighbour slot (new cells: zero id)."""
        zero = self.model.zero
        cap = len(self._bucket)
        if rows > cap:
            cap = max(rows, 2 * cap)
            self._bucket = np.resize(self._bucket, cap)
        self._own = _widened(self._own, (cap, self._own.shape[1]), 0.0)
        self._near = _widened(self._near, (cap, len(OFFSETS), max(width, self._near.shape[2])), zero)

    def _tag_rows(self, tags: list[str]) -> np.ndarray:
        """Each gazetteer tag's row in the tag table: the ids of "g=tag", then "g=tag|z=b" for
        each frequency bucket b, then "{offset}g=tag" for each neighbour slot."""
        known = self._tags
        new = list(filterfalse(known.__contains__, set(tags)))
        if new:
            t, ids = FEATURE_TABLES, self.model.ids
            rows = []
            for tag in new:
                pairs = [t.new_tag(tag, str(b)) for b in range(ZIPF_BUCKETS)]
                rows.append(ids([pairs[0][0], *(p[1] for p in pairs),
                                 *(t.new_gaz(slot, tag) for slot in range(len(OFFSETS)))]))
                known[tag] = len(known) + 1  # after the padding row
            self._tag_ids = np.concatenate([self._tag_ids, np.array(rows, dtype=np.intp)])
        return np.fromiter(map(known.__getitem__, tags), np.intp, len(tags))

    def _gap_rows(self, gaps: list[str]) -> np.ndarray:
        """Per gap (the text before a token): the ids of "pg=" (its last character but spaces),
        of "first" (the zero id unless that character ends a sentence) and of "ng=" (its first
        character but spaces, the feature of the token before it). Kept as rows of a table, read
        with one gather: a field's gaps are a few distinct strings."""
        known = self._gaps
        new = list(filterfalse(known.__contains__, set(gaps)))
        if len(known) + len(new) > MAX_GAPS:
            known.clear()
            self._gap_ids = self._gap_ids[:0]
            new = list(set(gaps))
        if new:
            t, ids = FEATURE_TABLES, self.model.ids
            rows = []
            for gap in new:
                g = gap.strip()
                first = self._first if g and g[-1] in SENTENCE_END else self.model.zero
                pg, ng = ids([t.new_gap(t.pg, "pg=", g[-1:]), t.new_gap(t.ng, "ng=", g[:1])])
                known[gap] = len(known)
                rows.append((pg, first, ng))
            self._gap_ids = np.concatenate([self._gap_ids, np.array(rows, dtype=np.intp)])
        return self._gap_ids[np.fromiter(map(known.__getitem__, gaps), np.intp, len(gaps))]


#: Columns of a ``_near`` row before its tail: the neighbour's word and shape, then its tag's cell.
_NEAR_HEAD = 3
_OFFSETS = np.array(OFFSETS, dtype=np.intp)
_SLOTS = np.arange(len(OFFSETS))
#: The tag table's column of each slot's neighbour tag.
_NEAR_TAG_COLUMNS = 1 + ZIPF_BUCKETS + _SLOTS


def _widened(a: np.ndarray, shape: tuple[int, ...], fill: float) -> np.ndarray:
    """``a`` in an array of ``shape`` (no smaller in any axis), new cells ``fill``; ``a`` itself
    when the shape is the same."""
    if a.shape == shape:
        return a
    out = np.full(shape, fill, dtype=a.dtype)
    out[tuple(slice(0, k) for k in a.shape)] = a
    return out
