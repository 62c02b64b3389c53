"""Actor stage: registry, demonyms, role titles, surnames, countries that act.

The place stage is built separately, so these tests hand-build the sample article's place
mentions from its text (offsets found with ``str.index``/``re.finditer``). The sequence tagger's
spans come from the place stage too; here the document carries none, so these tests exercise the
registry, title, surname and agency passes on their own (tests/test_recognition.py runs the tagger).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from own_articles import DE_NOVAK, DE_TARVENKO, EN_BRENNER, EN_KOVALSKA, OWN_PLACES

from geoapp.actors import find_actors
from geoapp.demonyms import country_counts, find_demonyms, load_demonyms, resolve_codes
from geoapp.document import Doc
from geoapp.model import Actor, ActorMention, Article, Mention, Place, PlaceMention
from geoapp.registry import ActorRegistry

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_NAME = "000_697af04ae4cd89d0.txt"

CAPITALS = {
    "RU": Place("Moscow", 55.75, 37.62, "RU", "city"),
    "KP": Place("Pyongyang", 39.03, 125.75, "KP", "city"),
    "KR": Place("Seoul", 37.57, 126.98, "KR", "city"),
    "UA": Place("Kyiv", 50.45, 30.52, "UA", "city"),
    "GB": Place("London", 51.51, -0.13, "GB", "city"),
    "SK": Place("Bratislava", 48.15, 17.11, "SK", "city"),
    "AT": Place("Vienna", 48.21, 16.37, "AT", "city"),
    "CL": Place("Santiago", -33.46, -70.65, "CL", "city"),
    "AR": Place("Buenos Aires", -34.61, -58.38, "AR", "city"),
}
PLACES = {
    "Pyongyang": Place("Pyongyang", 39.03, 125.75, "KP", "city", 1871859),
    "Russia": Place("Russia", 60.0, 100.0, "RU", "country", 2017370),
    "Ukraine": Place("Ukraine", 49.0, 32.0, "UA", "country", 690791),
    "North Korea": Place("North Korea", 40.0, 127.0, "KP", "country", 1873107),
    "Wonsan": Place("Wŏnsan", 39.15, 127.44, "KP", "city", 1865309),
    "Kursk Oblast": Place("Kursk Oblast", 51.7, 36.2, "RU", "region", 538555),
}


def capital_of(cc: str) -> Place | None:
    """A fake of the gazetteer's capital look-up: the stage must not need the real one."""
    return CAPITALS.get(cc)


def sample_text() -> str:
    for path in (ROOT / "seeds" / SAMPLE_NAME, ROOT.parent / "shared" / "seeds" / SAMPLE_NAME):
        if path.exists():
            return path.read_text(encoding="utf-8")
    pytest.skip("sample article not found")


def mentions_of(text: str, word: str, place: Place) -> list[PlaceMention]:
    return [
        PlaceMention(Mention(m.start(), m.end(), word), place) for m in re.finditer(re.escape(word), text)
    ]


def sample_places(text: str) -> list[PlaceMention]:
    """What the place stage gives for the sample article, built by hand."""
    pms = (
        mentions_of(text, "Pjöngjangs", PLACES["Pyongyang"])
        + mentions_of(text, "Russland", PLACES["Russia"])
        + mentions_of(text, "Ukraine", PLACES["Ukraine"])
        + mentions_of(text, "Nordkorea", PLACES["North Korea"])
        + mentions_of(text, "DVRK", PLACES["North Korea"])
        + mentions_of(text, "Wŏnsan", PLACES["Wonsan"])
        + mentions_of(text, "Region Kursk", PLACES["Kursk Oblast"])
    )
    return sorted(pms, key=lambda pm: pm.mention.start)


@pytest.fixture(scope="module")
def registry() -> ActorRegistry:
    return ActorRegistry.load()


@pytest.fixture(scope="module")
def sample(registry: ActorRegistry) -> tuple[Article, list[PlaceMention], list[ActorMention]]:
    text = sample_text()
    article = Article("sample", text.split("\n", 1)[0], text, "de", title_in_text=True)
    pms = sample_places(text)
    return article, pms, actors_of(article, pms, registry)


def actors_of(article: Article, pms: list[PlaceMention], registry: ActorRegistry) -> list[ActorMention]:
    doc = Doc.from_article(article)
    return find_actors(doc, pms, find_demonyms(doc), registry, capital_of=capital_of)


