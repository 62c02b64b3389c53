"""Names a tagger may read as organisations that are never actors: lines, borders, ceasefire lines
(``not_actors`` in geoapp/data/words/institutions.yaml). Through the whole pipeline, tagger included."""

from __future__ import annotations

from geoapp.model import Article
from geoapp.pipeline import Geoparser


def test_lines_and_borders_are_never_actors() -> None:
    text = ("Talks on Sunday sought to scale down tensions along their Line of Actual Control (LAC), "
            "and troops at the LAC stayed put, officials of the Indian Army said.")
    r = Geoparser(corrections=None).parse(Article("t", "", text, "en"))
    names = {am.mention.text for am in r.actors}
    assert "Line of Actual Control" not in names and "LAC" not in names
    assert not any(lk.actor.name in ("LAC", "Line of Actual Control") for lk in r.links)
