"""Shortcuts taken for speed give what the plain code they replaced gives (issue 13, third pass)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from geoapp.articles import _DE_WORDS, _EN_WORDS, _WORD_RE, detect_language
from geoapp.ner import EntityTagger, _stem
from geoapp.placefilter import entity_runs

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def reference_entity_runs(tags):
    """:func:`entity_runs` before its shortcut for "O" tags."""
    out = []
    start, cur = None, ""
    for k, t in enumerate(tags):
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


def test_entity_runs_match_the_plain_walk_on_every_short_sequence():
    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG", "X", ""]
    for n in range(6):
        for tags in itertools.product(labels, repeat=n):
            assert entity_runs(list(tags)) == reference_entity_runs(list(tags)), tags


def reference_detect_language(text):
    """:func:`detect_language` before its counts were summed in C."""
    words = [w.lower() for w in _WORD_RE.findall(text[:5000])]
    de = sum(w in _DE_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    if de + en >= 3 and max(de, en) >= 2 * min(de, en) + 1:
        share = (de + en) / max(1, len(words))
        if share > 0.08:
            return "de" if de > en else "en"
    import py3langid

    return py3langid.classify(text[:5000])[0]


def _texts():
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return texts + ["", "Die", "the THE The", "Der Hund und die Katze", "İstanbul DIE DER das und " * 3,
                    "Ωmega und the", "In the city of the dead, der Tod ist nicht.", "THE AND OF " * 4]


@pytest.mark.parametrize("text", _texts())
def test_language_detection_as_before(text):
    assert detect_language(text) == reference_detect_language(text)


def test_possessive_stem_memo():
    for word in ["Conille's", "Conille’s", "Conille", "James's's", "s", "'s", "Boss", "Bos's"]:
        assert _stem(word) == re.sub(r"['’]s$", "", word)
        assert _stem(word) == _stem(word)


def test_opened_tagger_stays_available(tmp_path):
    from geoapp.ner import MODEL_PATHS

    t = EntityTagger()
    assert t.available("de") == MODEL_PATHS["de"].exists()
    t.tag("de", [["b"]])
    assert t.available("de") == MODEL_PATHS["de"].exists()
    absent = EntityTagger({"de": tmp_path / "none.crfsuite"})
    assert not absent.available("de") and absent.tag("de", [["b"]]) == ["O"] and not absent.available("de")


@pytest.fixture
def gc_state():
    import gc

    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_command_line_extract_settles_the_heap_and_writes_the_same(tmp_path, gc_state, monkeypatch):
    """Run as the command (no argv), extract freezes what is alive after the parser is built and
    raises the collector's thresholds; given argv (a caller's process), it leaves them alone; the
    output is the same byte for byte."""
    import gc
    import sys

    from geoapp.cli import main
    from geoapp.engines import GC_THRESHOLDS

    seed = sorted(SEEDS.glob("*.txt"))[0]
    gc.unfreeze()
    default = gc.get_threshold()
    assert main(["extract", str(seed), "--workers", "1", "-o", str(tmp_path / "a.jsonl")]) == 0
    assert gc.get_threshold() == default and gc.get_freeze_count() == 0
    monkeypatch.setattr(sys, "argv", ["geoapp", "extract", str(seed), "--workers", "1", "-o",
                                      str(tmp_path / "b.jsonl")])
    assert main() == 0
    assert gc.get_threshold() == GC_THRESHOLDS and gc.get_freeze_count() > 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
