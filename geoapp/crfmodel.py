"""A linear-chain CRF read from a crfsuite model file, scored and decoded with numpy.

Why: python-crfsuite was the largest single cost of a parse. Every call converted ~25 Python
feature strings per token to crfsuite's items, looked each up in the model's string database and
added the weights one token at a time. Here a model file is read once into two arrays (the state
weights per attribute and label, the transition weights) and whole fields are scored at once from
attribute *ids*: :mod:`geoapp.crfscore` turns each distinct word into its ids once.

The arithmetic is crfsuite's own (``crf1dt_state_score`` and ``crf1dc_viterbi`` in crfsuite 0.12,
which python-crfsuite bundles), so the labels are the same, not merely close:

- a token's state score for label y is 0.0 plus the weight of each of its attributes for y, added
  in the order the attributes are given; an attribute the model does not know adds nothing, which
  here is a row of zeros (``x + 0.0 == x``);
- Viterbi has no start or end transitions: alpha[0] is the first state score,
  ``alpha[t][j] = max_i(alpha[t-1][i] + trans[i][j]) + state[t][j]``, the first i wins a tie
  (crfsuite keeps a candidate only when strictly greater, as ``argmax`` does), and the last label
  is the first best of alpha[T-1];
- a transition the model does not list has weight 0.0.

``pycrfsuite.Tagger.info()`` cannot serve here: it reads crfsuite's text dump, whose weights are
printed with six decimals. The file is read directly (little-endian, as crfsuite writes it).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_MAGIC = b"lCRF"
_HEADER = struct.Struct("<4sI4s9I")  # magic, size, type, version, counts and chunk offsets
_CHUNK = struct.Struct("<4sII")  # chunk id, size, item count before a chunk's data
_CHUNK_SIZE = _CHUNK.size
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
_STATE, _TRANSITION = 0, 1
_CQDB_HEADER = struct.Struct("<4s5I")  # chunk id, size, flag, byte order, backward size and offset
_CQDB_BYTEORDER = 0x62445371


class CrfModel:
    """Labels, attribute ids and weights of one crfsuite model.

    ``state`` has one row per attribute plus a last row of zeros (:attr:`zero`), the id of every
    attribute the model does not know; ``trans[i, j]`` is the weight of label i followed by j.
    """

    def __init__(self, labels: Sequence[str], attrs: dict[str, int], state: np.ndarray,
                 trans: np.ndarray) -> None:
        self.labels = tuple(labels)
        self.attrs = attrs
        self.state = state
        self.trans = trans
        self.zero = len(state) - 1

    @classmethod
    def read(cls, path: str | Path) -> CrfModel:
        """The model in a crfsuite file (``crf1d``, as python-crfsuite's Trainer writes it)."""
        buf = Path(path).read_bytes()
        magic, _, _, _, _, n_labels, n_attrs, off_feat, off_labels, off_attrs, _, _ = (
            _HEADER.unpack_from(buf))
        chunk, _, n_feat = _CHUNK.unpack_from(buf, off_feat)  # the header's feature count is 0
        if magic != _MAGIC or chunk != b"FEAT":
            raise ValueError(f"{path}: not a crfsuite model")
        feats = np.frombuffer(buf, _FEATURE, n_feat, off_feat + _CHUNK_SIZE)
        state = np.zeros((n_attrs + 1, n_labels))
        trans = np.zeros((n_labels, n_labels))
        kind = feats["type"]
        for table, code in ((state, _STATE), (trans, _TRANSITION)):
            f = feats[kind == code]
            table[f["src"], f["dst"]] = f["weight"]
        labels = _strings(buf, off_labels, n_labels)
        attrs = dict(zip(_strings(buf, off_attrs, n_attrs), range(n_attrs)))
        return cls(labels, attrs, state, trans)

    def ids(self, attributes: Sequence[str]) -> list[int]:
        """Attribute ids in order, the zero row for the ones the model does not know."""
        get, zero = self.attrs.get, self.zero
        return [get(a, zero) for a in attributes]

    def tag(self, items: Sequence[Sequence[str]]) -> list[str]:
        """Labels of one sequence of items (each a list of attribute strings), as crfsuite tags it."""
        if not items:
            return []
        width = max(map(len, items))
        ids = np.full((len(items), max(width, 1)), self.zero, dtype=np.intp)
        for k, item in enumerate(items):
            ids[k, : len(item)] = self.ids(item)
        path = viterbi_labels(state_scores(self.state, ids), [len(items)], self.trans)
        return [self.labels[y] for y in path]


def state_scores(state: np.ndarray, ids: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Per token (row of ``ids``), ``start`` (a sum already made in crfsuite's order; zeros when
    None) plus the ``state`` rows of its attribute ids, added left to right as crfsuite adds them
    (one column at a time: numpy's ``sum`` may add pairwise)."""
    out = np.zeros((len(ids), state.shape[1])) if start is None else start.copy()
    for rows in state[ids.T]:  # one (tokens × labels) array per column of ids
        out += rows
    return out


def viterbi_labels(scores: np.ndarray, lengths: Sequence[int], trans: np.ndarray) -> list[int]:
    """The best label id per token of several sequences, given one after another as the rows of
    ``scores`` (tokens × labels) with their ``lengths``, decoded side by side.

    Why side by side: a field has a few dozen short sentences, and numpy's cost is per call, so
    each step t advances every sentence longer than t at once. Sentences are sorted by length,
    longest first, so the ones still running at step t are a leading slice. The arithmetic per
    sentence is crfsuite's (module docstring).

    The candidates of a step are laid out [sentence, to, from], so that the best predecessor is an
    ``argmax`` over the last, contiguous axis, and its score is read at that index (``take``):
    ``max`` over a short axis costs two to five times an ``argmax`` and gives the same value. The
    way back is walked in Python over the predecessors' lists (one ``tolist`` in all): a field has
    a few hundred tokens, and three numpy calls per step cost more."""
    lengths = np.asarray(lengths, dtype=np.intp)
    if not len(lengths) or not len(scores):
        return []
    order = np.argsort(-lengths, kind="stable")
    lens = lengths[order]
    n_labels = trans.shape[0]
    steps = np.arange(int(lens[0]))
    # token row of (sentence, step); past a sentence's end its last token, never read
    at = (np.cumsum(lengths) - lengths)[order][:, None] + np.minimum(steps, lens[:, None] - 1)
    padded = scores[at.T]  # [step, sentence, label]: the running sentences' rows of a step are contiguous
    running = np.searchsorted(-lens, -steps, side="left").tolist()  # sentences longer than t
    trans_to = np.ascontiguousarray(trans.T)  # [to, from]
    # flat index of candidate [s, j, 0]: s * L * L + j * L
    base = (np.arange(len(lens))[:, None] * (n_labels * n_labels) + np.arange(n_labels) * n_labels)
    alpha = padded[0].copy()
    backs = []
    add, take = np.add, np.take
    for t in steps[1:].tolist():
        c = running[t]
        now = alpha[:c]
        cand = now[:, None, :] + trans_to  # [sentence, to, from]
        best = cand.argmax(axis=2)
        backs.append(best)
        add(take(cand, best + base[:c]), padded[t, :c], out=now)  # best score + state score
    last = alpha.argmax(axis=1).tolist()
    # backs as one flat list of ints (no list per row: fewer objects for the garbage collector to
    # count): sentence s's predecessors at step t start at (first[t] + s) * L, step 0 has none
    flat = np.concatenate(backs).ravel().tolist() if backs else []
    first = [0, 0]
    for t in steps[1:-1].tolist():
        first.append(first[-1] + running[t])
    paths: list[list[int]] = [[]] * len(lens)
    for s, (n, cur, k) in enumerate(zip(lens.tolist(), last, order.tolist())):
        if not n:
            continue
        path = [cur]
        for t in range(n - 1, 0, -1):
            cur = flat[(first[t] + s) * n_labels + cur]
            path.append(cur)
        path.reverse()
        paths[k] = path
    return [y for path in paths for y in path]


def _strings(buf: bytes, offset: int, count: int) -> list[str]:
    """The strings of ids 0 … count-1 of a CQDB string database at ``offset`` in ``buf``.

    A record is (id, size with the terminating NUL, bytes, NUL); the backward array gives each
    id's record offset. The key bytes of all records, NULs included, are picked out in one numpy
    step and decoded in one call (a key holds no NUL), in the records' order in the file, then put
    in id order: a loop over ~25,000 records was most of a model's reading time."""
    chunk, _, _, order, bwd_size, bwd_offset = _CQDB_HEADER.unpack_from(buf, offset)
    if chunk != b"CQDB" or order != _CQDB_BYTEORDER or bwd_size < count:
        raise ValueError("not a crfsuite string database")
    if not count:
        return []
    starts = np.frombuffer(buf, "<u4", count, offset + bwd_offset).astype(np.intp) + offset
    lo, hi = int(starts.min()), int(starts.max())
    view = np.frombuffer(buf, np.uint8, hi + 8 - lo, lo)  # the records, the last one's key aside
    starts -= lo
    sizes = view[(starts + 4)[:, None] + np.arange(4)].astype(np.intp) << np.array([0, 8, 16, 24])
    ends = starts + 8 + sizes.sum(axis=1)
    view = np.frombuffer(buf, np.uint8, int(ends.max()), lo)
    edges = np.zeros(len(view) + 1, dtype=np.int8)  # +1 where a key starts, -1 after its NUL
    edges[starts + 8] = 1
    edges[ends] = -1
    keys = view[np.cumsum(edges[:-1], dtype=np.int8) > 0].tobytes().decode("utf-8").split("\0")
    by_file = np.argsort(starts, kind="stable")
    if (by_file == np.arange(count)).all():  # as crfsuite writes them: in id order
        return keys[:count]
    out = [""] * count
    for k, key in zip(by_file.tolist(), keys):
        out[k] = key
    return out
