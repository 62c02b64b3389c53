"""Clause rules of the fourth actors-and-links pass: who acts in a German verb-second clause with a
verb no list knows, through its members ("Fallschirmjäger der Bundeswehr"), in an English
apposition ("The Minister …, Tobias Ellwood, visited"); places a verb of going or attacking governs;
fronted locative phrases; dotted initialisms in the sentence splitter; and the near misses of each.
Invented sentences, run through the real actor and link stages."""

from __future__ import annotations

import pytest

from geoapp.agency import AGENT, LOCATION, OTHER, POSSESSOR, POSSESSOR_AGENT, role
from geoapp.document import Doc
from geoapp.links import candidates
from geoapp.model import Article
from geoapp.pipeline import Geoparser
from geoapp.text import sentences


def _role(text: str, name: str, lang: str) -> str:
    start = text.index(name)
    return role(text, start, start + len(name), lang)


@pytest.mark.parametrize(
    ("text", "name", "expected", "lang"),
    [
        # German verb-second: after a fronted adverbial only the finite verb can come next, so a
        # lower-case word there is the verb even when no list knows it
        ("In der Hauptstadt Niamey betreibt die Bundeswehr einen Stützpunkt.", "Bundeswehr", AGENT, "de"),
        ("Seit Jahren beliefert Russland das Regime mit Waffen.", "Russland", AGENT, "de"),
        # … but an adjective after an article sits inside a phrase: no verb
        ("Im Krieg gegen die russische Armee kämpfen viele Freiwillige.", "Armee", LOCATION, "de"),
        ("Die Regierung kritisierte Russland.", "Russland", OTHER, "de"),
        # a genitive attribute of a noun, not the object of the preposition further back
        ("Nach dem Zerfall der Sowjetunion verlor das Land die Kontrolle.", "Sowjetunion", POSSESSOR, "de"),
        ("Die Außenminister der USA und Kanadas trafen sich.", "USA", POSSESSOR, "de"),
        ("In der Ukraine wird gekämpft.", "Ukraine", LOCATION, "de"),
        # an actor acting through its members or units
        ("Fallschirmjäger der Bundeswehr sollen nach Kabul fliegen.", "Bundeswehr", POSSESSOR_AGENT, "de"),
        ("Sicherheitskräfte der Regierung räumten den Platz.", "Regierung", POSSESSOR_AGENT, "de"),
        ("Die Rede der Ministerin war kurz.", "Ministerin", POSSESSOR, "de"),
        # an English name in apposition to the subject, the predicate after it
        ("The Minister for Central Asia, Tobias Ellwood, visited Turkey.", "Tobias Ellwood", AGENT, "en"),
        ("He met France, Germany, Italy and Spain.", "Germany", OTHER, "en"),
        ("Officials met the Minister for Asia, Tobias Ellwood, on Monday.", "Tobias Ellwood", OTHER, "en"),
    ],
)
def test_clause_roles(text: str, name: str, expected: str, lang: str) -> None:
    assert _role(text, name, lang) == expected


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("Carter flew to visit U.S. service members at the base. The U.S. Army said so.", 2),
        ("Talks were held in the U.S. The UN said no.", 2),
        ("It was in the U.S. Meanwhile Russia acted.", 2),
        ("Er kam z.B. mit dem Zug. Dann ging er.", 2),
        ("Er lebt in den U.S.A. Die Reise war lang.", 2),
    ],
)
def test_dotted_initialisms_end_a_sentence_only_before_an_opener(text: str, n: int) -> None:
    assert len(sentences(text)) == n


@pytest.fixture(scope="module")
def parser() -> Geoparser:
    return Geoparser(corrections=None)


def _pairs(parser: Geoparser, text: str, lang: str) -> set[tuple[str, str]]:
    result = parser.parse(Article("a1", "", text, lang))
    return {(lk.actor.name, lk.place.name) for lk in result.links}


def _names(parser: Geoparser, text: str, lang: str) -> tuple[set[str], set[str]]:
    result = parser.parse(Article("a1", "", text, lang))
    return {a.actor.name for a in result.actors}, {p.place.name for p in result.places if p.place}