def demonyms(text: str, pms: list[PlaceMention] = ()) -> list[tuple[str, str | None]]:
    """(surface, country) of each demonym, ambiguous ones decided by the places given."""
    doc = Doc.from_article(Article("t", "", text, "und"))
    found = find_demonyms(doc)
    counts = country_counts(pms, found)
    return [(text[d.start : d.end], resolve_codes(d.codes, counts)) for d in found]


def demonym_spans(text: str) -> list[tuple[int, int]]:
    return [(d.start, d.end) for d in find_demonyms(Doc.from_article(Article("t", "", text, "und")))]


def actor_named(ams: list[ActorMention], name: str) -> Actor:
    found = {am.actor for am in ams if am.actor.name == name}
    assert len(found) == 1, f"{name}: {found or 'not found'}"
    return found.pop()


def find(text: str, places: list[PlaceMention], registry: ActorRegistry, lang: str) -> list[ActorMention]:
    return actors_of(Article("t", "", text, lang), places, registry)


# ---------------------------------------------------------------------------------------------
# The sample article
# ---------------------------------------------------------------------------------------------


def test_sample_people_and_organisations(sample) -> None:
    _article, _pms, ams = sample
    lavrov = actor_named(ams, "Sergei Lawrow")
    assert (lavrov.kind, lavrov.country_code) == ("person", "RU")
    assert lavrov.home == CAPITALS["RU"]
    kim = actor_named(ams, "Kim Jong-un")
    assert (kim.kind, kim.country_code) == ("person", "KP")
    choe = actor_named(ams, "Choe Son-hui")
    assert (choe.kind, choe.country_code) == ("person", "KP")
    kcna = actor_named(ams, "KCNA")
    assert (kcna.kind, kcna.country_code) == ("organisation", "KP")
    reuters = actor_named(ams, "Reuters")
    assert (reuters.kind, reuters.country_code) == ("organisation", "GB")
    assert reuters.role == "news agency"


def test_sample_countries_are_actors_only_where_they_act(sample) -> None:
    article, _pms, ams = sample
    countries = {(am.mention.start, am.actor.name) for am in ams if am.actor.kind == "country"}
    text = article.text
    # "Nordkorea hat russische Anstrengungen … unterstützt": the subject acts
    assert (text.index("Nordkorea hat russische"), "North Korea") in countries
    # a location, a possessor or an object does not: "in Nordkorea", "zwischen Russland und
    # Nordkorea", "um Russland … zu unterstützen", "mit der Ukraine"
    for phrase, word in (("Besuch in Nordkorea", "Nordkorea"), ("zwischen Russland", "Russland"),
                         ("und Nordkorea intensiviert", "Nordkorea"), ("mit der Ukraine", "Ukraine")):
        start = text.index(phrase) + phrase.index(word)
        assert not any(s == start for s, _ in countries), phrase
    north_korea = actor_named(ams, "North Korea")
    assert north_korea.country_code == "KP" and north_korea.home == CAPITALS["KP"]


def test_sample_surnames_resolve_within_the_article(sample) -> None:
    article, _pms, ams = sample
    by_text = {(am.mention.start, am.mention.text): am.actor.name for am in ams}
    kim_alone = article.text.index("Kim betonte")
    assert by_text[(kim_alone, "Kim")] == "Kim Jong-un"
    later = article.text.index("Lawrow während")
    assert by_text[(later, "Lawrow")] == "Sergei Lawrow"
    mit_kim = article.text.index("mit Kim die") + 4
    assert by_text[(mit_kim, "Kim")] == "Kim Jong-un"


def test_sample_demonyms_are_references_not_actors_or_places(sample) -> None:
    article, pms, ams = sample
    assert not any(am.mention.kind == "demonym" for am in ams)
    found = demonyms(article.text, pms)
    assert ("russische", "RU") in found and ("Russische", "RU") in found
    assert ("nordkoreanischen", "KP") in found
    # "In der ost-koreanischen Küstenstadt Wŏnsan": Korea with a compass prefix, North Korea by context
    assert ("ost-koreanischen", "KP") in found
    spans = demonym_spans(article.text)
    for pm in pms:
        assert not any(s < pm.mention.end and pm.mention.start < e for s, e in spans), pm
    for am in ams:  # no actor is made of an adjective
        assert not any(s <= am.mention.start and am.mention.end <= e for s, e in spans), am


