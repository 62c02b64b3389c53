"""Resolution with the article as context: cues beside a name, the article's geography, one
referent per name, and the confidence and alternatives every choice carries.

Short German and English texts written for these tests, run through the whole pipeline with the
shipped gazetteer (loaded once per module), because what a cue or a context decides depends on the
candidates the gazetteer holds.
"""

from __future__ import annotations

import pytest

from geoapp.model import NEEDS_REVIEW, REVIEW_BELOW, Article, PlaceMention
from geoapp.pipeline import Geoparser


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return Geoparser(corrections=None)


def places(gp: Geoparser, text: str, lang: str) -> list[PlaceMention]:
    return gp.parse(Article(id="t", title="", text=text, lang=lang)).places


def resolved(gp: Geoparser, text: str, lang: str, surface: str) -> list[tuple[str, str | None, str]]:
    """(name, country code, feature) of every mention written ``surface``."""
    got = [pm for pm in places(gp, text, lang) if pm.mention.text == surface]
    assert got, f"{surface!r} not found as a place"
    return [(pm.place.name, pm.place.country_code, pm.place.feature) if pm.place else None for pm in got]


# -- cues and one referent per name ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "de",
            "Der Hurrikan traf den US-Bundesstaat Florida mit voller Wucht. Auch Kuba meldete schwere "
            "Schäden. Florida hat 20,6 Millionen Einwohner.",
        ),
        (
            "en",
            "The hurricane hit the state of Florida on Monday. Cuba also reported heavy damage. "
            "Florida has 21 million inhabitants.",
        ),
    ],
)
def test_a_state_cue_beats_a_country_named_in_the_article(gp: Geoparser, lang: str, text: str) -> None:
    # Without the cue, Cuba's town of Florida (Camagüey) was chosen for both mentions.
    assert resolved(gp, text, lang, "Florida") == [("Florida", "US", "region")] * 2


def test_the_country_a_cue_names_decides(gp: Geoparser) -> None:
    text = "Schwere Monsunregen trafen die pakistanische Provinz Punjab. Im Punjab starben 40 Menschen."
    assert {cc for _, cc, _ in resolved(gp, text, "de", "Punjab")} == {"PK"}
    text = "Floods hit the Indian state of Punjab after days of rain."
    assert resolved(gp, text, "en", "Punjab") == [("Punjab", "IN", "region")]


def test_a_region_cue_finds_the_region_around_its_seat(gp: Geoparser) -> None:
    # The gazetteer knows "Charkiw" only as the city: the cue asks for the oblast around it.
    text = "Russische Truppen rückten in der Region Charkiw vor, meldete Kiew."
    (got,) = [pm.place for pm in places(gp, text, "de") if "Charkiw" in pm.mention.text]
    assert (got.name, got.feature) == ("Kharkiv Oblast", "region")


def test_a_region_cue_finds_the_region_sharing_the_citys_name(gp: Geoparser) -> None:
    text = "In der Stadt Asow in der Region Rostow brannte ein Munitionsdepot."
    (got,) = [pm.place for pm in places(gp, text, "de") if "Rostow" in pm.mention.text]
    assert (got.country_code, got.feature) == ("RU", "region") and got.name.startswith("Rostov")


def test_the_place_in_a_german_compound_with_a_cue_noun(gp: Geoparser) -> None:
    text = "Friedensnobelpreisträger Abiy in der nördlichen Tigray-Region versuchte, die Lage zu beruhigen."
    got = [(pm.mention.text, pm.place.country_code if pm.place else None) for pm in places(gp, text, "de")]
    assert ("Tigray", "ET") in got


@pytest.mark.parametrize(
    ("lang", "text", "surface", "expected"),
    [
        ("de", "Die Kämpfe in der Region Tigray dauern an, sagte ein Sprecher in Addis Abeba.", "Tigray",
         ("ET", "region")),
        ("de", "Das Bundesland Sachsen meldete am Montag neue Zahlen.", "Sachsen", ("DE", "region")),
        ("en", "Ukrainian drones hit an airfield in Kursk Oblast.", "Kursk Oblast", ("RU", "region")),
        ("en", "Fighting continued in Hama province on Sunday, Syrian media said.", "Hama", ("SY", "region")),
    ],
)
def test_cue_nouns_before_and_after(gp, lang, text, surface, expected) -> None:
    got = [pm.place for pm in places(gp, text, lang) if surface in pm.mention.text]
    assert got and got[0] is not None and (got[0].country_code, got[0].feature) == expected


