"""Unit tests of place extraction decisions on small inline German and English sentences.

They use the shipped gazetteer (loaded once per module) because the decisions depend on what it
holds: dotted abbreviations, calendar and language words, compass words, the EU, country points.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from geoapp.gazetteer import Gazetteer
from geoapp.model import Article
from geoapp.places import PlaceExtractor, calendar_and_language_words


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


@pytest.fixture(scope="module")
def extractor(gaz: Gazetteer) -> PlaceExtractor:
    return PlaceExtractor(gaz)


def found(extractor: PlaceExtractor, text: str, lang: str = "en") -> list[str]:
    spans = extractor.extract(Article(id="t", title="", text=text, lang=lang))
    for s in spans:
        assert text[s.mention.start : s.mention.end] == s.mention.text
    return [s.mention.text for s in spans]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(
    ("text", "surface", "cc"),
    [
        ("Officials in the U.S. said so on Monday.", "U.S.", "US"),
        ("The U.K. government disagreed.", "U.K.", "GB"),
        ("He moved to the U.S.A. in 1990.", "U.S.A.", "US"),
    ],
)
def test_dotted_abbreviations(extractor: PlaceExtractor, text: str, surface: str, cc: str) -> None:
    spans = extractor.extract(Article(id="t", title="", text=text, lang="en"))
    (span,) = [s for s in spans if s.mention.text == surface]
    assert span.candidates[0].country_code == cc and span.candidates[0].feature == "country"


def test_dotted_two_letters_need_a_known_abbreviation(extractor: PlaceExtractor) -> None:
    # "L.A." is not Laos (LA), "A.M." not Armenia (AM)
    assert found(extractor, "He flew to L.A. at 9 A.M. yesterday.") == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("He was killed on the 29th March 2018 and buried in May.", "en"),
        ("The word means battery in English.", "en"),
        ("Die Videos tauchten bereits im Mai 2007 auf, am Sonntag wieder.", "de"),
        ("Der Text ist auf Englisch erschienen.", "de"),
    ],
)
def test_months_weekdays_and_languages_are_not_places(
    extractor: PlaceExtractor, text: str, lang: str
) -> None:
    assert found(extractor, text, lang) == []


def test_calendar_words_come_from_cldr() -> None:
    words = calendar_and_language_words()
    assert {"March", "Mai", "Monday", "Sonntag", "English", "Deutsch"} <= words


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The Centre had failed to frame a scheme for the South.", "en"),
        ("Im Norden des Dorfes liegt die Mitte des Tals.", "de"),
    ],
)
def test_compass_words_alone_are_not_places(extractor: PlaceExtractor, text: str, lang: str) -> None:
    assert found(extractor, text, lang) == []


def test_compass_words_inside_longer_names_still_match(extractor: PlaceExtractor) -> None:
    assert "South Africa" in found(extractor, "She returned to South Africa last week.")
    assert "Nordkorea" in found(extractor, "Die Delegation reiste nach Nordkorea.", "de")


def test_countries_still_found_next_to_calendar_words(extractor: PlaceExtractor) -> None:
    assert found(extractor, "In March, Germany and France signed.") == ["Germany", "France"]


def test_eu_and_european_union(extractor: PlaceExtractor, gaz: Gazetteer) -> None:
    assert "EU" in found(extractor, "The EU imposed tariffs.")
    assert "European Union" in found(extractor, "A target set by the European Union.")
    assert "Europäischen Union" in found(extractor, "Ein Ziel der Europäischen Union.", "de")
    (eu,) = gaz.candidates("eu")
    europe = gaz.candidates("europe")[0]
    assert (eu.lat, eu.lon) == (europe.lat, europe.lon)  # the containing continent's point


@pytest.mark.parametrize(
    ("cc", "geonames_point"),
    [("US", (39.76, -98.5)), ("RU", (60.0, 100.0)), ("DE", (51.5, 10.5)), ("BR", (-10.0, -55.0))],
)
def test_country_points_near_geonames_reference(gaz: Gazetteer, cc: str, geonames_point) -> None:
    """Outline-derived points land near GeoNames' own country points (the gold of GeoNames-based
    evaluations); the member-place extent put the United States 1,300 km off."""
    country = gaz.country(cc)
    assert country is not None
    assert km((country.lat, country.lon), geonames_point) < 450


class _CountingGazetteer:
    """Wraps a gazetteer and counts look-ups by key."""

    def __init__(self, inner: Gazetteer) -> None:
        self.inner = inner
        self.max_words = inner.max_words
        self.probes: Counter = Counter()

    def candidates(self, key: str):
        self.probes[key] += 1
        return self.inner.candidates(key)

    def name_flags(self, key: str):
        return self.inner.name_flags(key)

    def abbr_surfaces(self, key: str):
        return self.inner.abbr_surfaces(key)


def test_one_gazetteer_probe_per_window_even_with_country_context(gaz: Gazetteer) -> None:
    counting = _CountingGazetteer(gaz)
    ex = PlaceExtractor(counting)
    text = "Russland greift an. Truppen zogen durch Kursk und Belgorod nach Charkiw."
    spans = ex.extract(Article(id="t", title="", text=text, lang="de"))
    assert {"Russland", "Charkiw"} <= {s.mention.text for s in spans}
    # the second decision round (with RU/UA as context) re-used the first round's matches
    repeated = {k: n for k, n in counting.probes.items() if n > 1}
    assert not repeated, repeated


def test_title_searched_apart(extractor: PlaceExtractor) -> None:
    art = Article(id="t", title="Lage in Kiew", text="Die Stadt wurde angegriffen.", lang="de")
    spans = extractor.extract(art)
    assert [(s.mention.field, s.mention.text) for s in spans] == [("title", "Kiew")]


def test_hyphen_broken_names_join(gaz: Gazetteer) -> None:
    """A name broken at a line end ("Mecklenburg- Vorpommern") folds to the whole name's key."""
    rules = PlaceExtractor(gaz, place_filter=None, tagger=None)
    assert "Mecklenburg- Vorpommern" in found(rules, "Die Wahl in Mecklenburg- Vorpommern war knapp.", "de")