def test_sample_country_actors_keep_the_span_of_their_place(sample) -> None:
    _article, pms, ams = sample
    places = {(pm.mention.start, pm.mention.end): pm for pm in pms}
    for am in ams:
        if am.actor.kind == "country":
            pm = places[(am.mention.start, am.mention.end)]
            assert pm.place.country_code == am.actor.country_code
    assert not any(am.actor.name == "Pyongyang" for am in ams)  # a city is not a country actor


def test_sample_has_no_spurious_people(sample) -> None:
    _article, _pms, ams = sample
    people = {am.actor.name for am in ams if am.actor.kind == "person"}
    assert people == {"Sergei Lawrow", "Kim Jong-un", "Choe Son-hui"}


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Gestern sagte Lavrov etwas.", "Sergei Lawrow"),
        ("Yesterday Sergey Lavrov spoke.", "Sergei Lawrow"),
        ("Sergej Lawrows Reise", "Sergei Lawrow"),
        ("Lavrov's trip", "Sergei Lawrow"),
        ("leader Kim Jong Un said", "Kim Jong-un"),
        ("Kim Jong\u2011un sagte", "Kim Jong-un"),
        ("minister Choe Son Hui met", "Choe Son-hui"),
        ("Choe Son-Hui traf", "Choe Son-hui"),
        ("said the Korean Central News Agency", "KCNA"),
        ("meldete die Koreanische Zentrale Nachrichtenagentur", "KCNA"),
        ("Im UN-Sicherheitsrat", "UN Security Council"),
        ("Der Lawrow-Besuch", "Sergei Lawrow"),
        ("nach Angaben der Deutschen Presse-Agentur", "dpa"),
    ],
)
def test_registry_aliases(registry: ActorRegistry, text: str, name: str) -> None:
    ams = find(text, [], registry, "und")
    assert name in {am.actor.name for am in ams}


def test_registry_blocks_longer_names_and_respects_case(registry: ActorRegistry) -> None:
    assert not find("according to KCNA Watch, a monitoring site", [], registry, "en")
    assert not find("the kcna said", [], registry, "en")
    # "Kim" alone is no one unless a Kim was named in the article
    assert not find("Kim sagte nichts.", [], registry, "de")


def test_registry_user_file_overrides_and_extends(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "actors:\n"
        "  - {name: Sergei Lawrow, kind: person, country: RU, role: retired, aliases: [Lawrow]}\n"
        "  - name: Jana Fiktiv\n    kind: person\n    country: SK\n"
        "    home: {name: Košice, lat: 48.72, lon: 21.26}\n",
        encoding="utf-8",
    )
    reg = ActorRegistry.load(extra)
    assert reg.entries["Sergei Lawrow"].role == "retired"
    assert "Jana Fiktiv" in reg and "Vladimir Putin" in reg
    ams = find("Jana Fiktiv traf Lawrow, nicht Lavrov.", [], reg, "de")
    names = [am.actor.name for am in ams]
    assert names == ["Jana Fiktiv", "Sergei Lawrow"]  # the override dropped the alias "Lavrov"
    assert ams[0].actor.home is not None and ams[0].actor.home.name == "Košice"


def test_registry_bad_user_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {name: Nobody, kind: alien}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.yaml.*Nobody.*kind"):
        ActorRegistry.load(bad)


def test_shipped_registry_is_sound(registry: ActorRegistry) -> None:
    assert len(registry) >= 40
    kinds = {e.kind for e in registry.entries.values()}
    assert kinds == {"person", "organisation"}
    assert all(e.org_type for e in registry.entries.values() if e.kind == "organisation")


