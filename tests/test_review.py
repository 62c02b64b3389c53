"""The review list: which mentions need a look, in which order, and what a one-click fix offers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geoapp.model import NEEDS_REVIEW, Article, Mention, Place, PlaceMention, Result
from geoapp.review import describe, other_candidates, review_items, review_reason

TEXT = "Flood in the south\n\nThe river rose in Paris. Later, Springfield and Atlantis were flooded."


def mention(word: str, text: str = TEXT) -> Mention:
    start = text.index(word)
    return Mention(start, start + len(word), word)


def place(name: str, confidence: float = 1.0, **kw) -> Place:
    return Place(name=name, lat=0.0, lon=0.0, country_code="US", feature="city", confidence=confidence, **kw)


@pytest.fixture
def result() -> Result:
    article = Article(id="a", title="Flood in the south", text=TEXT, title_in_text=True)
    return Result(
        article=article,
        places=[
            PlaceMention(mention("Paris"), place("Paris", 0.3, alternatives=("Paris, FR (city)",))),
            PlaceMention(mention("Springfield"), place("Springfield", 0.9), flags=(NEEDS_REVIEW,)),
            PlaceMention(mention("Atlantis"), None),
            PlaceMention(mention("south"), place("South", 1.0)),
        ],
    )


def test_reasons_and_order(result: Result):
    assert [review_reason(pm) for pm in result.places] == ["low confidence", "flagged", "unresolved", None]
    items = review_items([result])
    assert [(i.mention.text, i.reason) for i in items] == [
        ("Atlantis", "unresolved"),
        ("Paris", "low confidence"),
        ("Springfield", "flagged"),
    ]
    atlantis, paris = items[0], items[1]
    assert atlantis.sentence == "Later, Springfield and Atlantis were flooded."
    assert atlantis.sentence[slice(*atlantis.highlight)] == "Atlantis"
    assert (atlantis.confidence, atlantis.alternatives) == (0.0, ())
    assert (paris.confidence, paris.alternatives) == (0.3, ("Paris, FR (city)",))


def test_a_title_mention_quotes_the_title():
    article = Article(id="t", title="Storm over Paris", text="Nothing here.")
    pm = PlaceMention(Mention(11, 16, "Paris", field="title"), None)
    item = review_items([Result(article=article, places=[pm])])[0]
    assert item.sentence == "Storm over Paris" and item.sentence[slice(*item.highlight)] == "Paris"


def test_other_candidates_put_the_resolvers_alternatives_first_and_never_the_chosen_place():
    from geoapp.gazetteer import Gazetteer

    gazetteer = Gazetteer.default()
    texas = next(c for c in gazetteer.lookup("Paris") if c.country_code == "US" and c.admin1 == "Texas")
    chosen = replace(texas.to_place(), confidence=0.3, alternatives=("Paris, FR (city)",))
    article = Article(id="p", title="", text="A tornado hit Paris.")
    item = review_items(
        [Result(article=article, places=[PlaceMention(mention("Paris", article.text), chosen)])]
    )[0]
    offered = other_candidates(gazetteer, item, limit=3)
    assert describe(offered[0]) == "Paris, FR (city)"
    assert all(c.geonameid != texas.geonameid for c in offered) and len(offered) == 3
    everything = other_candidates(gazetteer, item, limit=100)
    assert [c.population for c in everything[1:]] == sorted(
        (c.population for c in everything[1:]), reverse=True
    )
