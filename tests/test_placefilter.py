"""Tests of the learned place decision (geoapp/placefilter.py) and its use in the extractor."""

from __future__ import annotations

import time

import pytest

from geoapp.gazetteer import Gazetteer
from geoapp.model import Article
from geoapp.ner import EntityTagger
from geoapp.placefilter import (
    CRF_PATH,
    MODEL_PATH,
    PlaceFilter,
    bio_spans,
    crf_token_features,
    shape,
)
from geoapp.places import PlaceExtractor


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


def _texts(ex: PlaceExtractor, text: str, lang: str) -> list[str]:
    return [s.mention.text for s in ex.extract(Article(id="t", title="", text=text, lang=lang))]


def test_shape_collapses_character_classes() -> None:
    assert shape("Berlin") == "Xx"
    assert shape("USA") == "X"
    assert shape("A7") == "Xd"


def test_bio_spans() -> None:
    assert bio_spans(["O", "B-LOC", "I-LOC", "O", "B-LOC", "B-LOC", "I-LOC"]) == [(1, 2), (4, 4), (5, 6)]
    assert bio_spans(["I-LOC", "O"]) == [(0, 0)]
    assert bio_spans([]) == []
    # persons and organisations end a place and are never places themselves
    assert bio_spans(["B-LOC", "I-ORG", "B-PER", "I-PER", "I-LOC", "B-ORG"]) == [(0, 0), (4, 4)]


def test_crf_features_one_list_per_token() -> None:
    feats = crf_token_features(["Er", "fuhr", "nach", "Dresden"], ["", " ", " ", " "], ["O", "O", "O", "B1a"])
    assert len(feats) == 4
    assert "g=B1a" in feats[3] and "-1w=nach" in feats[3]


def test_probabilities_are_a_logistic_dot_product() -> None:
    pf = PlaceFilter({"en": {"bias": 0.0, "locative": 2.0}}, {"en": 0.5}, {})
    p_loc, p_none = pf.probabilities("en", [{"bias": 1.0, "locative": 1.0}, {"bias": 1.0}])
    assert p_loc == pytest.approx(1 / (1 + 2.718281828 ** -2.0), rel=1e-6)
    assert p_none == pytest.approx(0.5)
    assert pf.model_lang("fr") == "en"  # unknown languages use the English weights


def test_missing_model_file_means_rules(tmp_path, gaz: Gazetteer) -> None:
    assert PlaceFilter.load(tmp_path / "absent.json") is None
    assert not EntityTagger({"de": tmp_path / "absent.crfsuite"}).available("de")
    rules = PlaceExtractor(gaz, place_filter=None, tagger=None)
    assert "Nordkorea" in _texts(rules, "Die Delegation reiste nach Nordkorea.", "de")


def test_shipped_model_is_small_and_loads_fast() -> None:
    assert MODEL_PATH.exists()
    size = MODEL_PATH.stat().st_size + (CRF_PATH.stat().st_size if CRF_PATH.exists() else 0)
    assert size <= 3 * 1024 * 1024
    t0 = time.perf_counter()
    pf = PlaceFilter.load()
    EntityTagger().tag("de", [["b"]])
    assert time.perf_counter() - t0 < 0.5
    assert pf is not None and set(pf.thresholds) >= {"de", "en"}
    assert all(0.0 < t < 1.0 for t in pf.thresholds.values())


def test_candidate_windows_carry_features(gaz: Gazetteer) -> None:
    ex = PlaceExtractor(gaz, place_filter=None, tagger=None)
    rows = ex.candidate_windows(Article(id="t", title="", text="Sie flog gestern nach Dresden.", lang="de"))
    spans = {(s, e): f for s, e, f in rows}
    assert (22, 29) in spans
    assert spans[(22, 29)]["locative"] == 1.0


@pytest.mark.parametrize(
    "text, lang, place",
    [
        ("Er lebt seit Jahren in Berlin und arbeitet dort.", "de", "Berlin"),
        ("Die Regierung in Moskau wies das zurück.", "de", "Moskau"),
        ("The talks in Geneva ended without a deal.", "en", "Geneva"),
    ],
)
def test_learned_decision_keeps_clear_places(gaz: Gazetteer, text: str, lang: str, place: str) -> None:
    assert place in _texts(PlaceExtractor(gaz), text, lang)


@pytest.mark.parametrize(
    "text, lang, word",
    [
        ("Mehr als die Hälfte der Befragten war dagegen.", "de", "Mehr"),
        ("In its petition, the State said the Centre had failed.", "en", "Centre"),  # a category veto
        ("The word means battery in English.", "en", "English"),
    ],
)
def test_learned_decision_drops_common_words(gaz: Gazetteer, text: str, lang: str, word: str) -> None:
    assert word not in _texts(PlaceExtractor(gaz), text, lang)
