"""Links read as events: the type catalogue, the type filter, and counts over time.

Uses the ``map_frames`` fixture (tests/conftest.py): links visit (Lawrow → Wŏnsan), troops (a hostile
name → Kursk Oblast) and statement (Nobody → Kursk Oblast), all in article a1.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from geoapp.events import (
    EVENT_TYPES,
    counts_over_time,
    event_label,
    event_type,
    filter_event_types,
    present_types,
    time_unit,
)


def test_every_relation_the_linker_assigns_has_a_type_of_its_own():
    for relation in (
        "attack",
        "troops",
        "visit",
        "meeting",
        "support",
        "relations",
        "statement",
        "mentioned with",
    ):
        kind = event_type(relation)
        assert kind.relation == relation and kind.symbol and kind.color.startswith("#")
    assert len({t.color for t in EVENT_TYPES.values()}) == len(EVENT_TYPES)  # no two share a colour
    assert len({t.symbol for t in EVENT_TYPES.values()}) == len(EVENT_TYPES)
    assert event_label("attack") == "✸ Attack"


def test_unknown_and_missing_relations():
    assert event_type("blockade").label == "Blockade"
    assert event_type(None).relation == event_type("").relation == "mentioned with"
    assert present_types(["statement", "blockade", None, "attack", "attack"]) == [
        "attack",
        "statement",
        "mentioned with",
        "blockade",
    ]


def test_type_filter_keeps_those_links_and_the_places_they_end_at(map_frames):
    places, links = map_frames
    p, lk = filter_event_types(places, links, ["visit"])
    assert list(lk["actor"]) == ["Sergei Lawrow"]
    assert list(zip(p["article_id"], p["name"])) == [("a1", "Wŏnsan")]  # not a2's Wŏnsan: no visit there
    p, lk = filter_event_types(places, links, ["troops", "statement"])
    assert set(lk["relation"]) == {"troops", "statement"} and list(p["name"]) == ["Kursk Oblast"]
    p, lk = filter_event_types(places, links, [])
    assert len(p) == len(places) and len(lk) == len(links)
    p, lk = filter_event_types(places, links, ["attack"])
    assert p.empty and lk.empty


def test_time_unit_keeps_a_series_readable():
    assert time_unit([date(2024, 1, 1), date(2024, 2, 15)]) == "D"
    assert time_unit([date(2024, 1, 1), date(2024, 9, 1)]) == "W-MON"
    assert time_unit([date(2010, 8, 25), date(2024, 7, 8)]) == "MS"
    assert time_unit([None]) == "D"


def test_counts_over_time_fill_gaps_keep_the_top_and_sum_the_rest():
    frame = pd.DataFrame(
        {
            "name": ["Kyiv", "Kyiv", "Kharkiv", "Odesa", "Lviv", "Kyiv"],
            "day": [
                date(2024, 6, 1),
                date(2024, 6, 1),
                date(2024, 6, 3),
                date(2024, 6, 3),
                date(2024, 6, 4),
                None,
            ],
            "mentions": [2, 1, 4, 1, 1, 9],
        }
    )
    table = counts_over_time(frame, by="name", day="day", weight="mentions", top=2)
    assert list(table.columns) == ["Kharkiv", "Kyiv", "other"]  # by total (4 vs 3: the undated 9 left out)
    assert [d.date() for d in table.index] == [date(2024, 6, d) for d in (1, 2, 3, 4)]  # 2 June kept, as 0
    assert table.loc["2024-06-01", "Kyiv"] == 3 and table.loc["2024-06-02"].sum() == 0
    assert table.loc["2024-06-03", "other"] == 1 and table.loc["2024-06-04", "other"] == 1
    # Without weights each row counts once; by month the days fall into their month.
    monthly = counts_over_time(frame, by="name", day="day", unit="MS")
    assert list(monthly.index.strftime("%Y-%m")) == ["2024-06"] and monthly.sum().sum() == 5


def test_counts_over_time_of_nothing_is_empty():
    empty = pd.DataFrame({"name": ["Kyiv"], "day": [None]})
    assert counts_over_time(empty, by="name", day="day").empty
    assert counts_over_time(pd.DataFrame(), by="name", day="day").empty