def test_a_county_stands_in_as_its_town_only_among_the_articles_places(gp: Geoparser) -> None:
    near = "Wildfires forced evacuations in Orange County. Residents of Anaheim and Irvine fled."
    (county,) = [pm for pm in places(gp, near, "en") if pm.mention.text.startswith("Orange")]
    # the gazetteer knows the county itself now (second-level regions), in California by its people
    assert county.place is not None
    assert (county.place.name, county.place.admin1) == ("Orange County", "California")
    far = "A tornado hit Paris, Texas, on Tuesday. The town in Lamar County was hit hard."
    (county,) = [pm for pm in places(gp, far, "en") if pm.mention.text.startswith("Lamar")]
    # counties named with their noun are kept from 2,000 people: the one in Texas, not the town
    # of Lamar in Missouri nor the Lamar Counties of Mississippi, Georgia and Alabama
    assert county.place is not None
    assert (county.place.name, county.place.admin1) == ("Lamar County", "Texas")


def test_a_name_keeps_its_cued_referent_in_later_mentions(gp: Geoparser) -> None:
    text = "A tornado hit Paris, Texas, on Tuesday. Paris has 25,000 inhabitants."
    assert [cc for _, cc, _ in resolved(gp, text, "en", "Paris")] == ["US", "US"]


def test_a_region_cue_does_not_carry_over_to_its_namesake_city(gp: Geoparser) -> None:
    text = (
        "Russian drones struck energy facilities in the Kharkiv region overnight. The governor said "
        "the attack damaged a power line outside Kharkiv."
    )
    got = [(pm.mention.text, pm.place.feature) for pm in places(gp, text, "en") if "Khar" in pm.mention.text]
    assert got == [("Kharkiv region", "region"), ("Kharkiv", "city")]


# -- the article's geography -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "surface"),
    [
        (
            "de",
            "In Kinshasa hat Präsident Tshisekedi den Notstand ausgerufen. Die Rebellen stehen vor Goma. "
            "Der Kongo ist reich an Rohstoffen.",
            "Kongo",
        ),
        (
            "en",
            "President Tshisekedi spoke in Kinshasa. Rebels advanced on Goma. Congo is rich in minerals.",
            "Congo",
        ),
    ],
)
def test_a_shared_short_country_name_is_the_country_the_article_is_about(gp, lang, text, surface) -> None:
    (got,) = resolved(gp, text, lang, surface)
    assert got[1] == "CD"  # not the Republic of the Congo, whose name "Kongo" is in German
    about_brazzaville = "Präsident Sassou Nguesso sprach in Brazzaville und Pointe-Noire. Der Kongo wählt."
    assert resolved(gp, about_brazzaville, "de", "Kongo")[0][1] == "CG"
    # a country's name in full is no short form: Nordkorea stays North Korea among South Korean places
    about_seoul = "In Seoul und Busan wurde gewählt. Südkorea blickt nach Norden. Nordkorea schwieg."
    (north,) = [pm.place for pm in places(gp, about_seoul, "de") if pm.mention.text == "Nordkorea"]
    assert north.country_code == "KP" and not any("South Korea" in a for a in north.alternatives)


def test_goma_in_the_east_of_the_country(gp: Geoparser) -> None:
    text = "Präsident Tshisekedi sprach in Kinshasa. Die Rebellen stehen vor Goma im Osten des Landes."
    (got,) = [pm.place for pm in places(gp, text, "de") if pm.mention.text == "Goma"]
    assert got.country_code == "CD" and "Goma, PH (city)" in got.alternatives


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "de",
            "Ägypten öffnete den Grenzübergang nicht. Ägypten und Katar vermitteln, Ägyptens Außenminister "
            "reiste nach Doha. In Rafah im Süden des Gazastreifens suchen Hunderttausende Schutz.",
        ),
        (
            "en",
            "Egypt kept the border closed. Egypt and Qatar are mediating, and Egypt's foreign minister flew "
            "to Doha. In Rafah, in the south of the Gaza Strip, hundreds of thousands sought shelter.",
        ),
    ],
)
def test_rafah_in_an_article_about_gaza(gp: Geoparser, lang: str, text: str) -> None:
    assert resolved(gp, text, lang, "Rafah")[0][1] == "PS"


