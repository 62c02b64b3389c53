"""Places named by an adjective: recorded apart from places, with offsets, resolved to the country
or region, nouns for people left out, and never on the map."""

from __future__ import annotations

import pytest

from geoapp.adjectives import is_adjective
from geoapp.model import Article
from geoapp.pipeline import Geoparser


@pytest.fixture(scope="module")
def geoparser() -> Geoparser:
    return Geoparser(corrections=None)


def parse(gp: Geoparser, text: str, lang: str):
    return gp.parse(Article(id="t", title="", text=text, lang=lang))


def test_english_adjectives_resolve_to_country_and_continent(geoparser) -> None:
    text = "Russian troops crossed the border. The Russians denied it, European markets fell."
    r = parse(geoparser, text, "en")
    got = {(pm.mention.text, pm.place.name if pm.place else None) for pm in r.adjectives}
    assert ("Russian", "Russia") in got
    assert ("European", "Europe") in got
    assert not any(pm.mention.text == "Russians" for pm in r.adjectives)  # a noun for people
    for pm in r.adjectives:
        assert text[pm.mention.start : pm.mention.end] == pm.mention.text
        assert pm.mention.kind == "demonym" and "adjective" in pm.flags
    russia = next(pm.place for pm in r.adjectives if pm.mention.text == "Russian")
    assert russia.feature == "country" and russia.country_code == "RU"
    # still no place mention, and no actor: "Russian troops" names no agent
    assert not any(pm.mention.text in ("Russian", "European") for pm in r.places)
    assert not any(am.actor.name == "Russia" for am in r.actors)


def test_german_adjectives_and_nouns(geoparser) -> None:
    text = "Russische Soldaten und nordkoreanische Truppen kämpfen, sagten die Russen in Moskau."
    r = parse(geoparser, text, "de")
    got = {pm.mention.text: pm.place.country_code for pm in r.adjectives if pm.place}
    assert got.get("Russische") == "RU" and got.get("nordkoreanische") == "KP"
    assert "Russen" not in got
    assert [pm.mention.text for pm in r.places] == ["Moskau"]


def test_a_place_name_holding_an_adjective_stays_a_place(geoparser) -> None:
    r = parse(geoparser, "The Russian Federation and the European Union met.", "en")
    assert {pm.mention.text for pm in r.places} == {"Russian Federation", "European Union"}
    assert r.adjectives == []
    russia = [am for am in r.actors if am.actor.name == "Russia"]
    assert [am.mention.text for am in russia] == ["Russian Federation"]  # once, from the place that acts
    r = parse(geoparser, "Die Russische Föderation und die Europäische Union trafen sich in Brüssel.", "de")
    assert "Europäische Union" in [pm.mention.text for pm in r.places]
    assert not any(pm.mention.text == "Europäische" for pm in r.adjectives)


def test_adjectives_are_in_the_jsonl_record_not_in_places(geoparser) -> None:
    rec = parse(geoparser, "Chinese officials met African leaders.", "en").to_record()
    got = {(a["text"], a["name"]) for a in rec["adjectives"]}
    assert got == {("Chinese", "China"), ("African", "Africa")}
    assert rec["places"] == []


@pytest.mark.parametrize(
    ("surface", "lang", "expected"),
    [
        ("Russian", "en", True),
        ("Russians", "en", False),
        ("Swiss", "en", True),
        ("Europeans", "en", False),
        ("russischen", "de", True),
        ("Russische", "de", True),
        ("Russen", "de", False),
        ("Europäer", "de", False),
    ],
)
def test_is_adjective(surface: str, lang: str, expected: bool) -> None:
    assert is_adjective(surface, lang) is expected


def test_nouns_for_people_and_cue_words_are_no_adjective_references(geoparser) -> None:
    text = (
        "The Russian state news agency Tass said so. Older South Koreans remembered. "
        "The Irish — left with seven players. Many Chinese are on a quest. Russian-backed forces."
    )
    r = parse(geoparser, text, "en")
    assert [pm.mention.text for pm in r.adjectives] == ["Russian", "Russian"]
    assert r.places == []  # "Russian state" is no place named "Russian" with a cue word


def test_adjectives_of_first_level_regions(geoparser) -> None:
    text = "The English city of Dover expects delays. Kurdish fighters and Scottish fishermen met."
    r = parse(geoparser, text, "en")
    got = {pm.mention.text: pm.place for pm in r.adjectives}
    england = got["English"]
    assert england is not None and (england.name, england.country_code) == ("England", "GB")
    assert got["Scottish"] is not None and got["Scottish"].name == "Scotland"
    assert got["Kurdish"] is not None and got["Kurdish"].feature == "region"
    spoken = parse(geoparser, "She spoke English.", "en").adjectives
    assert not any(pm.mention.text == "English" for pm in spoken)
