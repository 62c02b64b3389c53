"""Resolution behaviours of the places2 pass on invented sentences: two names joined by "and" are
two places, and a region named in the article does not make a village beat a city of its name
thirty times its size (while it still decides between namesakes of similar size)."""

from __future__ import annotations

import pytest

from geoapp.model import Article
from geoapp.pipeline import Geoparser


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return Geoparser(corrections=None)


def places(gp: Geoparser, text: str, lang: str = "en"):
    return gp.parse(Article(id="t", title="", text=text, lang=lang)).places


def test_england_and_wales_are_two_places(gp: Geoparser) -> None:
    got = places(gp, "The number of police officers in England and Wales has fallen since 2010.")
    names = {pm.mention.text: pm.place.name for pm in got if pm.place}
    assert names.get("England") == "England"
    assert names.get("Wales") == "Wales"
    assert "England and Wales" not in names


def test_real_names_with_and_stay_whole(gp: Geoparser) -> None:
    got = places(gp, "Officials in Trinidad and Tobago and in Bosnia and Herzegovina agreed.")
    names = {pm.mention.text: pm.place.country_code for pm in got if pm.place}
    assert names.get("Trinidad and Tobago") == "TT"
    assert names.get("Bosnia and Herzegovina") == "BA"


def test_a_named_region_does_not_make_a_village_beat_a_city(gp: Geoparser) -> None:
    text = ("COLUMBUS, Ohio (AP) - The final was played in Columbus, Ohio. Louisville won in overtime, "
            "and Louisville fans celebrated.")
    lou = [pm for pm in places(gp, text) if pm.mention.text == "Louisville"]
    assert lou and all(pm.place.admin1 == "Kentucky" for pm in lou)


def test_a_named_region_still_decides_between_namesakes_of_similar_size(gp: Geoparser) -> None:
    text = "The governor of Illinois spoke in Chicago. Later he flew to Springfield for the vote."
    spr = [pm for pm in places(gp, text) if pm.mention.text == "Springfield"]
    assert spr and all(pm.place.admin1 == "Illinois" for pm in spr)


@pytest.mark.parametrize(
    "text, lang, short, cc",
    [
        ("Trinidad and Tobago objected. The ministry in Trinidad sent a note.", "en", "Trinidad", "TT"),
        ("Trinidad und Tobago protestiert. Das Ministerium in Trinidad schickte eine Note.", "de", "Trinidad",
         "TT"),
    ],
)
def test_first_part_of_a_two_part_country_name(
    gp: Geoparser, text: str, lang: str, short: str, cc: str
) -> None:
    got = [pm for pm in places(gp, text, lang) if pm.mention.text == short]
    assert got and all(pm.place is not None and pm.place.country_code == cc for pm in got)


def test_first_part_alone_is_left_to_the_gazetteer(gp: Geoparser) -> None:
    got = places(gp, "The team flew to Trinidad, Bolivia, for the match.")
    got = [pm for pm in got if pm.mention.text == "Trinidad"]
    assert got and got[0].place.country_code == "BO"


@pytest.mark.parametrize(
    "text, inside",
    [
        ("In a press release, Maryland State Police said the man was charged.", "State Police"),
        ("A scientist at Colorado State University issued the forecast.", "State University"),
    ],
)
def test_a_cue_word_inside_a_longer_name_is_no_cue(gp: Geoparser, text: str, inside: str) -> None:
    assert inside not in [pm.mention.text for pm in places(gp, text)]


def test_region_cue_before_a_name_still_counts(gp: Geoparser) -> None:
    got = places(gp, "Die Region Kursk wurde beschossen.", "de")
    assert any(pm.place is not None and pm.place.feature == "region" for pm in got)