def test_the_agents_own_verb_of_going_governs_the_place(parser: Geoparser) -> None:
    text = "The Minister for Central Asia, Tobias Ellwood, visited Turkey on 4 April."
    actors, places = _names(parser, text, "en")
    assert "Tobias Ellwood" in actors and "Turkey" in places
    assert ("Tobias Ellwood", "Turkey") in _pairs(parser, text, "en")


def test_a_place_that_qualifies_a_noun_is_no_goal(parser: Geoparser) -> None:
    # "U.S." qualifies "service members": Carter goes to the base, not to the United States
    text = "Later in the day, Carter flew to visit U.S. service members at Qayyarah Airfield West."
    result = parser.parse(Article("a1", "", text, "en"))
    cands = candidates(Doc.from_article(result.article), result.places, result.actors)
    by_place = {c.place.place.name: c.features for c in cands}
    assert "agent_verb_place" not in by_place["United States"]


def test_a_country_before_an_organisations_name_is_its_nationality(parser: Geoparser) -> None:
    text = "The sanctions have made matters worse, the U.S. State Department said on Monday."
    assert all(place != "United States" for _actor, place in _pairs(parser, text, "en"))


def test_a_fronted_locative_phrase_sets_the_scene_for_its_clause(parser: Geoparser) -> None:
    text = "Near Mosul, five strikes engaged an ISIL tactical unit and destroyed a building."
    actors, places = _names(parser, text, "en")
    assert "Mosul" in places and any("Islamic State" in a for a in actors)
    assert any(place == "Mosul" and "Islamic State" in actor for actor, place in _pairs(parser, text, "en"))


def test_a_fronted_time_phrase_is_no_place_phrase(parser: Geoparser) -> None:
    # "In 2022," closes before the place: Haiti is the subject, and the UN does not act in Haiti here
    text = "In 2022, Haiti requested an international force, and the United Nations spent months on it."
    pairs = _pairs(parser, text, "en")
    assert not any(place == "Haiti" and actor == "United Nations" for actor, place in pairs)


def test_a_facility_after_an_office_is_no_persons_name(parser: Geoparser) -> None:
    text = ("In der russischen Stadt Asow sind nach Angaben des zuständigen Gouverneurs Öllager nach "
            "einem ukrainischen Drohnenangriff in Brand geraten.")
    actors, _places = _names(parser, text, "de")
    assert "Öllager" not in actors


def test_a_predicate_before_of_is_no_office(parser: Geoparser) -> None:
    # "control of Mosul" says what ISIL holds; "President of the DRC" would name an office
    text = "ISIL has had control of Mosul for two years, and the Iraqis have cleared the east."
    assert any(place == "Mosul" and "Islamic State" in actor for actor, place in _pairs(parser, text, "en"))


def test_a_governed_place_before_a_name_is_no_nationality(parser: Geoparser) -> None:
    # "in Paris" is where the meeting is, and English has no bare-s genitive: the place does not
    # qualify the office after it, as "the U.S. State Department" or "Simbabwes Präsident" do
    text = "Following the meeting in Paris the Foreign Secretary Tom Hadley will return to the Gulf."
    result = parser.parse(Article("a1", "", text, "en"))
    cands = candidates(Doc.from_article(result.article), result.places, result.actors)
    paris = [c for c in cands if c.place.place.name == "Paris" and c.actor.actor.name == "Tom Hadley"]
    assert paris and "title_of" not in paris[0].features


def test_a_reporting_clause_with_wie_is_a_clause_of_its_own(parser: Geoparser) -> None:
    text = "Geplant ist ein Treffen mit Sergej Lawrow, wie am Donnerstag aus Kreisen in Berlin verlautete."
    result = parser.parse(Article("a1", "", text, "de"))
    cands = candidates(Doc.from_article(result.article), result.places, result.actors)
    berlin = [c for c in cands if c.place.place.name == "Berlin"]
    assert berlin and all("clause_between" in c.features for c in berlin)
