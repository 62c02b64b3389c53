"""Tests of the shipped offline gazetteer: the names news text uses must reach the right places.

They load the real shipped file (about half a second, once per module) because what matters is
the data: exonyms, abbreviations, regions and the common-word filter.
"""

from __future__ import annotations

import math

import pytest

from geoapp.gazetteer import Gazetteer
from geoapp.model import Candidate
from geoapp.text import name_key


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


def top(gaz: Gazetteer, name: str) -> Candidate:
    cands = gaz.candidates(name_key(name))
    assert cands, f"no candidates for {name!r}"
    return cands[0]


@pytest.mark.parametrize("name", ["Pjöngjang", "Pyongyang", "pjongjang"])
def test_pyongyang(gaz: Gazetteer, name: str) -> None:
    c = top(gaz, name)
    assert c.name == "Pyongyang" and c.country_code == "KP" and c.source == "gazetteer"
    assert km((c.lat, c.lon), (39.03, 125.75)) < 10


def test_wonsan_with_and_without_breve(gaz: Gazetteer) -> None:
    assert name_key("Wŏnsan") == "wonsan"
    c = top(gaz, "Wonsan")
    assert c.country_code == "KP" and km((c.lat, c.lon), (39.15, 127.44)) < 10


def test_kursk_city_and_oblast(gaz: Gazetteer) -> None:
    cands = gaz.candidates("kursk")
    features = {c.feature for c in cands if c.country_code == "RU"}
    assert {"city", "region"} <= features
    for key in ("kursk", "kursk oblast"):
        regions = [c for c in gaz.candidates(key) if c.feature == "region" and c.country_code == "RU"]
        assert regions, key
        assert km((regions[0].lat, regions[0].lon), (51.7, 36.2)) < 100
        assert regions[0].feature_code == "ADM1"


@pytest.mark.parametrize(
    ("key", "cc", "feature", "name"),
    [
        ("russland", "RU", "country", None),
        ("nordkorea", "KP", "country", None),
        ("ukraine", "UA", "country", None),
        ("vereinigte staaten", "US", "country", None),
        ("moskau", "RU", "city", "Moscow"),
        ("kiew", "UA", "city", "Kyiv"),
        ("munchen", "DE", "city", "Munich"),
        ("venedig", "IT", "city", "Venice"),
        ("florenz", "IT", "city", "Florence"),
        ("europa", None, "continent", "Europe"),
    ],
)
def test_german_and_english_names(
    gaz: Gazetteer, key: str, cc: str | None, feature: str, name: str | None
) -> None:
    c = gaz.candidates(key)[0]
    assert (c.country_code, c.feature) == (cc, feature)
    if name:
        assert c.name == name


@pytest.mark.parametrize(("surface", "cc"), [("USA", "US"), ("UK", "GB"), ("DVRK", "KP"), ("US", "US")])
def test_abbreviations_are_exact_case(gaz: Gazetteer, surface: str, cc: str) -> None:
    key = name_key(surface)
    country = gaz.country(cc)
    assert country is not None
    assert "abbr" in gaz.name_flags(key)[country.geonameid]
    assert surface in gaz.abbr_surfaces(key)[country.geonameid]
    assert gaz.abbreviation(surface)[0].country_code == cc
    assert gaz.abbreviation(surface.lower()) == []  # "us" the pronoun is not an abbreviation


@pytest.mark.parametrize("word", ["die", "und", "the", "mehr", "sonntag", "thema", "kommentar", "bei"])
def test_common_words_are_never_plain_evidence(gaz: Gazetteer, word: str) -> None:
    """Either no key at all, or a key the gazetteer marks as a common word (a town's main name)."""
    if gaz.has(word):
        assert gaz.is_common(word), gaz.candidates(word)[:3]
        # never only through an untagged alternate of somewhere: the main name of a real place
        assert any("main" in f for f in gaz.name_flags(word).values())


def test_no_junk_country_aliases(gaz: Gazetteer) -> None:
    for key in ("berlin", "london", "munchen", "new york"):
        assert all(c.feature != "country" for c in gaz.candidates(key)), key


@pytest.mark.parametrize("name", ["Iowa", "Ohio", "California", "England", "WYO", "Nev"])
def test_a_region_name_is_no_alias_of_its_country(gaz: Gazetteer, name: str) -> None:
    """The alias packages list US states (and England) as names of their country; the build drops
    them, so the state (or nothing) answers, never the country."""
    assert not any(c.feature == "country" for c in gaz.candidates(name_key(name)))


def test_counts_and_lookups(gaz: Gazetteer) -> None:
    counts = gaz.counts()
    assert counts["country"] >= 240
    assert counts["region"] >= 3000
    assert counts["city"] >= 24000
    assert counts["continent"] == 7
    assert len(gaz) == sum(counts.values())
    assert 1 <= gaz.max_words <= 6
    assert not gaz.has("xyzzy qwerty") and gaz.candidates("xyzzy qwerty") == []


