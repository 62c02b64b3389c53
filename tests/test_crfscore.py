"""The numpy tagger (geoapp.crfmodel, geoapp.crfscore) gives python-crfsuite's labels.

Why these tests: the pipeline no longer calls crfsuite to tag, so the model reading, the
attribute ids per token and the Viterbi decoding must each be crfsuite's; a label that differs
changes entities and places. Python-crfsuite is the reference (it still trains the models).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from geoapp import crfscore
from geoapp.crfmodel import CrfModel, state_scores, viterbi_labels
from geoapp.crfscore import CrfInput, CrfScorer
from geoapp.ner import MODEL_PATHS
from geoapp.placefilter import crf_token_features, shape

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _brute_force(scores: np.ndarray, trans: np.ndarray) -> tuple[int, ...]:
    """The best label sequence by enumeration; the first in enumeration order wins a tie, as in
    crfsuite (which keeps the first best predecessor at each step)."""
    best, arg = -np.inf, None
    for ys in itertools.product(range(trans.shape[0]), repeat=len(scores)):
        s = scores[0][ys[0]] + sum(trans[a, b] + scores[t + 1][b] for t, (a, b) in enumerate(zip(ys, ys[1:])))
        if s > best:
            best, arg = s, ys
    return arg


def _decode(batch: list[np.ndarray], trans: np.ndarray) -> list[tuple[int, ...]]:
    """:func:`viterbi_labels` of several sequences at once, its flat answer cut per sequence."""
    if not batch:
        return []
    flat = viterbi_labels(np.concatenate(batch), [len(s) for s in batch], trans)
    ends = np.cumsum([len(s) for s in batch]).tolist()
    return [tuple(flat[a:b]) for a, b in zip([0, *ends], ends)]


def test_viterbi_on_a_hand_made_model() -> None:
    """Three labels A, B, C; only A → B is penalised. The first token alone would be A (2 > 1), but
    A B C scores 2 - 10 + 3 + 1 = -4 and B B C 1 + 3 + 1 = 5, the best of all 27 paths."""
    trans = np.array([[0.0, -10.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    scores = [np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0]]),
              np.array([[0.0, 1.0, 0.0]]),  # one token: its best state
              np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])]  # ties everywhere: the first label wins
    got = _decode(scores, trans)
    assert got[0] == (1, 1, 2) == _brute_force(scores[0], trans)
    assert got[1] == (1,)
    assert got[2] == (0, 0) == _brute_force(scores[2], trans)
    rng = np.random.default_rng(13)
    for _ in range(200):  # sentences of different lengths decoded side by side
        batch = [rng.normal(size=(int(rng.integers(1, 6)), 3)) for _ in range(int(rng.integers(1, 5)))]
        t = rng.normal(size=(3, 3))
        assert _decode(batch, t) == [_brute_force(s, t) for s in batch]
    assert viterbi_labels(np.zeros((0, 3)), [], trans) == []


def test_hand_made_model_tags_feature_strings() -> None:
    """Unknown attributes add nothing, a repeated one counts each time, and a tie (x x y: 2 against
    2; no known attribute: 0 against 0) goes to the first label."""
    state = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])  # "x" → label 0, "y" → label 1, zero row
    model = CrfModel(("P", "Q"), {"x": 0, "y": 1}, state, np.zeros((2, 2)))
    items = [["x"], ["y", "unknown"], ["x", "y", "y"], ["x", "x", "y"], []]
    assert model.tag(items) == ["P", "Q", "Q", "P", "P"]
    assert model.tag([]) == []


def test_state_scores_add_left_to_right() -> None:
    """crfsuite adds a token's weights in the order of its attributes; floating-point addition is
    not associative, so the order is part of the result."""
    state = np.array([[1e16], [1.0], [-1e16], [0.0]])
    ids = np.array([[0, 1, 2, 1], [1, 1, 0, 2]])
    assert state_scores(state, ids).tolist() == [[((1e16 + 1.0) - 1e16) + 1.0], [((1.0 + 1.0) + 1e16) - 1e16]]


def _pycrfsuite_tagger(path: Path):
    pycrfsuite = pytest.importorskip("pycrfsuite")
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def _model_path(lang: str) -> Path:
    path = MODEL_PATHS[lang]
    if not path.exists():
        pytest.skip(f"no model file {path.name}")
    return path


def test_small_trained_model_reads_and_tags_like_pycrfsuite(tmp_path: Path) -> None:
    pycrfsuite = pytest.importorskip("pycrfsuite")
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.append([["w=er", "b"], ["w=fuhr"], ["w=nach"], ["w=dresden", "cap"]], ["O", "O", "O", "LOC"])
    trainer.append([["w=in", "b"], ["w=bonn", "cap"], ["w=ä", "cap"]], ["O", "LOC", "PER"])
    trainer.set_params({"c2": 0.01, "max_iterations": 50})
    path = tmp_path / "tiny.crfsuite"
    trainer.train(str(path))
    model, reference = CrfModel.read(path), _pycrfsuite_tagger(path)
    info = reference.info()
    assert list(model.labels) == reference.labels()
    assert set(model.attrs) == set(info.attributes)
    for (attr, label), w in info.state_features.items():  # the dump prints six decimals
        assert model.state[model.attrs[attr], model.labels.index(label)] == pytest.approx(w, abs=1e-6)
    for (a, b), w in info.transitions.items():
        assert model.trans[model.labels.index(a), model.labels.index(b)] == pytest.approx(w, abs=1e-6)
    for items in ([["w=in"], ["w=dresden", "cap"]], [["cap"]], [["w=ä", "b"], ["x"], ["cap", "cap"]]):
        assert model.tag(items) == reference.tag(items)


def _seed_inputs(lang: str) -> list[tuple[object, list[CrfInput]]]:
    """Every seed article's text as a field of ``lang``, cut into tagger inputs the pipeline's
    way (English: only sentences that may hold a name) and, for English, also every sentence."""
    from geoapp.articles import read_articles
    from geoapp.pipeline import Geoparser
    from geoapp.places import _Field

    ex = Geoparser(corrections=None).places
    out = []
    for article in read_articles([SEEDS], []):
        fld = _Field(article.text, lang, "text", ())
        rows = ex._windows(fld, ex._context(fld))
        for named_only in {lang == "en", False}:
            out.append((fld, list(ex.crf_inputs(fld, rows, named_only))))
    return out


_EDGE_CASES = [
    CrfInput([0], ["Dresden"], [""], ["B1a"]),
    CrfInput([0, 1], ["Baden-Württemberg", "."], ["„", " "], ["B1a", "O"]),
    CrfInput([0, 1, 2, 3], ["Kyjiw’s", "Bürgermeister", "Klitschko", "sagte"], ["", " ", " – ", "! "],
             ["B1a", "Xé", "B2r", "I9z"]),
    CrfInput([0, 1, 2, 3, 4], ["President", "Joe", "Biden", "Army", "Ministry"], ["", " ", "? ", " : ", ", "],
             ["O", "B2r", "I2r", "B3a", "I3a"]),
]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_real_sentences_get_pycrfsuite_labels(lang: str) -> None:
    """The seed articles and hand-made edge cases (one-token sentences, hyphens, non-ASCII words and
    gaps, tags the model never saw) in both languages: labels equal to python-crfsuite's on the
    feature strings, field by field (several sentences decoded together) and one by one."""
    reference = _pycrfsuite_tagger(_model_path(lang))
    scorer = CrfScorer(CrfModel.read(MODEL_PATHS[lang]), lang)
    fields = [inputs for _, inputs in _seed_inputs(lang)] + [_EDGE_CASES, _EDGE_CASES[::-1]]
    n = 0
    for inputs in fields:
        expected = [reference.tag(crf_token_features(s.words, s.gaps, s.tags, lang)) for s in inputs]
        assert scorer.tag(inputs) == expected
        assert [scorer.tag([s])[0] for s in inputs] == expected
        exact = [scorer.model.tag(crf_token_features(s.words, s.gaps, s.tags, lang)) for s in inputs]
        assert exact == expected
        n += len(inputs)
    assert n > 50
    assert scorer.tag([]) == []
    empty = CrfInput([], [], [], [])
    assert scorer.tag([empty, _EDGE_CASES[0], empty]) == [[], scorer.tag([_EDGE_CASES[0]])[0], []]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_attribute_ids_are_the_feature_strings_in_order(lang: str) -> None:
    """Per token, the sum for its own word's features (which come first) is their weights added in
    order, and the known attribute ids of the rest are those of crf_token_features' strings, in
    order: the order is what makes the sums crfsuite's (zero ids are padding and add nothing)."""
    from geoapp.placefilter import _word_static

    model = CrfModel.read(_model_path(lang))
    scorer = CrfScorer(model, lang)
    for inputs in [_EDGE_CASES] + [inputs for _, inputs in _seed_inputs(lang)][:20]:
        own, ids = scorer.attribute_ids(inputs)
        words = [w for s in inputs for w in s.words]
        feats = [f for s in inputs for f in crf_token_features(s.words, s.gaps, s.tags, lang)]
        n_own = [len(_word_static(w, lang)[3]) for w in words]
        for k, (f, m) in enumerate(zip(feats, n_own)):
            assert own[k].tolist() == state_scores(model.state, np.array([model.ids(f[:m])])).tolist()[0]
            assert [i for i in ids[k].tolist() if i != model.zero] == [
                i for i in model.ids(f[m:]) if i != model.zero]


