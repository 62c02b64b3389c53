"""The name forms the gazetteer build derives (``scripts/gazetteer_names.py``): country names turned
the way they are written, German adjective names in their weak forms."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "scripts" / "gazetteer_names.py"
_spec = importlib.util.spec_from_file_location("gazetteer_names", _PATH)
names = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("gazetteer_names", names)
_spec.loader.exec_module(names)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Korea, Republic of", "Republic of Korea"),
        ("Congo, The Democratic Republic of the", "Democratic Republic of the Congo"),
        ("Mikronesien, Föderierte Staaten von", "Föderierte Staaten von Mikronesien"),
        ("Taiwan, Province of China", None),
        ("Virgin Islands, British", None),
    ],
)
def test_inverted(name: str, expected: str | None) -> None:
    assert names.inverted(name) == expected


def test_unparenthesised_and_dr_short() -> None:
    assert names.unparenthesised("Kongo (Demokratische Republik)") == "Demokratische Republik Kongo"
    assert names.unparenthesised("Falklandinseln (Malwinen)") is None
    assert names.dr_short("Demokratische Republik Kongo") == "DR Kongo"
    assert names.dr_short("Democratic Republic of the Congo") == "DR Congo"
    assert names.dr_short("Republik Kongo") is None


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Schwarzes Meer", ["Schwarze Meer", "Schwarzen Meer"]),
        ("Naher Osten", ["Nahe Osten", "Nahen Osten"]),
        ("Vereinigte Arabische Emirate", ["Vereinigten Arabischen Emirate"]),
        ("Große Seen", ["Großen Seen"]),
        ("Kieler Bucht", []),  # a place's name, not an adjective
        ("Golf von Aden", []),
        ("Gazastreifen", []),
    ],
)
def test_german_weak_forms(name: str, forms: list[str]) -> None:
    assert names.german_weak_forms(name) == forms


@pytest.mark.parametrize(
    ("cyrillic", "country", "german"),
    [
        ("Вовчанськ", "UA", "Wowtschansk"),
        ("Авдіївка", "UA", "Awdijiwka"),
        ("Кривий Ріг", "UA", "Krywyj Rih"),
        ("Харків", "UA", "Charkiw"),
        ("Борисов", "BY", "Borissow"),
        ("Киев", "RU", "Kijew"),
        ("Кијев", "RS", None),  # Serbian letters: not transcribed by the Russian/Ukrainian rules
        ("Kyiv", "UA", None),
    ],
)
def test_german_transcription(cyrillic: str, country: str, german: str | None) -> None:
    assert names.german_transcription(cyrillic, country) == german
