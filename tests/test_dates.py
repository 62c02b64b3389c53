"""Publication dates as precise as given, and event dates read from German and English sentences.

The reference day for relative expressions is Thursday 27 June 2024 (``PUB``).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from geoapp.dates import EventDate, PartialDate, event_date, find_event_date, parse_partial
from geoapp.frames import links_frame, published_date

PUB = "2024-06-27"  # a Thursday


@pytest.mark.parametrize(
    ("value", "day", "precision", "label"),
    [
        ("2024-06-27", date(2024, 6, 27), "day", "2024-06-27"),
        ("2024-06-27T08:00:00Z", date(2024, 6, 27), "day", "2024-06-27"),
        ("2017-05", date(2017, 5, 1), "month", "2017-05"),
        (" 2017 ", date(2017, 1, 1), "year", "2017"),
        (datetime(2024, 6, 27, 8), date(2024, 6, 27), "day", "2024-06-27"),
        (date(2024, 6, 27), date(2024, 6, 27), "day", "2024-06-27"),
    ],
)
def test_partial_publication_dates_count_as_the_start_of_their_period(value, day, precision, label):
    found = parse_partial(value)
    assert found == PartialDate(day, precision)
    assert found.label() == label
    assert published_date(value) == day


@pytest.mark.parametrize("junk", [None, float("nan"), "", "yesterday", "14.04.2026", "2017-13", "2017-02-30"])
def test_unreadable_publication_dates_are_undated(junk):
    assert parse_partial(junk) is None and published_date(junk) is None


@pytest.mark.parametrize(
    ("sentence", "day", "phrase"),
    [
        ("Putin traf am Montag in Moskau ein.", date(2024, 6, 24), "am Montag"),
        ("Lavrov arrived in Pyongyang on Tuesday.", date(2024, 6, 25), "on Tuesday"),
        ("On Thursday the talks began.", date(2024, 6, 27), "On Thursday"),  # the publication day itself
        ("Am Donnerstagabend kam es zu Explosionen.", date(2024, 6, 27), "Am Donnerstagabend"),
        ("Last Thursday Biden visited Kyiv.", date(2024, 6, 20), "Last Thursday"),
        ("Scholz reist kommenden Montag nach Paris.", date(2024, 7, 1), "kommenden Montag"),
        ("Scholz will travel to Kyiv on Friday.", date(2024, 6, 28), "on Friday"),
        ("Der Kanzler wird am Freitag in Kiew erwartet.", date(2024, 6, 28), "am Freitag"),
        ("The ministry said on Friday it will send troops.", date(2024, 6, 21), "on Friday"),
        ("Gestern wurde Charkiw angegriffen.", date(2024, 6, 26), "Gestern"),
        ("Troops left Kherson yesterday.", date(2024, 6, 26), "yesterday"),
        ("Die Delegation reist morgen nach Rom.", date(2024, 6, 28), "morgen"),
        ("On June 25 troops crossed the border.", date(2024, 6, 25), "June 25"),
        ("It happened on the 3rd of June.", date(2024, 6, 3), "3rd of June"),
        ("Am 15. März griffen Drohnen Odessa an.", date(2024, 3, 15), "15. März"),
        ("Am 15. März 2022 griffen Drohnen Odessa an.", date(2022, 3, 15), "15. März 2022"),
        ("He met Xi on Jan. 5 in Beijing.", date(2024, 1, 5), "Jan. 5"),
        ("The summit on 2024-06-20 in Vilnius.", date(2024, 6, 20), "2024-06-20"),
        ("Am 25.06.2024 in Berlin.", date(2024, 6, 25), "25.06.2024"),
    ],
)
def test_event_dates_stated_in_the_sentence(sentence, day, phrase):
    found = event_date(sentence, PUB)
    assert (found.day, found.precision, found.source, found.phrase) == (day, "day", "text", phrase)
    assert sentence[found.start : found.end] == phrase


def test_a_day_and_month_without_year_takes_the_nearest_year():
    # Written on 3 January: "28. Dezember" is last December, not the coming one.
    assert find_event_date("Am 28. Dezember fielen Raketen auf Kiew.", "2025-01-03").day == date(2024, 12, 28)
    assert find_event_date("On January 2 the talks resumed.", "2024-12-30").day == date(2025, 1, 2)


@pytest.mark.parametrize(
    ("sentence", "label", "precision"),
    [
        ("The offensive began in May 2022 near Kharkiv.", "2022-05", "month"),
        ("Im März besuchte er Kiew.", "2024-03", "month"),
        ("In 2019 the talks in Hanoi failed.", "2019", "year"),
    ],
)
def test_months_and_years_stay_as_precise_as_stated(sentence, label, precision):
    found = event_date(sentence, PUB)
    assert (found.label(), found.precision, found.source) == (label, precision, "text")


def test_no_date_in_the_sentence_falls_back_to_the_publication_date():
    found = event_date("Am Morgen fielen Bomben auf Charkiw.", PUB)  # "Morgen" is the morning here
    assert found == EventDate(date(2024, 6, 27), "day", "published")
    month = event_date("Troops crossed the border.", "2017-05")
    assert (month.label(), month.source) == ("2017-05", "published")
    assert event_date("Troops crossed the border.", None) is None


def test_relative_words_need_a_publication_day():
    # "on Monday" in an article dated only by month cannot be placed; an absolute date still can.
    assert find_event_date("Troops arrived on Monday.", "2017-05") is None
    assert event_date("Troops arrived on Monday.", "2017-05").source == "published"
    assert find_event_date("On June 5, 2017 troops arrived.", None).day == date(2017, 6, 5)
    assert find_event_date("Troops arrived on Monday.", None) is None


def test_ordinary_words_are_no_dates():
    for sentence in ("Theresa may visit the capital.", "A protest march in the city.", "Er kam am Morgen."):
        assert find_event_date(sentence, PUB) is None, sentence


def test_links_frame_carries_event_and_publication_dates():
    from geoapp.model import Article
    from geoapp.pipeline import Geoparser

    text = "Besuch\n\nDer russische Außenminister Sergej Lawrow reiste am Montag nach Pjöngjang."
    article = Article(id="a", title="Besuch", text=text, lang="de", published=PUB, title_in_text=True)
    links = links_frame([Geoparser(corrections=None).parse(article)])
    assert len(links) == 1, "expected a line from Lavrov's Moscow to Pyongyang"
    row = links.iloc[0]
    assert (row["published"], row["event_date"], row["event_source"]) == (PUB, "2024-06-24", "text")
    assert row["event_day"] == date(2024, 6, 24) and row["event_phrase"] == "am Montag"
