"""Mentions by office alone ("the Foreign Secretary", "der Gouverneur") join the person the article
names with that office, and English names after a title keep their common-word surnames (issue 11).

The articles are written for these tests; the names are invented.
"""

from __future__ import annotations

import pytest

from geoapp.model import Article, Result
from geoapp.pipeline import Geoparser


@pytest.fixture(scope="module")
def parser() -> Geoparser:
    return Geoparser(corrections=None)


def parse(parser: Geoparser, text: str, lang: str = "en") -> Result:
    return parser.parse(Article("t", "", text, lang))


def titles(result: Result) -> list[tuple[str, str]]:
    return [(am.mention.text, am.actor.name) for am in result.actors if am.form == "title"]


def names(result: Result) -> list[tuple[str, str]]:
    return [(am.mention.text, am.actor.name) for am in result.actors if am.form == "name"]


def test_office_joins_the_person_named_with_it_before(parser: Geoparser) -> None:
    r = parse(parser, "Defence Secretary Alan Marchetti arrived in Baghdad on Monday. "
                      "The secretary met soldiers at the airport. Later the Defence Secretary flew to Erbil.")
    assert titles(r) == [("secretary", "Alan Marchetti"), ("Defence Secretary", "Alan Marchetti")]
    # a line from the office is a line from the person: "the Defence Secretary flew to Erbil"
    assert ("Alan Marchetti", "Erbil") in {(lk.actor.name, lk.place.name) for lk in r.links}


def test_apposition_names_the_holder_on_either_side(parser: Geoparser) -> None:
    r = parse(parser, "The Foreign Secretary, Ruth Calloway, said the talks would go on.")
    assert titles(r) == [("Foreign Secretary", "Ruth Calloway")]
    r = parse(parser, "Ruth Calloway, Minister for Central Asia, visited Tashkent.")
    assert titles(r) == [("Minister", "Ruth Calloway")]


def test_the_country_of_an_office_must_agree(parser: Geoparser) -> None:
    r = parse(parser, "Foreign Minister Hanna Lindqvist of Sweden met the Iraqi Foreign Minister in Oslo.")
    refs = titles(r)
    assert refs and all(name != "Hanna Lindqvist" for _text, name in refs)


def test_an_unnamed_office_of_two_words_is_an_actor_of_its_own(parser: Geoparser) -> None:
    r = parse(parser, "The Prime Minister met business leaders in Leeds.")
    assert titles(r) == [("Prime Minister", "Prime Minister")]
    # one generic word names no one, nor does a plural or an indefinite office
    assert titles(parse(parser, "The President said on Monday that nothing had changed.")) == []
    assert titles(parse(parser, "Ministers discussed the crisis. A spokesman said little.")) == []


def test_title_followed_by_its_name_is_no_reference(parser: Geoparser) -> None:
    r = parse(parser, "The Foreign Secretary Ruth Calloway said the talks would go on.")
    assert titles(r) == []
    assert ("Ruth Calloway", "Ruth Calloway") in names(r)


def test_german_office_with_its_region_takes_the_name_after_it(parser: Geoparser) -> None:
    r = parse(parser, "Das teilte der Gouverneur der Region Kaluga, Pawel Smirnowski, am Abend mit.", "de")
    assert titles(r) == [("Gouverneur", "Pawel Smirnowski")]


def test_office_mentions_are_no_place_blockers(parser: Geoparser) -> None:
    # the place inside an office's name stays a place; only a person's name blocks one
    r = parse(parser, "Tobias Wrenfield, Minister for the Middle East, visited Amman.")
    assert {pm.mention.text for pm in r.places} >= {"Middle East", "Amman"}


@pytest.mark.parametrize(
    "text, full",
    [
        ("Pentagon Press Secretary Peter Cook told reporters today that Cook would travel.", "Peter Cook"),
        ("Defense Secretary Ash Carter met troops. Carter said they did well.", "Ash Carter"),
        ("Navy Senior Chief Petty Officer Scott C. Dayton was killed. Dayton served in Syria.",
         "Scott C. Dayton"),
    ],
)
def test_english_names_after_a_title_keep_common_word_surnames(
    parser: Geoparser, text: str, full: str
) -> None:
    found = names(parse(parser, text))
    assert (full, full) in found
    surname = full.split()[-1]
    assert (surname, full) in found  # the later surname joins the person ...
    assert surname not in {pm.mention.text for pm in parse(parser, text).places}  # ... and is no place


def test_a_weekday_still_ends_an_english_name(parser: Geoparser) -> None:
    found = names(parse(parser, "Foreign Minister Lars Ekholm Monday rejected the offer."))
    assert ("Lars Ekholm", "Lars Ekholm") in found


def test_particle_surnames_stay_in_the_name(parser: Geoparser) -> None:
    r = parse(parser, "Boris Hallam met the Iraqi Foreign Minister, Ibrahim al-Rawandi, in London.")
    assert ("Ibrahim al-Rawandi", "Ibrahim al-Rawandi") in names(r)
    assert ("Foreign Minister", "Ibrahim al-Rawandi") in titles(r)


def test_title_form_is_in_the_record(parser: Geoparser) -> None:
    r = parse(parser, "Defence Secretary Alan Marchetti arrived. The Defence Secretary spoke.")
    forms = [a.get("form", "name") for a in r.to_record()["actors"]]
    assert forms == ["name", "title"]


def test_an_epithet_joins_the_holder_of_its_office(parser: Geoparser) -> None:
    r = parse(parser, "Außenministerin Hanna Lindqvist reiste am Montag nach Oslo. "
                      "Die Spitzendiplomatin traf dort den König.", "de")
    assert titles(r) == [("Spitzendiplomatin", "Hanna Lindqvist")]
    r = parse(parser, "Premierminister Aiko Tanabe reiste nach Hanoi. Der Regierungschef sprach dort.", "de")
    assert titles(r) == [("Regierungschef", "Aiko Tanabe")]


def test_an_office_is_no_epithet_of_another(parser: Geoparser) -> None:
    # one way only: "the Chancellor" is not the Prime Minister named before, nor is an epithet
    # without a holder of its office anyone
    r = parse(parser, "Prime Minister Aiko Tanabe flew to Hanoi. The top diplomat stayed home; "
                      "the Chancellor said little.")
    assert titles(r) == []