def test_a_country_named_ten_times_is_no_town_in_texas(gp: Geoparser) -> None:
    text = (
        "Officials in Texas and Houston said the tariffs on China would hurt farmers. "
        + "China answered with tariffs of its own. " * 3
    )
    assert {cc for _, cc, _ in resolved(gp, text, "en", "China")} == {"CN"}


def test_a_big_city_is_meant_over_its_namesake_state(gp: Geoparser) -> None:
    text = "London's murder rate is now higher than that of New York, the Sunday Times said."
    assert resolved(gp, text, "en", "New York") == [("New York City", "US", "city")]


def test_an_acronym_in_parentheses_is_its_long_form(gp: Geoparser) -> None:
    text = "Evacuations were ordered in the Cordillera Administrative Region (CAR) as the storm hit Luzon."
    (car,) = [pm for pm in places(gp, text, "en") if pm.mention.text == "CAR"]
    assert car.place is None or car.place.country_code == "PH"  # never the Central African Republic


# -- places a reader knows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "surface", "name", "cc"),
    [
        ("de", "Die Demokratische Republik Kongo wählt im Dezember.", "Demokratische Republik Kongo",
         "Democratic Republic of the Congo", "CD"),
        ("de", "Israel griff erneut Ziele im Gazastreifen an.", "Gazastreifen", "Gaza Strip", "PS"),
        ("de", "Aserbaidschan eroberte Berg-Karabach zurück.", "Berg-Karabach", "Nagorno-Karabakh", "AZ"),
        ("de", "Der Hurrikan zieht durch die Karibik.", "Karibik", "Caribbean", None),
        ("de", "China schickte Schiffe zu den Senkaku-Inseln.", "Senkaku-Inseln", "Senkaku Islands", None),
        ("de", "Die Waldbrände in Kalifornien breiten sich aus.", "Kalifornien", "California", "US"),
        ("en", "North Korea fired a missile into the Sea of Japan on Monday.", "Sea of Japan", "Sea of Japan",
         None),
        ("en", "Houthi rebels attacked ships in the Red Sea again.", "Red Sea", "Red Sea", None),
        ("en", "A drone hit a tanker in the Black Sea on Sunday.", "Black Sea", "Black Sea", None),
        ("de", "Russland annektierte 2014 die Krim.", "Krim", "Crimea", "UA"),
        ("de", "Die Lage im Kaukasus bleibt gespannt.", "Kaukasus", "Caucasus", None),
        ("de", "Die Exklave Nachitschewan grenzt an die Türkei.", "Nachitschewan", "Nakhchivan", "AZ"),
        ("en", "The earthquake struck the High Atlas south of Marrakesh.", "High Atlas", "High Atlas", "MA"),
        ("en", "Villages in Al Haouz were destroyed by the quake.", "Al Haouz", "Al Haouz", "MA"),
        ("en", "Aid trucks entered through the Kerem Shalom crossing.", "Kerem Shalom", "Kerem Shalom", "IL"),
        ("de", "Der Außenminister reiste am Montag nach Belgrad.", "Belgrad", "Belgrade", "RS"),
    ],
)
def test_places_a_reader_knows_are_found_and_placed(gp, lang, text, surface, name, cc) -> None:
    got = [pm for pm in places(gp, text, lang) if pm.mention.text == surface]
    assert got, f"{surface!r} not found"
    assert got[0].place is not None and (got[0].place.name, got[0].place.country_code) == (name, cc)


def test_sea_of_japan_is_not_japan(gp: Geoparser) -> None:
    got = places(gp, "Chinese warships sailed into the Sea of Japan, the ministry said.", "en")
    assert [pm.mention.text for pm in got] == ["Sea of Japan"]


# -- doubt shown -------------------------------------------------------------------------------------------


def test_every_choice_has_a_confidence_and_short_alternatives(gp: Geoparser) -> None:
    got = places(gp, "Storms hit Paris on Monday, then moved on to Lyon.", "en")
    assert got
    for pm in got:
        assert pm.place is not None and 0.0 <= pm.place.confidence <= 1.0
        assert len(pm.place.alternatives) <= 3
        for alt in pm.place.alternatives:
            assert alt.endswith(")") and " (" in alt  # "Paris, US (city)"
    (paris,) = [pm.place for pm in got if pm.mention.text == "Paris"]
    assert paris.country_code == "FR" and any(a.startswith("Paris, US") for a in paris.alternatives)


