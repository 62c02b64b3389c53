"""Countries and capitals that act (geoapp/agency.py): the patterns added for issue 11, on invented
sentences in German and English, each with a near miss that must stay a place."""

from __future__ import annotations

import pytest

from geoapp.agency import AGENT, role


@pytest.mark.parametrize(
    ("text", "name", "lang", "agent"),
    [
        # "Aus X hieß es": the source of the statement speaks
        ("Aus Wien hieß es am Abend, man prüfe den Vorschlag.", "Wien", "de", True),
        ("Aus Wien kamen am Abend zwei Züge an.", "Wien", "de", False),
        # a preposition governs the name through position words and hyphenated modifiers
        ("Neither side in the unrest in Serb-majority north Slovenia has appeared eager to talk.",
         "Slovenia", "en", False),
        ("After the unrest in the north, Slovenia has appeared eager to talk.", "Slovenia", "en", True),
        # the supporter after "backing from" / "Unterstützung aus"
        ("Chile, with backing from Peru, signed the accord.", "Peru", "en", True),
        ("The delegation flew from Peru to Chile.", "Peru", "en", False),
        ("Mit Unterstützung aus Österreich baute Slowenien die Brücke.", "Österreich", "de", True),
        # every supporter of a list
        ("Chile, with backing from Peru and the Republic of Bolivia, signed the accord.",
         "Republic of Bolivia", "en", True),
        ("Mit Unterstützung aus Österreich und der Schweiz baute Slowenien die Brücke.",
         "Schweiz", "de", True),
        ("Die Delegation flog von Peru und Chile nach Graz.", "Chile", "de", False),
        # a passive agent with an adverbial before its participle
        ("Die Luftwaffe zerstörte zehn von Slowenien in der Nacht eingesetzte Drohnen.",
         "Slowenien", "de", True),
        ("Sie flogen von Slowenien am Montag zurück nach Graz.", "Slowenien", "de", False),
        # the subject of an absolute "with X -ing" clause
        ("Forty engineers arrived on Monday, with Chile pledging two hundred more.", "Chile", "en", True),
        ("Talks with Chile being difficult, the envoy left.", "Chile", "en", False),
        # a headline line break ends the phrase before the name
        ("Die Armee kümmert sich um Logistik\nSlowenien stellt auch Personal.", "Slowenien", "de", True),
        ("Die Armee kümmert sich um Slowenien und Kroatien.", "Slowenien", "de", False),
        # verb-second after a longer fronted phrase, also after a dateline's dash
        ("Graz (dpa) - Angesichts der Lage im Norden des Landes hat Slowenien seine Grenze geschlossen.",
         "Slowenien", "de", True),
        ("Die Regierung kritisierte Slowenien.", "Slowenien", "de", False),
        # verb-second with the subject's article between verb and name
        ("Angesichts der Lage im Norden will die Bundeswehr Leute ausfliegen.", "Bundeswehr", "de", True),
        ("Am Montag kritisierte die Slowakei den Plan.", "Slowakei", "de", True),
        ("Die Regierung kritisierte die Slowakei.", "Slowakei", "de", False),
        ("Am Montag kritisierte Wien den Plan der Slowakei.", "Slowakei", "de", False),
        # a coordinated subject with an auxiliary and its verb; a copula alone makes no agent
        ("Chile and Peru were analysing the data, officials said.", "Chile", "en", True),
        ("Chile and Peru are neighbours.", "Chile", "en", False),
    ],
)
def test_agency_patterns(text: str, name: str, lang: str, agent: bool) -> None:
    start = text.index(name)
    assert (role(text, start, start + len(name), lang) == AGENT) is agent


@pytest.mark.parametrize(
    ("text", "name", "is_dateline"),
    [
        ("TEHRAN, Young Journalists Club (YJC) - The army announced a ceasefire.", "TEHRAN", True),
        ("TEHRAN, July 3, YJC - Syria said it has suspended operations.", "TEHRAN", True),
        ("Washington, the capital, was quiet on Monday.", "Washington", False),
        ("Berlin, Paris and Rome - a summit of three capitals.", "Berlin", False),
    ],
)
def test_datelines_with_an_agency(text: str, name: str, is_dateline: bool) -> None:
    from geoapp.agency import dateline

    assert dateline(text, 0, len(name)) is is_dateline
