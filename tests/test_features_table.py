"""The curated table of natural features, disputed territories and informal regions.

The table (``geoapp/data/features.tsv``) is written by hand, so its validation must pass and must be
able to fail; and what matters is that news names reach the right kind of place near the right
point through the rebuilt gazetteer, in German and English, inflected as German writes them.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from geoapp.features import ID_BASE, TYPES, Feature, Outlines, read_table, validate
from geoapp.gazetteer import Gazetteer
from geoapp.model import Article
from geoapp.pipeline import Geoparser
from geoapp.text import name_key


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


@pytest.fixture(scope="module")
def table() -> list[Feature]:
    return read_table()


@pytest.fixture(scope="module")
def outlines() -> Outlines:
    return Outlines()


def test_the_table_validates_against_the_shipped_outlines(
    table: list[Feature], outlines: Outlines, gaz: Gazetteer
) -> None:
    countries = {f.country for f in table if f.country and gaz.country(f.country) is not None}
    report = validate(table, outlines, known_countries=countries)
    assert report.ok, report.errors[:10]
    assert len(table) >= 400
    assert {"sea", "river", "mountains", "disputed", "occupied", "region", "crossing"} <= set(report.counts)
    assert report.checked_country > 300


def _sea(**changes) -> Feature:
    base = Feature("test-sea", "Test Sea", "Testmeer", (), "sea", 43.3, 34.5, None, None, None, "test")
    return replace(base, **changes)


def test_validation_fails_on_bad_rows(outlines: Outlines) -> None:
    on_land = _sea(lat=50.0, lon=10.0)  # central Germany
    assert any("inside a country outline" in e for e in validate([on_land], outlines).errors)
    wrong_country = replace(_sea(type="lake"), country="FR")  # the Black Sea is nowhere near France
    assert any("outside the FR outline" in e for e in validate([wrong_country], outlines).errors)
    shared = [_sea(), _sea(id="test-sea-two", name_en="Other Sea", aliases=("Testmeer",))]
    assert any("shared by" in e for e in validate(shared).errors)
    assert any("outside its bbox" in e for e in validate([_sea(bbox=(0, 0, 1, 1))]).errors)
    assert any("unknown type" in e for e in validate([_sea(type="puddle")]).errors)
    assert any("not sorted" in e for e in validate([_sea(id="z-sea"), _sea(id="a-sea", name_en="A")]).errors)


def test_a_justified_exception_excuses_its_check_only(outlines: Outlines) -> None:
    excused = _sea(lat=50.0, lon=10.0, checks={"on-land": "a test of the exception column"})
    report = validate([excused], outlines)
    assert report.ok and len(report.exceptions) == 1
    assert validate([replace(excused, checks={"at-sea": "the wrong check"})], outlines).errors


def test_outlines_join_up_across_the_antimeridian(outlines: Outlines) -> None:
    assert outlines.country_at(66.0, 87.5) == "RU"  # central Siberia
    assert outlines.country_at(65.0, -175.0) == "RU"  # Chukotka, east of 180°
    assert outlines.country_at(-80.0, 0.0) == "AQ"
    assert outlines.country_at(0.0, -160.0) is None  # the Pacific


@pytest.mark.parametrize(
    ("name", "kind", "point", "tolerance_km"),
    [
        ("Schwarzes Meer", "sea", (43.4, 34.2), 250),
        ("Black Sea", "sea", (43.4, 34.2), 250),
        ("Rotes Meer", "sea", (20.3, 38.5), 300),
        ("Arabischen Meer", "sea", (14.0, 65.0), 600),
        ("Gazastreifen", "occupied", (31.4, 34.4), 30),
        ("Westjordanland", "occupied", (31.9, 35.2), 60),
        ("Golanhöhen", "occupied", (33.0, 35.8), 50),
        ("Krim", "occupied", (45.3, 34.3), 100),
        ("Berg-Karabach", "disputed", (39.8, 46.7), 60),
        ("Nagorno-Karabakh", "disputed", (39.8, 46.7), 60),
        ("Senkaku-Inseln", "disputed", (25.75, 123.5), 60),
        ("Kaukasus", "mountains", (42.8, 44.0), 300),
        ("Hoher Atlas", "mountains", (31.1, -7.5), 150),
        ("Strait of Hormuz", "strait", (26.6, 56.4), 60),
        ("Dnepr", "river", (47.5, 34.0), 500),
        ("Euphrat", "river", (35.0, 40.0), 500),
        ("Karibik", "region", (17.0, -72.0), 800),
        ("Nahen Osten", "region", (29.0, 43.0), 1200),
        ("Kerem Schalom", "crossing", (31.23, 34.28), 10),
        ("Çiragan-Palast", "landmark", (41.04, 29.02), 5),
    ],
)
def test_names_reach_the_right_kind_of_place(
    gaz: Gazetteer, name: str, kind: str, point: tuple[float, float], tolerance_km: float
) -> None:
    cands = gaz.candidates(name_key(name))
    assert cands, name
    first = cands[0]
    assert first.feature_code == kind and first.feature == TYPES[kind]
    assert km((first.lat, first.lon), point) < tolerance_km


@pytest.mark.parametrize("name", ["Sea of Japan", "Japanisches Meer"])
def test_sea_of_japan_is_a_sea_not_japan(gaz: Gazetteer, name: str) -> None:
    first = gaz.candidates(name_key(name))[0]
    assert (first.feature, first.feature_code, first.country_code) == ("feature", "sea", None)


@pytest.mark.parametrize(
    ("text", "lang", "surface", "place"),
    [
        ("Russische Kriegsschiffe kreuzen im Japanischen Meer vor Wladiwostok.", "de", "Japanischen Meer",
         "Sea of Japan"),
        ("The Houthis attacked another ship in the Red Sea on Tuesday.", "en", "Red Sea", "Red Sea"),
        ("Die Lage im Gazastreifen bleibt angespannt.", "de", "Gazastreifen", "Gaza Strip"),
        ("Forecasters expect an active Atlantic hurricane season in the United States.", "en", "Atlantic",
         "Atlantic Ocean"),
    ],
)  # fmt: skip
def test_the_pipeline_places_features(text: str, lang: str, surface: str, place: str) -> None:
    result = Geoparser(corrections=None).parse(Article(id="t", title="", text=text, lang=lang))
    found = {pm.mention.text: pm.place for pm in result.places}
    assert surface in found and found[surface] is not None
    assert found[surface].name == place and found[surface].feature in ("feature", "region")


def test_curated_ids_are_their_own_negative_space(gaz: Gazetteer, table: list[Feature]) -> None:
    black_sea = next(f for f in table if f.id == "black-sea")
    gid = black_sea.gazetteer_id
    assert gid <= -ID_BASE
    assert gaz.by_id(gid).name == "Black Sea"
    assert gaz.candidates("black sea")[0].to_place().key == f"curated:{-gid}"
    assert gaz.country("TR").geonameid > 0 and gaz.by_id(gaz.country("TR").geonameid).feature == "country"
