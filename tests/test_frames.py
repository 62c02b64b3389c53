"""The shared filters over places and links frames (``geoapp.frames.filter_frames``) and
``filter_results``, which keeps downloads equal to what the filters show.

The ``map_frames`` fixture (tests/conftest.py): a1 Wŏnsan (KP, city, 3 mentions, 2024-11-29),
a1 Kursk Oblast (RU, region, 1 mention, undated), a2 Wŏnsan (KP, city, 1 mention, undated); links
Sergei Lawrow → Wŏnsan, a hostile name → Kursk Oblast, Nobody → Kursk Oblast (no line), all in a1.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from geoapp.frames import filter_frames, filter_results, links_frame, places_frame, published_date
from geoapp.model import Article


def rows(frame) -> list[tuple[str, str]]:
    return sorted(zip(frame["article_id"], frame["name"]))


def test_no_filter_keeps_everything(map_frames):
    places, links = map_frames
    p, lk = filter_frames(places, links)
    assert len(p) == 3 and len(lk) == 3
    assert list(p.index) == [0, 1, 2]


def test_countries_case_insensitive_and_links_follow(map_frames):
    places, links = map_frames
    p, lk = filter_frames(places, links, countries=["kp"])
    assert rows(p) == [("a1", "Wŏnsan"), ("a2", "Wŏnsan")]
    assert list(lk["actor"]) == ["Sergei Lawrow"]  # the Kursk lines would end off the map


def test_features(map_frames):
    places, links = map_frames
    p, lk = filter_frames(places, links, features=["region"])
    assert rows(p) == [("a1", "Kursk Oblast")]
    assert set(lk["place"]) == {"Kursk Oblast"} and len(lk) == 2


def test_min_mentions(map_frames):
    places, links = map_frames
    p, lk = filter_frames(places, links, min_mentions=2)
    assert rows(p) == [("a1", "Wŏnsan")]
    assert list(lk["actor"]) == ["Sergei Lawrow"]
    assert len(filter_frames(places, links, min_mentions=4)[0]) == 0


@pytest.mark.parametrize(
    ("start", "end", "undated", "expected"),
    [
        (date(2024, 11, 1), date(2024, 11, 30), False, [("a1", "Wŏnsan")]),
        ("2024-11-29", "2024-11-29", False, [("a1", "Wŏnsan")]),  # inclusive, strings accepted
        (
            date(2024, 11, 1),
            date(2024, 11, 30),
            True,
            [("a1", "Kursk Oblast"), ("a1", "Wŏnsan"), ("a2", "Wŏnsan")],
        ),
        (date(2025, 1, 1), None, False, []),
        (date(2025, 1, 1), None, True, [("a1", "Kursk Oblast"), ("a2", "Wŏnsan")]),
        (None, datetime(2024, 11, 28, 23, 0), False, []),
    ],
)
def test_date_range(map_frames, start, end, undated, expected):
    places, links = map_frames
    p, _ = filter_frames(places, links, date_from=start, date_to=end, include_undated=undated)
    assert rows(p) == expected


def test_filters_combine(map_frames):
    places, links = map_frames
    p, lk = filter_frames(places, links, articles=["a1"], countries=["KP", "RU"], min_mentions=1)
    assert rows(p) == [("a1", "Kursk Oblast"), ("a1", "Wŏnsan")]
    p, lk = filter_frames(places, links, actors=["sergei lawrow"], features=["region"])
    assert p.empty and lk.empty
    p, lk = filter_frames(places, links, articles=["a2"], countries=["KP"])
    assert rows(p) == [("a2", "Wŏnsan")] and lk.empty


def test_published_date_reads_what_articles_carry():
    assert published_date("2026-04-14") == date(2026, 4, 14)
    assert published_date("2026-04-14T08:00:00Z") == date(2026, 4, 14)
    assert published_date(datetime(2026, 4, 14, 8)) == date(2026, 4, 14)
    for junk in (None, float("nan"), "", "yesterday", "14.04.2026"):
        assert published_date(junk) is None


@pytest.fixture(scope="module")
def results():
    from geoapp.pipeline import Geoparser

    gp = Geoparser(corrections=None)
    texts = {
        "us": "Storm in Texas\n\nA tornado hit Paris, Texas, and Dallas on Monday.",
        "de": "Hochwasser in Sachsen\n\nDie Elbe stieg in Dresden und Pirna am Montag stark an.",
    }
    arts = [
        Article(
            id=k,
            title=t.split("\n")[0],
            text=t,
            lang=k if k == "de" else "en",
            title_in_text=True,
            published="2026-04-14" if k == "us" else None,
        )
        for k, t in texts.items()
    ]
    return [gp.parse(a) for a in arts]


def test_filter_results_matches_the_frames(results):
    places, links = places_frame(results), links_frame(results)
    p, lk = filter_frames(places, links, countries=["US"], min_mentions=1)
    kept = filter_results(results, p, lk)
    assert [r.article.id for r in kept] == ["us"]
    names = {pm.place.name for r in kept for pm in r.places}
    assert names == set(p["name"]) and "Dresden" not in names
    # unfiltered: every resolved mention survives
    everything = filter_results(results, places, links)
    assert sum(len(r.places) for r in everything) == sum(
        1 for r in results for pm in r.places if pm.place is not None
    )


def test_actor_names_match_by_alias_surname_case_and_accents() -> None:
    from geoapp.frames import match_actors

    known = {"Vladimir Putin": "person", "Sergei Lawrow": "person", "Kim Jong-un": "person",
             "Kim Yo-jong": "person", "North Korea": "country", "Ukraine": "country"}
    for wanted in ("Putin", "Wladimir Putin", "vladimir putin", "WLADIMIR PUTIN"):
        assert match_actors([wanted], known)[0].names == ["Vladimir Putin"], wanted
    assert match_actors(["Sergey Lavrov"], known)[0].names == ["Sergei Lawrow"]  # registry alias
    assert match_actors(["kim jong un"], known)[0].names == ["Kim Jong-un"]  # hyphen folded
    assert match_actors(["Kim"], known)[0].names == ["Kim Jong-un", "Kim Yo-jong"]  # a shared surname
    assert match_actors(["Korea"], known)[0].names == []  # a country has no surname
    miss = match_actors(["Lavrow"], known)[0]  # no fuzzy match: a near miss is reported, not taken
    assert miss.names == [] and miss.closest[0] == "Sergei Lawrow"
    assert match_actors(["Korea"], known)[0].closest == ["North Korea"]
    # A person outside the registry is still found by surname.
    assert match_actors(["Mustermann"], {"Erika Mustermann": "person"})[0].names == ["Erika Mustermann"]


def test_article_ids_match_exactly_or_folded() -> None:
    from geoapp.frames import match_articles

    ids = ["000_697af04ae4cd89d0", "001_paris_texas_storm"]
    assert match_articles(["001_paris_texas_storm"], ids)[0].names == ["001_paris_texas_storm"]
    assert match_articles(["001_Paris_Texas_Storm"], ids)[0].names == ["001_paris_texas_storm"]
    miss = match_articles(["000_697af04ae4cd89d"], ids)[0]  # a prefix is not an id
    assert miss.names == [] and miss.closest == ["000_697af04ae4cd89d0"]


def test_filter_frames_matches_actors_like_the_cli(map_frames) -> None:
    places, links = map_frames
    p, lk = filter_frames(places, links, actors=["Lawrow"])  # surname
    assert set(lk["actor"]) == {"Sergei Lawrow"} and rows(p) == [("a1", "Wŏnsan")]
    p, lk = filter_frames(places, links, actors=["sergei lavrov"])  # alias, case folded
    assert set(lk["actor"]) == {"Sergei Lawrow"}
