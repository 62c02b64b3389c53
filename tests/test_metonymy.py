"""Metonymy: places standing for their government are kept as places and flagged; the flag reaches
the JSONL record, the places frame and the map popup."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoapp.agency import GOVERNMENT_ROLES, role
from geoapp.articles import read_articles
from geoapp.frames import places_frame
from geoapp.maps import place_popup_html
from geoapp.model import Article
from geoapp.pipeline import Geoparser

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_697af04ae4cd89d0.txt"


@pytest.fixture(scope="module")
def geoparser() -> Geoparser:
    return Geoparser(corrections=None)


@pytest.mark.parametrize(
    ("text", "name", "lang", "expected"),
    [
        ("Moscow said on Monday that talks failed.", "Moscow", "en", True),
        ("Russia has expelled 60 diplomats.", "Russia", "en", True),
        ("Russia’s request for access was refused.", "Russia", "en", True),
        ("Azerbaijan has a track record of using it.", "Azerbaijan", "en", True),
        ("The talks in Moscow said little.", "Moscow", "en", False),  # after "in": a location
        ("He flew to Moscow on Monday.", "Moscow", "en", False),
        ("Moskau erklärte am Montag, man sei bereit.", "Moskau", "de", True),
        ("Pjöngjangs Entschlossenheit: Lawrow reist an.", "Pjöngjangs", "de", True),
        ("In Moskau wurde am Montag verhandelt.", "Moskau", "de", False),
    ],
)
def test_acts_for_government(text: str, name: str, lang: str, expected: bool) -> None:
    start = text.index(name)
    assert (role(text, start, start + len(name), lang) in GOVERNMENT_ROLES) is expected


def test_flag_in_pipeline_with_conjuncts(geoparser) -> None:
    text = "China and Russia hope that talks go on. Trade in Brazil grew."
    r = geoparser.parse(Article(id="m", title="", text=text, lang="en"))
    flags = {pm.mention.text: pm.flags for pm in r.places}
    assert "metonymy" in flags["China"] and "metonymy" in flags["Russia"]
    assert "metonymy" not in flags["Brazil"]
    rec = r.to_record()
    assert [p["text"] for p in rec["places"] if "metonymy" in p.get("flags", [])] == ["China", "Russia"]


def test_sample_headline_genitive_is_flagged_and_shown(geoparser) -> None:
    (article,) = list(read_articles([SEED], []))
    r = geoparser.parse(article)
    pyongyang = [pm for pm in r.places if pm.place and pm.place.name == "Pyongyang"]
    assert any("metonymy" in pm.flags and pm.mention.text == "Pjöngjangs" for pm in pyongyang)
    frame = places_frame([r])
    row = frame[frame["name"] == "Pyongyang"].iloc[0]
    assert 1 <= row["metonymic"] <= row["mentions"]
    assert "metonymy" in place_popup_html(row.to_dict())
    wonsan = frame[frame["name"].str.startswith("W")].iloc[0]
    assert wonsan["metonymic"] == 0 and "metonymy" not in place_popup_html(wonsan.to_dict())