def test_review_flag_follows_the_confidence(gp: Geoparser) -> None:
    text = "Die Polizei sperrte die Friedrichstraße. Die Bahn fuhr weiter nach Potsdam und Kongo."
    got = places(gp, text, "de")
    assert any(pm.place is None for pm in got) and any(pm.place is not None for pm in got)
    for pm in got:
        doubtful = pm.place is None or pm.place.confidence < REVIEW_BELOW
        assert (NEEDS_REVIEW in pm.flags) == doubtful


def test_review_flags_are_recomputed_after_a_fix() -> None:
    from dataclasses import replace

    from geoapp.model import Mention, Place
    from geoapp.resolve import review_flags

    m = Mention(0, 5, "Abcde")
    flagged = PlaceMention(m, None, (NEEDS_REVIEW,))
    fixed = replace(flagged, place=Place("Abcde", 1.0, 2.0, "XX", "city", source="user"))
    assert review_flags([flagged, fixed]) == [flagged, replace(fixed, flags=())]


def test_extract_prints_one_summary_line_of_mentions_to_review(tmp_path, capsys) -> None:
    from geoapp.cli import main

    src = tmp_path / "a.txt"
    src.write_text("Sperrung\n\nDie Polizei sperrte die Friedrichstraße in Berlin.\n", "utf-8")
    assert main(["extract", str(src), "-o", str(tmp_path / "o.jsonl")]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "need review" in line]
    assert len(lines) == 1
    expected = "geoapp: 1 place mentions need review (1 unresolved); see the needs_review flag"
    assert lines[0] == expected
    src.write_text("Sturm\n\nDer Zug hielt in Berlin.\n", "utf-8")
    assert main(["extract", str(src), "-o", str(tmp_path / "o.jsonl")]) == 0
    assert "need review" not in capsys.readouterr().err


# -- common words ------------------------------------------------------------------------------------------


def test_common_german_words_are_no_places(gp: Geoparser) -> None:
    # A first "line" of 600 characters is no headline: "Länder" there is a word, not Lander, Venezuela.
    long_first = "MOSKAU: " + "Russland hat die Konfliktparteien zur Waffenruhe aufgerufen. " * 8
    text = long_first + "Beide Länder müssten verhandeln.\n\nLawrow sprach in Moskau."
    assert "Länder" not in [pm.mention.text for pm in places(gp, text, "de")]
    text = "Wieder bebt die Erde im besonders gefährdeten Südwesten Chinas. Die Hauptstadt blieb verschont."
    found = [pm.mention.text for pm in places(gp, text, "de")]
    assert "Erde" not in found and "Hauptstadt" not in found


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        ("Landslides cut roads in Abra and Mountain Province, the disaster agency in Manila said.", "Abra",
         ("PH", "Abra")),
        ("Evacuees came from Nueva Vizcaya and Cagayan after the earthquake in Luzon.", "Cagayan",
         ("PH", "Cagayan")),
        ("The race moves from Brands Hatch in Kent to Snetterton in Norfolk, England.", "Norfolk",
         ("GB", "Norfolk")),
    ],
)
def test_second_level_regions_are_places(gp, text, surface, expected) -> None:
    got = [pm.place for pm in places(gp, text, "en") if pm.mention.text == surface]
    assert got and got[0] is not None and (got[0].country_code, got[0].name) == expected
    assert got[0].feature == "region"


@pytest.mark.parametrize(
    ("text", "form", "state"),
    [
        ("SPRINGDALE, Calif. -- A local firm opened a new plant on Monday.", "Calif.", "California"),
        ("A 40-year-old Elkton, Md. man was charged on Friday.", "Md.", "Maryland"),
        ("The Dade County (Ga.) sheriff asked for help.", "Ga.", "Georgia"),
        ("The council met in Trenton, N.J., on Tuesday.", "N.J.", "New Jersey"),
    ],
)
def test_state_abbreviations_in_datelines(gp, text, form, state) -> None:
    got = [pm for pm in places(gp, text, "en") if pm.mention.text == form]
    assert got and got[0].place is not None
    assert (got[0].place.name, got[0].place.country_code) == (state, "US")


def test_state_abbreviations_need_a_place_before_them(gp) -> None:
    text = "Her Pa. said the Wash. was done, and Miss. Lee agreed in 300 B.C. style."
    assert not [pm for pm in places(gp, text, "en") if pm.mention.text in ("Pa.", "Wash.", "Miss.", "B.C.")]


