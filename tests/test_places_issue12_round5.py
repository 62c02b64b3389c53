"""Issue 12, fifth round of places: German compounds with a place before the hyphen, names written
with a hyphen, curated features after a feature noun, and border rivers.
Invented sentences through the real pipeline (with near misses that must stay as they are)."""

from __future__ import annotations

import pytest

from geoapp.gazetteer import Gazetteer
from geoapp.model import Article
from geoapp.pipeline import Geoparser


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return Geoparser(corrections=None)


def parse(gp: Geoparser, text: str, lang: str = "de"):
    return gp.parse(Article(id="t", title="", text=text, lang=lang))


def spans(gp: Geoparser, text: str, lang: str = "de") -> dict[str, tuple[int, int, object]]:
    """Mention text -> (start, end, resolved place or None), first mention of each text."""
    out: dict[str, tuple[int, int, object]] = {}
    for pm in parse(gp, text, lang).places:
        out.setdefault(pm.mention.text, (pm.mention.start, pm.mention.end, pm.place))
    return out


# -- the place before the hyphen of a compound ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part", "code"),
    [
        ("Seit Monaten beherrscht der Ukraine-Krieg die Schlagzeilen.", "Ukraine", "UA"),
        ("Die Minister berieten über eine Lösung des Syrien-Konflikts.", "Syrien", "SY"),
        ("Das Iran-Abkommen sollte die Anreicherung begrenzen.", "Iran", "IR"),
        ("Die Gegend wird von christlichen Karabach-Armeniern bewohnt.", "Karabach", "AZ"),
        ("Nach dem Gaza-Krieg begann der Wiederaufbau nur langsam.", "Gaza", "PS"),
    ],
)
def test_place_part_of_a_compound(gp: Geoparser, text: str, part: str, code: str) -> None:
    got = spans(gp, text)
    assert part in got, got
    start, end, place = got[part]
    assert text[start:end] == part and text[end] == "-"
    assert place is not None and place.country_code == code


def test_macro_region_part_of_a_compound(gp: Geoparser) -> None:
    text = "Der Nahost-Konflikt beschäftigt die Diplomaten seit Jahrzehnten."
    start, end, place = spans(gp, text)["Nahost"]
    assert (start, end) == (4, 10) and place is not None and place.name == "Middle East"


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # a city's compound is a district of its own, not the city
        ("Sie wohnt seit Jahren in Köln-Wahn am Rand der Stadt.", "Köln"),
        # two names joined: neither is the place part of a compound
        ("Er ordnete die Sprachen der Niger-Kongo Familie neu.", "Niger"),
        # an ISO code in title case is no name
        ("Die Software läuft auf allen Mac-Computern der Firma.", "Mac"),
        # a compass word after the hyphen is part of a name
        ("Der Zug hält in Leipzig-Nord nicht mehr.", "Leipzig"),
    ],
)
def test_compound_near_misses(gp: Geoparser, text: str, absent: str) -> None:
    assert absent not in spans(gp, text)


def test_compound_makes_no_country_actor(gp: Geoparser) -> None:
    """The country in "Ukraine-Krieg" names the war, it does not act."""
    result = parse(gp, "Der Ukraine-Krieg hat die Energiepreise in Europa steigen lassen.")
    assert "Ukraine" in {pm.mention.text for pm in result.places}
    assert not [a for a in result.actors if a.actor.kind == "country" and a.actor.country_code == "UA"]


# -- a name written with a hyphen ---------------------------------------------------------------------


def test_hyphenated_two_word_name(gp: Geoparser) -> None:
    text = "Addis-Abeba ist die Hauptstadt Äthiopiens, es ist ein Schmelztiegel."
    result = parse(gp, text)
    found = {pm.mention.text: pm.place for pm in result.places}
    assert found.get("Addis-Abeba") is not None and found["Addis-Abeba"].country_code == "ET"
    assert "Addis-Abeba" not in {a.mention.text for a in result.actors}  # no organisation


def test_hyphenated_word_that_is_no_name(gp: Geoparser) -> None:
    got = spans(gp, "Er trank im Büro eine Coca-Cola und las die Zeitung.")
    assert "Coca-Cola" not in got and "Coca" not in got


# -- a curated feature after a feature noun, and border rivers ---------------------------------------


def test_river_after_a_feature_noun(gp: Geoparser) -> None:
    text = "Die Lage bleibt angespannt. Am Grenzfluss Evros wurden am Morgen Menschen gesehen."
    start, end, place = spans(gp, text)["Evros"]
    assert text[start:end] == "Evros" and place is not None and place.feature == "feature"


def test_feature_noun_without_a_name(gp: Geoparser) -> None:
    assert spans(gp, "Am Grenzfluss wurden am Morgen viele Menschen gesehen.") == {}


@pytest.mark.parametrize(
    ("key", "lat", "lon"),
    [
        ("aras", 38.95, 45.62),
        ("araks", 38.95, 45.62),
        ("westlicher bug", 52.08, 23.62),
        ("western bug", 52.08, 23.62),
        ("ussuri", 46.49, 133.84),
        ("suchiate", 14.68, -92.15),
        ("pandsch", 36.72, 71.6),
        ("narva river", 59.37, 28.19),
    ],
)
def test_border_rivers_in_the_gazetteer(key: str, lat: float, lon: float) -> None:
    rivers = [c for c in Gazetteer.default().candidates(key) if c.feature_code == "river"]
    assert rivers and abs(rivers[0].lat - lat) < 0.01 and abs(rivers[0].lon - lon) < 0.01


def test_border_river_and_its_town(gp: Geoparser) -> None:
    """Narva is a town on the river Narva: the table names the river "Narva River" and
    "Narva-Fluss", not bare "Narva", which would take the town's mentions (it did, when tried)."""
    town = spans(gp, "Die Lage ist ruhig. In Narva leben viele Menschen.")["Narva"][2]
    river = spans(gp, "Soldiers patrol the Narva River at night.", "en")["Narva River"][2]
    assert town is not None and town.feature == "city" and town.country_code == "EE"
    assert river is not None and river.feature == "feature"