def test_capital_country_and_by_id(gaz: Gazetteer) -> None:
    cap = gaz.capital("KP")
    assert cap is not None and cap.name == "Pyongyang" and cap.feature_code == "PPLC"
    us = gaz.country("us")
    assert us is not None and us.feature_code == "PCLI" and us.geonameid == 6252001
    assert gaz.by_id(6252001) == us
    assert gaz.by_id(1) is None


def test_priors_order(gaz: Gazetteer) -> None:
    assert gaz.candidates("georgia")[0].feature == "country"
    assert gaz.candidates("paris")[0].country_code == "FR"
    assert gaz.candidates("washington")[0].feature_code == "PPLC"


def test_all_keys_are_name_keys(gaz: Gazetteer) -> None:
    keys = list(gaz._names)[:: max(1, gaz.n_keys // 5000)]
    assert all(name_key(k) == k for k in keys)


def test_window_heads_stored_and_derived_agree(gaz: Gazetteer) -> None:
    """The header's ``heads`` (written by the build) equal what the keys give for older files."""
    from geoapp.gazetteer import head_lengths

    assert gaz.longest_name_from("new") >= 2 and gaz.longest_name_from("pjongjang") == 1
    assert head_lengths(["new york city", "new york", "rio de janeiro", "paris"]) == {"new": 3, "rio": 3}
    stored = dict(gaz._heads or {})
    assert stored and stored == head_lengths(gaz._names)


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("Demokratische Republik Kongo", "CD"),
        ("Demokratischen Republik Kongo", "CD"),
        ("DR Kongo", "CD"),
        ("Kongo-Kinshasa", "CD"),
        ("Democratic Republic of the Congo", "CD"),
        ("Republik Kongo", "CG"),
        ("Vereinigte Staaten von Amerika", "US"),
        ("Volksrepublik China", "CN"),
        ("Republik Korea", "KR"),
        ("Demokratische Volksrepublik Korea", "KP"),
        ("Russische Föderation", "RU"),
        ("Elfenbeinküste", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("Vereinigten Königreich", "GB"),
        ("Islamische Republik Iran", "IR"),
    ],
)
def test_long_and_variant_country_names(gaz: Gazetteer, name: str, cc: str) -> None:
    c = gaz.candidates(name_key(name))[0]
    assert (c.feature, c.country_code) == ("country", cc)


def test_a_bare_state_form_is_no_country_name(gaz: Gazetteer) -> None:
    """News corpora tag "Republik [Zypern]": the form is kept only where the name alone is ambiguous."""
    assert not gaz.has("republik zypern") and not gaz.has("republik turkei")
    assert gaz.candidates("zypern")[0].country_code == "CY"


def test_german_names_of_first_level_regions(gaz: Gazetteer) -> None:
    c = gaz.candidates("kalifornien")[0]
    assert (c.feature, c.country_code, c.feature_code) == ("region", "US", "ADM1")
    assert not gaz.has("marken") or all(c.feature != "region" for c in gaz.candidates("marken"))


def _dist_km(a: Candidate, lat: float, lon: float) -> float:
    p1, p2, dl = math.radians(a.lat), math.radians(lat), math.radians(lon - a.lon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(
    ("name", "cc", "admin1", "lat", "lon"),
    [
        ("Nueva Vizcaya", "PH", "Cagayan Valley", 16.3, 121.1),
        ("Mountain Province", "PH", "Cordillera Administrative Region", 17.1, 121.0),
        ("Kent", "GB", "England", 51.2, 0.7),
        ("Orange County", "US", "California", 33.7, -117.8),
    ],
)
def test_second_level_regions(gaz: Gazetteer, name: str, cc: str, admin1: str, lat: float, lon: float) -> None:  # noqa: E501
    got = [c for c in gaz.candidates(name_key(name)) if c.feature_code == "ADM2" and c.country_code == cc]
    assert got and got[0].feature == "region" and got[0].admin1 == admin1
    assert _dist_km(got[0], lat, lon) < 60


def test_second_level_regions_keep_out_of_countries_and_bare_forms(gaz: Gazetteer) -> None:
    # "Hampshire" came as a loose alias of the United Kingdom; "Harris" is Harris County's bare form
    assert all(c.feature != "country" for c in gaz.candidates("hampshire"))
    assert not any(c.feature_code == "ADM2" for c in gaz.candidates("harris"))
    # small ones are left out (member places under 50,000 people), unless named with the division
    # noun (from 2,000): Orange County, Vermont, is in; Rutland, the English county, is not
    assert all(c.population >= 2_000 for c in gaz.candidates("orange county"))
    assert any(c.admin1 == "Vermont" for c in gaz.candidates("orange county"))
    assert not any(c.feature_code == "ADM2" for c in gaz.candidates("rutland"))


def test_country_points_agree_relative_to_size(gaz: Gazetteer) -> None:
    # reference point and outline centroid 422 km apart, under a quarter of India's size: midpoint
    india = gaz.country("IN")
    assert india is not None and _dist_km(india, 21.46, 78.30) < 5
    us = gaz.country("US")
    assert us is not None and _dist_km(us, 39.76, -98.5) < 161
