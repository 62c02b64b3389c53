"""A place name that is only part of a facility's or landmark's name is not that place
(devnews guideline T5; word lists in ``geoapp/data/words/facilities.yaml``). Invented sentences."""

from __future__ import annotations

import pytest

from geoapp.model import Article
from geoapp.pipeline import Geoparser
from geoapp.places import facility_part


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return Geoparser(corrections=None)


def places(gp: Geoparser, text: str, lang: str = "en") -> dict[str, str | None]:
    res = gp.parse(Article(id="t", title="", text=text, lang=lang))
    return {pm.mention.text: (pm.place.name if pm.place else None) for pm in res.places}


@pytest.mark.parametrize(
    "text, lang, name",
    [
        ("The protesters gathered a short walk from the Lincoln Memorial on Sunday.", "en", "Lincoln"),
        ("Tourists queued at the Washington Monument for hours.", "en", "Washington"),
        ("He was taken to Colchester Hospital after the crash in Essex.", "en", "Colchester"),
        ("Flights at San Diego International Airport were delayed.", "en", "San Diego"),
        ("Die Soldaten sind im Camp Castor in Gao stationiert.", "de", "Castor"),
        ("Die Delegation wohnte im Hotel Adlon in Berlin.", "de", "Adlon"),
    ],
)
def test_place_inside_a_facility_name_is_not_that_place(
    gp: Geoparser, text: str, lang: str, name: str
) -> None:
    assert name not in places(gp, text, lang)


def test_the_rest_of_the_sentence_still_counts(gp: Geoparser) -> None:
    got = places(gp, "Die Soldaten sind im Camp Castor in Gao stationiert.", "de")
    assert "Gao" in got
    got = places(gp, "He was taken to Colchester Hospital after the crash in Essex.")
    assert "Essex" in got


@pytest.mark.parametrize(
    "text, lang, name",
    [
        # organisations are no buildings: the place inside stays (guideline T4)
        ("She studied at Cornell University and then moved to Colorado.", "en", "Colorado"),
        ("The case went to the U.S. District Court in Boston.", "en", "U.S."),
        # a lower-case noun is no part of the name
        ("The hospital in Colchester was closed.", "en", "Colchester"),
        # the curated feature table holds the whole name
        ("Die Hochzeit fand im Çiragan-Palast in Istanbul statt.", "de", "Çiragan-Palast"),
    ],
)
def test_names_that_stay_places(gp: Geoparser, text: str, lang: str, name: str) -> None:
    assert places(gp, text, lang).get(name)


def test_facility_part_looks_at_the_name_only() -> None:
    text = "near the Lincoln Memorial"
    assert facility_part(text, 9, 16, "en")
    text = "in Lincoln. Memorial services"
    assert not facility_part(text, 3, 10, "en")
    text = "Bauarbeiten an der Bad Lippspringer Karl-Hansen-Klinik"
    assert not facility_part(text, 19, 35, "de")
    # German cities beside a station or airport are annotated as places (SmartData, MobIE)
    assert not facility_part("am Flughafen München", 13, 20, "de")
    assert not facility_part("in Dietzenbach Bahnhof", 3, 14, "de")
