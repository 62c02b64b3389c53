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
from typing import NamedTuple

import numpy as np

from .crfmodel import CrfModel, state_scores, viterbi
from .placefilter import FEATURE_TABLES, OFFSETS, SENTENCE_END, ZIPF_BUCKETS, _word_static

#: Distinct words kept per scorer before its tables start afresh (~300 bytes a word).
MAX_WORDS = 100_000


class CrfInput(NamedTuple):
    """One sentence to tag: token indexes into its field, words, the text before each word (the
    first one's only at a sentence start) and each token's gazetteer tag."""

    idx: list[int]
    words: list[str]
    gaps: list[str]
    tags: list[str]


class CrfScorer:
    """Tags sentences of one language with one model.

    Per word (a row of the word tables): its own attribute ids, and per neighbour slot the ids of
    its word and shape (``head``) and of its frequency and word classes (``tail``), each padded
    with the zero id to the table's width; its frequency bucket. Per gazetteer tag: the ids of the
    token's own tag for each frequency bucket and of the neighbours' tag per slot."""

    def __init__(self, model: CrfModel, lang: str) -> None:
        self.model = model
        self.lang = lang
        t, ids = FEATURE_TABLES, model.attrs
        zero = model.zero
        self._pad = [ids.get(p, zero) for p in t.pad]
        self._first = ids.get(t.first, zero)
        self._gap_before: dict[str, tuple[int, int]] = {}  # last character -> ("pg=", "first" or 0)
        self._gap_after: dict[str, int] = {}  # first character -> "ng=" id
        self._tags: dict[str, int] = {}
        self._tag_ids = np.zeros((0, 1 + ZIPF_BUCKETS + len(OFFSETS)), dtype=np.intp)
        self._reset_words()

    def _reset_words(self) -> None:
        """Empty word tables (at the start, and when :data:`MAX_WORDS` is reached)."""
        zero = self.model.zero
        self._rows: dict[str, int] = {}
        self._own = np.full((256, 1), zero, dtype=np.intp)
        self._head = np.full((256, len(OFFSETS), 2), zero, dtype=np.intp)
        self._tail = np.full((256, len(OFFSETS), 1), zero, dtype=np.intp)
        self._bucket = np.zeros(256, dtype=np.intp)

    def tag(self, sentences: Sequence[CrfInput]) -> list[list[str]]:
        """The labels of each sentence, as crfsuite would tag its
        :func:`~geoapp.placefilter.crf_token_features`."""
        if not sentences:
            return []
        lengths = [len(s.words) for s in sentences]
        scores = state_scores(self.model.state, self.attribute_ids(sentences))
        cuts = np.cumsum(lengths)[:-1]
        labels = self.model.labels
        return [[labels[y] for y in path.tolist()]
                for path in viterbi(np.split(scores, cuts), self.model.trans)]

    def attribute_ids(self, sentences: Sequence[CrfInput]) -> np.ndarray:
        """One row of attribute ids per token of all ``sentences``, in the order of
        :func:`~geoapp.placefilter.crf_token_features`, padded with the zero id."""
        words = [w for s in sentences for w in s.words]
        rows = self._word_rows(words)
        tags = self._tag_rows([t for s in sentences for t in s.tags])
        gaps = [g.strip() for s in sentences for g in s.gaps]
        before = self._gap_before_ids([g[-1:] for g in gaps])
        after = self._gap_after_ids([g[:1] for g in gaps])
        n = len(words)
        lengths = np.array([len(s.words) for s in sentences])
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        pos = np.arange(n) - starts  # position in the sentence
        left = np.repeat(lengths, lengths) - 1 - pos  # tokens after it in the sentence
        tag_ids = self._tag_ids[tags]
        first = np.where(pos == 0, self._first, before[:, 1])
        blocks = [self._own[rows], tag_ids[:, :1], np.take_along_axis(
            tag_ids, (1 + self._bucket[rows])[:, None], axis=1), before[:, :1], first[:, None]]
        for slot, d in enumerate(OFFSETS):
            nb = np.clip(np.arange(n) + d, 0, max(n - 1, 0))
            nrows = rows[nb]
            block = np.concatenate([self._head[nrows, slot],
                                    tag_ids[nb, 1 + ZIPF_BUCKETS + slot][:, None],
                                    self._tail[nrows, slot]], axis=1)
            outside = pos < -d if d < 0 else left < d
            block[outside] = self.model.zero
            block[outside, 0] = self._pad[slot]
            blocks.append(block)
        nxt = np.clip(np.arange(1, n + 1), 0, max(n - 1, 0))
        blocks.append(np.where(left >= 1, after[nxt], self.model.zero)[:, None])
        return np.concatenate(blocks, axis=1)

    def _word_rows(self, words: list[str]) -> np.ndarray:
        """Each word's row in the word tables, adding the words not seen before."""
        rows = self._rows
        new = [w for w in dict.fromkeys(words) if w not in rows]
        if new:
            if len(rows) + len(new) > MAX_WORDS:
                self._reset_words()
                rows = self._rows
                new = list(dict.fromkeys(words))
            self._add_words(new)
        return np.array([rows[w] for w in words], dtype=np.intp)

    def _add_words(self, words: list[str]) -> None:
        """The attribute ids of new words, written into the word tables in one go per table."""
        ids, lang = self.model.ids, self.lang
        statics = [_word_static(w, lang) for w in words]
        own = [ids(st[3]) for st in statics]
        head = [[ids(h) for h, _ in st[4]] for st in statics]
        tail = [[ids(t) for _, t in st[4]] for st in statics]
        start = len(self._rows)
        end = start + len(words)
        self._grow(end, max(map(len, own)), max(len(t) for slots in tail for t in slots))
        zero = self.model.zero
        width_own, width_tail = self._own.shape[1], self._tail.shape[2]
        self._own[start:end] = [r + [zero] * (width_own - len(r)) for r in own]
        self._head[start:end] = head
        self._tail[start:end] = [[t + [zero] * (width_tail - len(t)) for t in slots] for slots in tail]
        self._bucket[start:end] = [int(st[2]) for st in statics]
        self._rows.update(zip(words, range(start, end)))

    def _grow(self, rows: int, width_own: int, width_tail: int) -> None:
        """Room for ``rows`` words and for id lists of the given widths (new cells: zero id)."""
        zero = self.model.zero
        cap = len(self._bucket)
        if rows > cap:
            cap = max(rows, 2 * cap)
            self._bucket = np.resize(self._bucket, cap)
        self._own = _widened(self._own, (cap, max(width_own, self._own.shape[1])), zero)
        self._head = _widened(self._head, (cap, len(OFFSETS), 2), zero)
        self._tail = _widened(self._tail, (cap, len(OFFSETS), max(width_tail, self._tail.shape[2])), zero)

    def _tag_rows(self, tags: list[str]) -> np.ndarray:
        """Each gazetteer tag's row in the tag table: the ids of "g=tag", then "g=tag|z=b" for
        each frequency bucket b, then "{offset}g=tag" for each neighbour slot."""
        known = self._tags
        new = [t for t in dict.fromkeys(tags) if t not in known]
        if new:
            t, ids = FEATURE_TABLES, self.model.ids
            rows = []
            for tag in new:
                pairs = [t.new_tag(tag, str(b)) for b in range(ZIPF_BUCKETS)]
                rows.append(ids([pairs[0][0], *(p[1] for p in pairs),
                                 *(t.new_gaz(slot, tag) for slot in range(len(OFFSETS)))]))
                known[tag] = len(known)
            self._tag_ids = np.concatenate([self._tag_ids, np.array(rows, dtype=np.intp)])
        return np.array([known[t] for t in tags], dtype=np.intp)

    def _gap_before_ids(self, chars: list[str]) -> np.ndarray:
        """Per gap's last character: the ids of "pg=" and of "first" (zero id unless it ends a
        sentence)."""
        known = self._gap_before
        for c in set(chars).difference(known):
            t = FEATURE_TABLES
            first = self._first if c and c in SENTENCE_END else self.model.zero
            known[c] = (self.model.ids([t.new_gap(t.pg, "pg=", c)])[0], first)
        return np.array([known[c] for c in chars], dtype=np.intp).reshape(len(chars), 2)

    def _gap_after_ids(self, chars: list[str]) -> np.ndarray:
        """Per gap's first character: the id of "ng="."""
        known = self._gap_after
        for c in set(chars).difference(known):
            t = FEATURE_TABLES
            known[c] = self.model.ids([t.new_gap(t.ng, "ng=", c)])[0]
        return np.array([known[c] for c in chars], dtype=np.intp)


def _widened(a: np.ndarray, shape: tuple[int, ...], fill: int) -> np.ndarray:
    """``a`` in an array of ``shape`` (no smaller in any axis), new cells ``fill``; ``a`` itself
    when the shape is the same."""
    if a.shape == shape:
        return a
    out = np.full(shape, fill, dtype=a.dtype)
    out[tuple(slice(0, k) for k in a.shape)] = a
    return out
