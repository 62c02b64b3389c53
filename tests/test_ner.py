"""Tests of the entity taggers (geoapp/ner.py) and of the English training script's readers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from geoapp.evaluation.corpora import EvalDataMissing, eval_dir
from geoapp.gazetteer import Gazetteer
from geoapp.ner import LABELS, NER_EN_PATH, EntitySpan, EntityTagger
from geoapp.placefilter import CRF_PATH, crf_token_features, entity_runs
from geoapp.places import PlaceExtractor
from geoapp.text import tokens as text_tokens

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_ner.py"


@pytest.fixture(scope="module")
def ex() -> PlaceExtractor:
    return PlaceExtractor(Gazetteer.default(), place_filter=None, tagger=None)


@pytest.fixture(scope="module")
def tagger() -> EntityTagger:
    return EntityTagger()


@pytest.fixture(scope="module")
def train_ner():
    spec = importlib.util.spec_from_file_location("train_ner", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_ner"] = module
    spec.loader.exec_module(module)
    return module


def _named(text: str, spans: list[EntitySpan]) -> set[tuple[str, str]]:
    return {(text[s:e], label) for s, e, label in spans}


def _assert_valid(text: str, spans: list[EntitySpan]) -> None:
    for s, e, label in spans:
        assert 0 <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip() and text[s:e]
        assert label in LABELS
    assert spans == sorted(spans)


def test_entity_runs_keep_every_kind() -> None:
    tags = ["B-PER", "I-PER", "O", "I-ORG", "B-LOC", "I-LOC", "I-PER", "B-PER"]
    assert entity_runs(tags) == [(0, 1, "PER"), (3, 3, "ORG"), (4, 5, "LOC"), (6, 6, "PER"), (7, 7, "PER")]
    assert entity_runs([]) == [] and entity_runs(["O", "O"]) == []


def test_models_ship() -> None:
    assert NER_EN_PATH.exists() and CRF_PATH.exists()
    assert NER_EN_PATH.stat().st_size <= 5_000_000


def test_english_people_organisations_places(ex: PlaceExtractor, tagger: EntityTagger) -> None:
    text = ("The United Nations said on Tuesday that Antonio Guterres would travel to Nairobi next week. "
            "Prime Minister Keir Starmer met President Joe Biden in Washington on Thursday.")
    spans = tagger.text_entities(ex, text, "en")
    _assert_valid(text, spans)
    found = _named(text, spans)
    assert {("United Nations", "ORG"), ("Antonio Guterres", "PER"), ("Keir Starmer", "PER"),
            ("Joe Biden", "PER")} <= found
    assert ("Nairobi", "LOC") in found
    # the titles are not part of the names
    assert not any(t.startswith(("Prime", "President")) for t, _ in found)


def test_german_people_organisations_places(ex: PlaceExtractor, tagger: EntityTagger) -> None:
    text = ("Bundeskanzler Olaf Scholz traf am Montag in Berlin Vertreter der Europäischen Union. "
            "Der Vorstandschef von Siemens, Roland Busch, sprach in München vor Journalisten.")
    spans = tagger.text_entities(ex, text, "de")
    _assert_valid(text, spans)
    found = _named(text, spans)
    assert {("Olaf Scholz", "PER"), ("Roland Busch", "PER"), ("Siemens", "ORG"), ("Berlin", "LOC"),
            ("München", "LOC")} <= found


@pytest.mark.parametrize("text", ["", "   \n ", "Hello", "Obama", "!!! ... ???"])
def test_empty_and_tiny_input(ex: PlaceExtractor, tagger: EntityTagger, text: str) -> None:
    for lang in ("en", "de"):
        spans = tagger.text_entities(ex, text, lang)
        _assert_valid(text, spans)
    assert tagger.field_entities("en", [], []) == []
    assert tagger.tag("en", []) == []


def test_very_long_sentence(ex: PlaceExtractor, tagger: EntityTagger) -> None:
    text = " ".join(["Angela Merkel met officials of the World Bank in Geneva and"] * 400) + " left."
    spans = tagger.text_entities(ex, text, "en")
    _assert_valid(text, spans)
    assert sum(1 for s, e, label in spans if label == "PER") >= 200


def test_unknown_language_and_missing_model(ex: PlaceExtractor, tmp_path: Path) -> None:
    t = EntityTagger({"en": tmp_path / "absent.crfsuite"})
    assert not t.available("en") and not t.available("fr")
    assert t.text_entities(ex, "Antonio Guterres spoke in Nairobi.", "en") == []
    assert t.tag("fr", [["b"], ["b"]]) == ["O", "O"]


class _FixedTagger(EntityTagger):
    """Answers with given tags per sentence, to test what is built on them."""

    def __init__(self, answers: list[list[str]]) -> None:
        super().__init__({})
        self.answers = answers

    def tag(self, lang: str, feats: list[list[str]]) -> list[str]:
        return self.answers.pop(0)


def test_surname_repeats_are_the_person() -> None:
    text = "Garry Conille arrived. Conille's plan held, Conille said. Conille Street is quiet."
    toks = list(text_tokens(text))
    sentences = [([0, 1, 2], [[]] * 3), ([3, 4, 5, 6, 7], [[]] * 5), ([8, 9, 10, 11], [[]] * 4)]
    tagger = _FixedTagger([["B-PER", "I-PER", "O"], ["O", "O", "O", "O", "O"], ["B-LOC", "I-LOC", "O", "O"]])
    spans = tagger.field_entities("en", toks, sentences)
    assert _named(text, spans) == {("Garry Conille", "PER"), ("Conille's", "PER"), ("Conille", "PER"),
                                   ("Conille Street", "LOC")}
    assert len(spans) == 4 and spans == sorted(spans)
    # a single-word person teaches no surname
    tagger = _FixedTagger([["B-PER", "O", "O"], ["O"] * 5, ["O"] * 4])
    assert _named(text, tagger.field_entities("en", toks, sentences)) == {("Garry", "PER")}
    # a curly possessive, a possessive of a possessive, and lower case: only the first is the person
    text = "Garry Conille arrived. Conille’s plan, Conille's's aide and conille left."
    toks = list(text_tokens(text))
    sentences = [([0, 1, 2], [[]] * 3), (list(range(3, len(toks))), [[]] * (len(toks) - 3))]
    tagger = _FixedTagger([["B-PER", "I-PER", "O"], ["O"] * (len(toks) - 3)])
    assert _named(text, tagger.field_entities("en", toks, sentences)) == {("Garry Conille", "PER"),
                                                                          ("Conille’s", "PER")}


def test_english_word_classes_leave_german_features_alone() -> None:
    words, gaps, gaz = ["Präsident", "Joe", "Biden"], ["", " ", " "], ["O", "O", "O"]
    de = crf_token_features(words, gaps, gaz, "de")
    en = crf_token_features(words, gaps, gaz, "en")
    assert not any(f.startswith(("c=", "-1c=", "1c=")) for row in de for f in row)
    en_words = crf_token_features(["President", "Joe", "Biden"], gaps, gaz, "en")
    assert "c=title" in en_words[0] and "-1c=title" in en_words[1] and "-2c=title" in en_words[2]
    assert len(en) == len(de) == 3


def test_detokenize_and_io_spans(train_ner) -> None:
    text, starts = train_ner.detokenize(["Obama", "'s", "visit", "(", "Kenya", ")", ",", "ended", "."])
    assert text == "Obama's visit (Kenya), ended."
    assert [text[s:s + 5] for s in starts[:1]] == ["Obama"]
    sent = [("The", "I-ORG"), ("Mad", "I-ORG"), ("Capsule", "I-ORG"), ("met", "O"), ("Kojima", "I-PER"),
            ("Minoru", "I-PER"), ("in", "O"), ("Tokyo", "I-LOC"), ("with", "O"), ("Sony", "I-MISC")]
    doc = train_ner.column_doc("x", "wikigold", [sent], train_ner._wikigold_label)
    assert [(doc.text[s:e], k) for s, e, k in doc.spans] == [
        ("The Mad Capsule", "ORG"), ("Kojima Minoru", "PER"), ("Tokyo", "LOC")]
    wnut = [("Apple", "B-corporation"), ("hired", "O"), ("Tim", "B-person"), ("Cook", "I-person"),
            ("for", "O"), ("iPhone", "B-product")]
    doc = train_ner.column_doc("y", "wnut17", [wnut], train_ner._wnut_label)
    assert [(doc.text[s:e], k) for s, e, k in doc.spans] == [("Apple", "ORG"), ("Tim Cook", "PER")]


def test_re3d_names_cut_from_descriptions(train_ner) -> None:
    lab = train_ner.Re3dLabeller(Gazetteer.default())
    text = ("Foreign Secretary Boris Johnson said the United States and ISIL fighters were near the "
            "heart of East Mosul, where U.S. service members met the Foreign Secretary.")

    def ent(surface: str, kind: str, conf: float = 1.0) -> dict:
        start = text.index(surface)
        return {"start": start, "end": start + len(surface), "type": kind, "surface": surface,
                "confidence": conf}

    rec = {"text": text, "entities": [
        ent("Foreign Secretary Boris Johnson", "Person"), ent("the United States", "Organisation"),
        ent("ISIL fighters", "Organisation"), ent("ISIL", "Organisation", 0.0),
        ent("the heart of East Mosul", "Location"), ent("U.S. service members", "Organisation"),
        ent("the Foreign Secretary", "Person")]}
    doc = lab.doc(rec, "t")
    got = [(text[s:e], k) for s, e, k in doc.spans]
    assert ("Boris Johnson", "PER") in got and ("United States", "LOC") in got
    assert ("ISIL", "ORG") in got and ("East Mosul", "LOC") in got and ("U.S.", "LOC") in got
    assert not any(t.startswith(("Foreign", "the ")) for t, _ in got)
    assert doc.ignore == []


def test_training_corpora_read(train_ner) -> None:
    try:
        root = eval_dir()
    except EvalDataMissing as exc:
        pytest.skip(str(exc))
    for corpus in ("wikigold", "btc", "wnut17"):
        docs = train_ner.column_docs(corpus, root)
        assert len(docs) > 100
        for doc in docs[:300]:
            for s, e, label in doc.spans:
                assert doc.text[s:e] and doc.text[s:e] == doc.text[s:e].strip() and label in LABELS
        assert len({d.id for d in docs}) == len(docs)
        train, held = train_ner.split(docs)
        assert len(held) == -(-len(docs) // 10) and not {d.id for d in train} & {d.id for d in held}
    records = train_ner.re3d_records(root)
    docs = train_ner.re3d_train_docs(records, Gazetteer.default())
    ids = {int(d.id.rsplit("-", 1)[1]) for d in docs}
    assert ids and all(k % 2 == 0 for k in ids)
    assert all(records[k]["source"] in train_ner.RE3D_TRAIN_SOURCES for k in ids)