# ---------------------------------------------------------------------------------------------
# Demonyms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "cc"),
    [
        ("russisch", "RU"), ("russische", "RU"), ("russischen", "RU"), ("russischer", "RU"),
        ("russisches", "RU"), ("russischem", "RU"), ("Russische", "RU"), ("Russe", "RU"),
        ("Russen", "RU"), ("Russin", "RU"), ("Russinnen", "RU"), ("Nordkoreaner", "KP"),
        ("Nordkoreanerinnen", "KP"), ("nord-koreanisch", "KP"), ("nordkoreanische", "KP"),
        ("süd-koreanischen", "KR"), ("südkoreanisch", "KR"), ("US-amerikanischen", "US"),
        ("amerikanische", "US"), ("ostukrainischen", "UA"), ("Französin", "FR"),
        ("Russian", "RU"), ("Russians", "RU"), ("North Korean", "KP"), ("North Koreans", "KP"),
        ("Ukrainians", "UA"), ("British", "GB"), ("Chinese", "CN"), ("Frenchmen", "FR"),
        ("Israelis", "IL"), ("Norwegian", "NO"),
    ],
)  # fmt: skip
def test_demonym_forms(registry: ActorRegistry, word: str, cc: str) -> None:
    assert demonyms(f"Es geht um {word} Interessen") == [(word, cc)]
    # a demonym alone names no actor: "Russische Truppen" has no agent
    assert find(f"Es geht um {word} Interessen", [], registry, "und") == []


def test_demonyms_never_country_names_or_continents() -> None:
    lex = load_demonyms()
    for name in ("Polen", "Ungarn", "Schweden", "Russland"):
        assert lex.lookup(name) is None, name
    found = demonyms("nordamerikanische und lateinamerikanische Staaten, North American firms")
    assert found and all(cc is None for _, cc in found)  # regions, not countries
    assert len(demonym_spans("nordamerikanische Staaten")) == 1  # still never a place


def test_demonyms_inside_compounds() -> None:
    assert demonyms("der russisch-ukrainische Krieg und Russian-backed forces") == [
        ("russisch", "RU"),
        ("ukrainische", "UA"),
        ("Russian", "RU"),
    ]


def test_compass_korea_follows_the_article_context() -> None:
    text = "In der ost-koreanischen Stadt sprach man über Seoul."
    seoul = Place("Seoul", 37.57, 126.98, "KR", "city")
    pms = [PlaceMention(Mention(text.index("Seoul"), text.index("Seoul") + 5, "Seoul"), seoul)]
    assert demonyms(text, pms) == [("ost-koreanischen", "KR")]
    # no context: no country is guessed (still a demonym span, never a place)
    assert demonyms("In der ost-koreanischen Stadt.") == [("ost-koreanischen", None)]
    assert demonym_spans("In der ost-koreanischen Stadt.") == [(7, 23)]


def test_english_demonym_is_never_a_place_span() -> None:
    spans = demonym_spans("Russian troops and Russians; die Russen kamen.")
    assert spans == [(0, 7), (19, 27), (33, 39)]


# ---------------------------------------------------------------------------------------------
# Role titles and surnames: our own short articles
# ---------------------------------------------------------------------------------------------


def own_places(text: str) -> list[PlaceMention]:
    pms = [pm for word, place in OWN_PLACES.items() for pm in mentions_of(text, word, place)]
    return sorted(pms, key=lambda pm: pm.mention.start)


def people(ams: list[ActorMention]) -> list[tuple[str, str, str | None]]:
    return [
        (am.mention.text, am.actor.name, am.actor.country_code) for am in ams if am.actor.kind == "person"
    ]


def test_german_title_finds_unknown_president_and_surname(registry: ActorRegistry) -> None:
    ams = find(DE_NOVAK, own_places(DE_NOVAK), registry, "de")
    assert "Zuzana Novak" not in registry
    novak = ("Zuzana Novak", "SK")
    assert people(ams) == [("Zuzana Novak", *novak), ("Novak", *novak), ("Novak", *novak)]
    novak = actor_named(ams, "Zuzana Novak")
    assert novak.role == "Präsidentin" and novak.home == CAPITALS["SK"]
    assert {am.actor.name for am in ams if am.actor.kind == "organisation"} == {"dpa"}


def test_german_defence_minister_and_news_agency(registry: ActorRegistry) -> None:
    ams = find(DE_TARVENKO, own_places(DE_TARVENKO), registry, "de")
    assert people(ams) == [
        ("Oleh Tarvenko", "Oleh Tarvenko", "UA"),
        ("Tarvenko", "Oleh Tarvenko", "UA"),
        ("Tarvenko", "Oleh Tarvenko", "UA"),
    ]
    assert actor_named(ams, "Oleh Tarvenko").role == "Verteidigungsminister"
    assert actor_named(ams, "TASS").kind == "organisation"


