"""Countries that act in English clauses (geoapp/agency.py): an adverb before the verb, verbs of
acting and saying, commitment predicates after a copula, a parenthetical before the predicate, the
later conjuncts of a passive agent and a question's inversion; each with near misses that must stay
places or plain mentions. Invented sentences; the name is read without a leading "The"/"the"."""

from __future__ import annotations

import pytest

from geoapp.agency import AGENT, LOCATION, OTHER, role


def _role(text: str, name: str, lang: str = "en", nth: int = 0) -> str:
    start = -1
    for _ in range(nth + 1):
        start = text.index(name, start + 1)
    return role(text, start, start + len(name), lang)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # an adverb between the subject and its verb: "-ly" words and a closed list
        ("The United States strongly condemns the attacks on the market.", "United States"),
        ("The UK firmly rejects the claims made on Sunday.", "UK"),
        ("Chile also said it would send observers.", "Chile"),
        ("The U.S. today announced new sanctions.", "U.S."),
        ("Peru once again vetoed the resolution.", "Peru"),
        ("The UK jointly hosted the donor conference.", "UK"),
        ("Norway has strongly condemned the raid.", "Norway"),
        # verbs of acting and saying
        ("The U.S. reaffirms its commitment to the government of Iraq.", "U.S."),
        ("The UK stands by Iraq to defeat Daesh.", "UK"),
        ("Iraq faces significant challenges this winter.", "Iraq"),
        ("Chile reiterated its support for the mission.", "Chile"),
        ("Norway participates in the monitoring mission.", "Norway"),
        ("Peru underlines the need for a ceasefire.", "Peru"),
        ("Canada expressed concern over the arrests.", "Canada"),
        # commitment predicates after a copula (adverbs and auxiliaries between)
        ("The UK is committed to supporting the Iraqi government.", "UK"),
        ("The United States remains committed to that goal.", "United States"),
        ("Turkey is determined to end the blockade.", "Turkey"),
        ("Chile is ready to send engineers.", "Chile"),
        ("Peru is firmly committed to the accord.", "Peru"),
        ("Norway will remain committed to the talks.", "Norway"),
        ("The United States remains steadfast in its support.", "United States"),
        # a parenthetical aside before an auxiliary and its predicate
        ("The UK, as part of the Global Coalition, is committed to continuing its support.", "UK"),
        ("Chile, with backing from Peru, has formally requested a meeting.", "Chile"),
        # a coordinated subject with an adverb or a commitment predicate
        ("Chile and Peru jointly announced the deal.", "Peru"),
        ("Chile and Peru are committed to the accord.", "Chile"),
        ("The UK, the wider Global Coalition and the Government of Iraq are committed to it.", "UK"),
        # a question's inversion
        ("Question: Will the United States participate in the Paris meeting on Syria?", "United States"),
        ("Will Chile join the coalition?", "Chile"),
        # "with U.S. support": the supporter
        ("With U.S. support, much of the site has been restored.", "U.S."),
    ],
)
def test_english_agents(text: str, name: str) -> None:
    assert _role(text, name) == AGENT


@pytest.mark.parametrize(
    ("text", "name", "nth"),
    [
        # every conjunct of a passive agent after "by" and a participle
        ("Violations of the ceasefire announced by Russia and Turkey were reported.", "Russia", 0),
        ("Violations of the ceasefire announced by Russia and Turkey were reported.", "Turkey", 0),
        ("The talks hosted by Russia, Iran and Turkey ended.", "Iran", 0),
        ("The talks hosted by Russia, Iran and Turkey ended.", "Turkey", 0),
        ("A deal signed by Chile and the UK took effect.", "UK", 0),
    ],
)
def test_passive_conjuncts(text: str, name: str, nth: int) -> None:
    assert _role(text, name, nth=nth) == AGENT


def test_german_passive_conjuncts() -> None:
    text = "Die von Russland und der Türkei vermittelte Waffenruhe hält."
    assert _role(text, "Russland", "de") == AGENT
    assert _role(text, "Türkei", "de") == AGENT
    # "von" without a participle after the list stays a place
    flights = "Die Flüge von Russland und der Türkei nach Berlin fallen aus."
    assert _role(flights, "Russland", "de") == LOCATION


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        # plural nouns after a country name are no verbs
        ("US officials said the talks had failed.", "US", OTHER),
        ("US forces are advising the local units.", "US", OTHER),
        ("US troops stood guard at the gate.", "US", OTHER),
        ("US shares fell sharply on Monday.", "US", OTHER),
        # a copula alone, or with another predicate, makes no agent
        ("Turkey is a key player in the region.", "Turkey", OTHER),
        ("Chile and Peru are neighbours.", "Peru", OTHER),
        ("Syria remains a concern for its neighbours.", "Syria", OTHER),
        ("The report is prepared by analysts in Chile.", "Chile", LOCATION),
        # a place governed by a preposition
        ("Thousands protested in Russia today.", "Russia", LOCATION),
        ("Fighters fled from Syria and Iraq.", "Iraq", LOCATION),
        ("The commission of inquiry on Syria has today published its report.", "Syria", OTHER),
        ("Talks with Chile have stalled again.", "Chile", OTHER),
        # "by" without a participle before it, and a question without a verb
        ("He went by Chile and Peru.", "Peru", OTHER),
        ("A statement by Chile and Peru was read out.", "Peru", OTHER),
        ("Is the US a reliable partner?", "US", OTHER),
        ("Will the US economy recover?", "US", OTHER),
        # a capitalised word after the name is no adverb, a "-ly" noun is none either
        ("The US Assembly voted on Monday.", "US", OTHER),
        ("The US supply lines were cut.", "US", OTHER),
        # an article before a lower-case word: an attribute, not the list's verb
        ("The campus shows Chile and the recently refurbished Peru House.", "Chile", OTHER),
    ],
)
def test_english_non_agents(text: str, name: str, expected: str) -> None:
    assert _role(text, name) == expected
    start = text.index(name)
    assert role(text, start, start + len(name), "en") != AGENT