def test_word_tables_start_afresh_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for few words, the tables are emptied and refilled; the labels stay the same."""
    path = _model_path("de")
    reference = CrfScorer(CrfModel.read(path), "de")
    fields = [inputs for _, inputs in _seed_inputs("de")]
    expected = [reference.tag(inputs) for inputs in fields]
    monkeypatch.setattr(crfscore, "MAX_WORDS", 300)
    small = CrfScorer(CrfModel.read(path), "de")
    assert [small.tag(inputs) for inputs in fields] == expected
    assert len(small._rows) < len({w for inputs in fields for s in inputs for w in s.words})


def _shape_by_loop(word: str) -> str:
    """:func:`geoapp.placefilter.shape` as a loop over every character (before its ASCII shortcuts)."""
    out: list[str] = []
    for ch in word:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)[:6]


_ODD_WORDS = ["", "a", "A", "ab", "AB", "Ab", "aB", "McDonald", "U.S", "e.V", "A7", "7a", "2024", "x2",
              "Baden-Württemberg", "co-chair", "Kim-Jong-un", "İstanbul", "ǅemal", "ß", "STRASSE", "Straße",
              "ÄRZTE", "Ärzte", "中国", "A中", "a中", "Kyjiw’s", "O'Neill", "president", "President", "Army",
              "ministry", "Gen", "Ministry", "_", "a_b", "²", "Ⅻ", "ﬁre"]


def test_shape_shortcuts_give_the_loops_answer() -> None:
    words = _ODD_WORDS + [w for _, inputs in _seed_inputs("en") for s in inputs for w in s.words]
    for w in words:
        assert shape(w) == _shape_by_loop(w), w


@pytest.mark.parametrize("lang", ["de", "en"])
def test_word_feature_columns_are_word_static_by_column(lang: str) -> None:
    """The column layout the scorer reads new words from holds, word by word and in order, the
    strings of :func:`_word_static` (absent features are NO_FEATURE, which no attribute is)."""
    from geoapp.placefilter import NO_FEATURE, _word_static, word_feature_columns

    words = sorted({w for _, inputs in _seed_inputs(lang) for s in inputs for w in s.words}) + _ODD_WORDS
    for batch in (words, _ODD_WORDS[:3], ["President"], ["co-chair", "Army"]):
        buckets, own, near = word_feature_columns(batch, lang)
        assert len(near) == 4 and len({len(cols) for cols in near}) == 1
        for k, w in enumerate(batch):
            _, _, zb, feats, around = _word_static.__wrapped__(w, lang)
            assert buckets[k] == int(zb)
            assert [col[k] for col in own if col[k] != NO_FEATURE] == list(feats)
            for cols, (head, tail) in zip(near, around):
                assert (cols[0][k], cols[1][k]) == head
                assert tuple(col[k] for col in cols[2:] if col[k] != NO_FEATURE) == tail