def test_state_abbreviation_scan_matches_the_bounded_pattern() -> None:
    """:func:`geoapp.stateabbr.find` scans for the forms without lookarounds and tests the
    boundaries on each match; that finds what the pattern with them finds as long as every form is
    a capital, letters and dots, ending in a dot, and no form is a prefix of another."""
    import random
    import re

    from geoapp import stateabbr

    forms = sorted(stateabbr.abbreviations(), key=len, reverse=True)
    assert all(re.fullmatch(r"[A-Z][A-Za-z.]*\.", f) for f in forms)
    assert not [(a, b) for a in forms for b in forms if a != b and b.startswith(a)]
    bounded = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w])")

    def reference(text: str) -> list[tuple[int, int, str]]:
        out = []
        for m in bounded.finditer(text):
            start, form = m.start(), m.group()
            if stateabbr._dotted_pair(form) or stateabbr._AFTER_PLACE.search(text, max(0, start - 60), start):
                out.append((start, m.end(), form))
        return out

    rnd = random.Random(7)
    alphabet = "ABCNPWVaeilnrs.,( -'1é\n"
    texts = ["Trenton, N.J., and XN.J. or N.J.x; Elkton, Md.s and Elkton, Md. W.Va. Kans. Kan.", ""]
    for _ in range(3000):
        pieces = [
            rnd.choice(forms) if rnd.random() < 0.4 else "".join(rnd.choices(alphabet, k=rnd.randint(0, 4)))
            for _ in range(rnd.randint(1, 8))
        ]
        texts.append("".join(pieces))
    assert [stateabbr.find(t) for t in texts] == [reference(t) for t in texts]


@pytest.mark.parametrize(
    ("text", "surface", "cc"),
    [
        ("The Berlin-based startup hired forty engineers last year.", "Berlin", "DE"),
        ("A Nairobi-born chef opened a restaurant downtown.", "Nairobi", "KE"),
        ("The new Amsterdam-London train takes four hours.", "Amsterdam", "NL"),
    ],
)
def test_the_place_part_of_an_english_compound(gp, text, surface, cc) -> None:
    got = [pm for pm in places(gp, text, "en") if pm.mention.text == surface]
    assert got and got[0].place is not None and got[0].place.country_code == cc
    assert text[got[0].mention.start : got[0].mention.end] == surface


def test_a_name_listed_with_regions_is_a_region(gp) -> None:
    listed = places(gp, "Wildfires spread in Oregon, Washington and Idaho on Monday.", "en")
    washington = next(pm.place for pm in listed if pm.mention.text == "Washington")
    assert washington is not None and (washington.feature, washington.country_code) == ("region", "US")
    cities = places(gp, "Flights between New York and Washington were cancelled on Monday.", "en")
    washington = next(pm.place for pm in cities if pm.mention.text == "Washington")
    assert washington is not None and washington.feature == "city"


def test_a_county_near_the_articles_places(gp) -> None:
    text = "Deputies chased two men through Chattanooga. Both are in the Hamilton County jail."
    county = next(pm.place for pm in places(gp, text, "en") if pm.mention.text == "Hamilton County")
    assert county is not None and (county.feature, county.admin1) == ("region", "Tennessee")


def test_nearest_anchor_by_latitude_band_is_the_plain_minimum() -> None:
    """The near-anchor distance measured only within the point's band of latitude is, to the last
    bit, the minimum of :func:`haversine_km` over the anchors within the band's test."""
    import math
    import random

    from geoapp.resolve import _NEAR_LAT_DEG, _anchor_band, _nearest_anchor_km, haversine_km

    rnd = random.Random(5)
    for _ in range(2000):
        anchors = [(rnd.uniform(-90, 90), rnd.uniform(-180, 180)) for _ in range(rnd.randint(0, 30))]
        anchors += [(la + rnd.choice((-1, 1)) * _NEAR_LAT_DEG, lo) for la, lo in anchors[:3]]  # band edges
        lat, lon = rnd.uniform(-90, 90), rnd.uniform(-180, 180)
        if anchors and rnd.random() < 0.3:
            lat, lon = anchors[0]
        plain = min(
            (haversine_km(lat, lon, la, lo) for la, lo in anchors if abs(lat - la) <= _NEAR_LAT_DEG),
            default=math.inf,
        )
        assert _nearest_anchor_km(lat, lon, _anchor_band(anchors)) == plain