def test_english_title_possessive_and_pronoun_text(registry: ActorRegistry) -> None:
    ams = find(EN_KOVALSKA, own_places(EN_KOVALSKA), registry, "en")
    assert people(ams) == [("Marta Kovalska", "Marta Kovalska", "SK"), ("Kovalska", "Marta Kovalska", "SK")]
    assert [am.mention.text for am in ams if am.actor.name == "Reuters"] == ["Reuters", "Reuters"]


def test_english_lowercase_title(registry: ActorRegistry) -> None:
    ams = find(EN_BRENNER, own_places(EN_BRENNER), registry, "en")
    assert people(ams) == [
        ("Alejandro Brenner", "Alejandro Brenner", "CL"),
        ("Brenner", "Alejandro Brenner", "CL"),
        ("Brenner", "Alejandro Brenner", "CL"),
    ]
    assert actor_named(ams, "Alejandro Brenner").role == "Foreign Minister"


@pytest.mark.parametrize(
    ("text", "name", "cc"),
    [
        ("Gestern sagte Bundeskanzler Hans Beispielmann, dass", "Hans Beispielmann", None),
        ("des russischen Außenministers Pjotr Ersatzow in", "Pjotr Ersatzow", "RU"),
        ("Machthaber Kim Chol-jin besuchte", "Kim Chol-jin", None),
        ("Prime Minister Ana Exemplo said", "Ana Exemplo", None),
        ("a spokesman Tom Placeholder said", "Tom Placeholder", None),
        ("Ministerpräsidentin Erika Mustermann-Probe sprach", "Erika Mustermann-Probe", None),
        ("US-Präsident Joe Fiktion reiste", "Joe Fiktion", None),
    ],
)
def test_title_patterns(registry: ActorRegistry, text: str, name: str, cc: str | None) -> None:
    found = people(find(text, [], registry, "und"))
    assert found == [(name, name, cc)]


def test_title_name_stops_at_common_nouns_and_places(registry: ActorRegistry) -> None:
    text = "Dann führte Präsidentin Novak Gespräche in Wien."
    ams = find(text, own_places(text), registry, "de")
    assert people(ams) == [("Novak", "Novak", None)]
    assert people(find("Der Präsident der Ukraine sprach.", [], registry, "de")) == []
    assert people(find("the President said on Monday", [], registry, "en")) == []


def test_korean_surname_comes_first_and_other_kims_stay_apart(registry: ActorRegistry) -> None:
    text = "Außenministerin Ri Son-gwon traf Kim Jong-un. Ri sagte danach, Kim Yo-jong sei dabei gewesen."
    found = people(find(text, [], registry, "de"))
    assert found == [
        ("Ri Son-gwon", "Ri Son-gwon", None),
        ("Kim Jong-un", "Kim Jong-un", "KP"),
        ("Ri", "Ri Son-gwon", None),
        ("Kim Yo-jong", "Kim Yo-jong", "KP"),
    ]


def test_title_field_is_searched_when_apart_from_text(registry: ActorRegistry) -> None:
    article = Article("t", "Lawrow in Nordkorea", "Sergei Lawrow reiste ab.", "de")
    ams = actors_of(article, [], registry)
    assert [(am.mention.field, am.mention.text) for am in ams] == [
        ("text", "Sergei Lawrow"),
        ("title", "Lawrow"),
    ]


def test_german_compound_titles_find_unknown_people(registry: ActorRegistry) -> None:
    text = (
        "Die brasilianische Umweltministerin Ana Ribeiro reiste nach Belém. Landrätin Sabine Kühnert "
        "sprach von einer ernsten Lage. Später sagte Ribeiro, das Geld komme."
    )
    article = Article(id="t", title="", text=text, lang="de")
    found = actors_of(article, [], registry)
    people = {
        (am.mention.text, am.actor.name, am.actor.role, am.actor.country_code)
        for am in found
        if am.actor.kind == "person"
    }
    assert ("Ana Ribeiro", "Ana Ribeiro", "Umweltministerin", "BR") in people
    assert ("Sabine Kühnert", "Sabine Kühnert", "Landrätin", None) in people
    assert ("Ribeiro", "Ana Ribeiro", "Umweltministerin", "BR") in people