def test_commonness_separates_words_from_names() -> None:
    from geoapp.places import commonness

    assert commonness("mehr", "de") > 1.5  # a German word, rare elsewhere
    assert commonness("paris", "en") < 1.0  # a name, about as frequent in every language


def test_rules_alone_still_work_without_model(gaz: Gazetteer) -> None:
    rules = PlaceExtractor(gaz, place_filter=None, tagger=None)
    assert found(rules, "In March, Germany and France signed.") == ["Germany", "France"]
    assert found(rules, "The word means battery in English.") == []


def test_long_windows_end_where_the_word_by_word_walk_ends(gaz: Gazetteer) -> None:
    """The windows of two words or more take their possible ends from the capitalised start
    tokens (and, in fields that hold one, the lower-case rivers "oder", "saale", "main" in any
    case but a capital first): the same longest match as a walk over every word after the start."""
    import random

    from geoapp.places import _JOINER, _Field

    ex = PlaceExtractor(gaz, place_filter=None, tagger=None)

    def walked(fld: _Field, i: int, reach: int, lang: str):
        text, tokens = fld.text, fld.tokens
        last, j_max = min(len(tokens), i + reach), i
        while j_max + 1 < last:
            gap = text[tokens[j_max].end : tokens[j_max + 1].start]
            if gap != " " and not _JOINER.fullmatch(gap):
                break
            j_max += 1
        for j in range(j_max, i, -1):
            word = tokens[j].text
            if word[:1].isupper() or word.lower() in ("oder", "saale", "main"):
                got = ex._surface_match(text[tokens[i].start : tokens[j].end], lang)
                if got is not None:
                    key, cands, cut, stem = got
                    return j, key, cands, tokens[j].end - cut, stem
        return None

    words = ["Frankfurt", "oder", "Oder", "oDER", "an", "der", "Halle", "saale", "am", "main", "Main",
             "New", "York", "City", "The", "United", "States", "of", "America", "St", "Louis", "he", "said"]
    texts = ["Frankfurt oder Halle saale und Frankfurt am main", "The United States of America said"]
    rnd = random.Random(2)
    for _ in range(400):
        parts = rnd.choices(words, k=rnd.randint(2, 14))
        texts.append("".join(w + rnd.choice([" ", " ", " ", ". ", "- ", ", ", "\n"]) for w in parts))
    for text in texts:
        for lang in ("de", "en"):
            fld = _Field(text, lang, "text", ())
            for i in fld.starts:
                reach = ex._word_facts(fld.tokens[i].text, lang)[0]
                if reach > 1:
                    assert ex._longest_window(fld, i, reach, lang) == walked(fld, i, reach, lang), (text, i)
