"""The Streamlit app through Streamlit's own ``AppTest`` (no browser): widgets, state, caching.

Every test points ``GEOAPP_CACHE_DIR`` at its own temporary folder, so fixes saved here never reach
the repository's ``cache/`` and each test starts without fixes. The views are stateful tabs: a
test opens one by setting ``session_state["view"]`` to its label, as a click on the tab does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import types
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = Path(__file__).resolve().parent.parent / "app.py"
PASTED = "Storm in Texas\n\nA tornado hit Paris, Texas, on Monday. Crews came from Dallas."


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEOAPP_GEOCODER", "offline")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def table_with(at: AppTest, column: str):
    """The shown dataframe that has ``column`` (AppTest keeps no keys for plain dataframes)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a {column!r} column")


def places_table(at: AppTest):
    return table_with(at, "mentions")


def open_view(at: AppTest, label: str) -> AppTest:
    at.session_state["view"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def events(at: AppTest):
    return table_with(open_view(at, "Events"), "event date")


def write_jsonl(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return folder


def load_folder(at: AppTest, folder: Path) -> AppTest:
    at.sidebar.radio(key="source").set_value("Folder").run()
    at.sidebar.text_input(key="folder").input(str(folder)).run()
    assert not at.exception, at.exception
    return at


def test_samples_load_and_filters_drive_the_tables(app: AppTest):
    table = places_table(app)
    assert table["article_id"].nunique() >= 5 and len(table) > 30
    assert not app.error

    app.sidebar.multiselect(key="articles").set_value(["001_paris_texas_storm"]).run()
    table = places_table(app)
    assert set(table["article_id"]) == {"001_paris_texas_storm"}
    app.sidebar.multiselect(key="articles").set_value(["003_nato_washington"]).run()
    assert set(events(app)["article_id"]) == {"003_nato_washington"}

    open_view(app, "Map")
    app.sidebar.multiselect(key="articles").set_value([]).run()
    assert any("No places match" in i.value for i in app.info)


def test_countries_are_named_in_filters_and_tables(app: AppTest):
    box = app.sidebar.multiselect(key="countries")
    assert "United States (US)" in box.options and "Germany (DE)" in box.options
    assert not any(option == "US" for option in box.options)
    box.select("US").run()
    table = places_table(app)
    assert set(table["country"]) == {"United States"} and "country_code" not in table
    assert set(events(app)["country"]) <= {"United States"}


def test_type_mentions_and_date_filters(app: AppTest):
    app.sidebar.multiselect(key="features").select("city").run()
    assert set(places_table(app)["feature"]) == {"city"}
    app.sidebar.multiselect(key="features").set_value([]).run()
    app.sidebar.number_input(key="min_mentions").set_value(3).run()
    assert places_table(app)["mentions"].min() >= 3
    app.sidebar.number_input(key="min_mentions").set_value(1).run()

    app.sidebar.date_input(key="dates").set_value((dt.date(2026, 4, 14), dt.date(2026, 4, 30))).run()
    app.sidebar.checkbox(key="undated").uncheck().run()
    assert set(places_table(app)["article_id"]) == {"001_paris_texas_storm"}
    app.sidebar.checkbox(key="undated").check().run()
    assert "000_697af04ae4cd89d0" in set(places_table(app)["article_id"])  # the undated sample article


def test_month_and_year_dates_count_as_dated_and_set_the_picker_range(app: AppTest, tmp_path: Path):
    texts = {
        "may": ("2017-05", "Flood in Dresden", "The Elbe flooded Dresden."),
        "year": ("2016", "Storm in Hamburg", "A storm hit Hamburg."),
        "day": ("2017-06-03", "Fire in Munich", "A fire broke out in Munich."),
        "none": (None, "Snow in Leipzig", "Snow fell in Leipzig."),
    }
    records = [
        {"id": k, "title": t, "text": x, "published": p, "lang": "en"} for k, (p, t, x) in texts.items()
    ]
    load_folder(app, write_jsonl(tmp_path / "dated", records))
    picker = app.sidebar.date_input(key="dates")
    assert (picker.min, picker.max) == (dt.date(2016, 1, 1), dt.date(2017, 6, 3))
    assert picker.value == (dt.date(2016, 1, 1), dt.date(2017, 6, 3))

    app.sidebar.checkbox(key="undated").uncheck().run()
    assert set(places_table(app)["article_id"]) == {"may", "year", "day"}  # only the undated one left out
    picker.set_value((dt.date(2017, 5, 1), dt.date(2017, 5, 31))).run()
    assert set(places_table(app)["article_id"]) == {"may"}
    assert set(places_table(app)["published"]) == {"2017-05"}  # shown as given, not as 2017-05-01


def test_one_map_build_per_rerun_and_none_off_the_map_tab(app: AppTest, monkeypatch: pytest.MonkeyPatch):
    import geoapp.maps

    calls: list[int] = []
    original = geoapp.maps.build_map

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(geoapp.maps, "build_map", counting)
    app.run()
    assert len(calls) == 1
    app.sidebar.multiselect(key="countries").select("DE").run()
    assert len(calls) == 2
    for view in ("Events", "Density", "Time series", "Review"):
        open_view(app, view)
    assert len(calls) == 2  # the other views never build the Leaflet map


def test_filter_changes_do_not_rerun_extraction(app: AppTest, monkeypatch: pytest.MonkeyPatch):
    from geoapp.pipeline import Geoparser

    calls: list[str] = []
    original = Geoparser.parse

    def counting(self, article):
        calls.append(article.id)
        return original(self, article)

    monkeypatch.setattr(Geoparser, "parse", counting)
    app.sidebar.multiselect(key="countries").select("DE").run()
    app.sidebar.number_input(key="min_mentions").set_value(2).run()
    open_view(app, "Events")
    assert not app.exception
    assert calls == []


def test_pasted_text(app: AppTest):
    app.sidebar.radio(key="source").set_value("Paste text").run()
    app.sidebar.text_area(key="pasted").input(PASTED).run()
    assert not app.exception
    table = places_table(app)
    assert {"Paris", "Texas", "Dallas"} <= set(table["name"])
    assert set(table.loc[table["name"] == "Paris", "country"]) == {"United States"}


def test_uploads_bad_files_show_one_line_each_and_the_rest_loads(app: AppTest):
    app.sidebar.radio(key="source").set_value("Upload files").run()
    app.sidebar.file_uploader(key="uploads").set_value(
        [
            ("storm.txt", PASTED.encode("utf-8"), "text/plain"),
            ("broken.jsonl", b'{"id": "x", "text": "Berlin"}\n{broken\n', "application/jsonl"),
            ("empty.txt", b"", "text/plain"),
            ("latin1.md", "# Köln\n\nIn Köln".encode("latin-1"), "text/markdown"),
        ]
    ).run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert any(e.startswith("broken.jsonl:2: broken JSON") for e in errors), errors
    assert any(e.startswith("empty.txt: empty file") for e in errors), errors
    assert any(e.startswith("latin1.md: not valid UTF-8") for e in errors), errors
    assert all("geoapp-upload-" not in e for e in errors)  # the user's names, not temp paths
    table = places_table(app)
    assert {"storm", "x"} <= set(table["article_id"])


def test_folder_source(app: AppTest, tmp_path: Path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(PASTED, encoding="utf-8")
    app.sidebar.radio(key="source").set_value("Folder").run()
    app.sidebar.text_input(key="folder").input(str(tmp_path / "missing")).run()
    assert any("no such file or folder" in e.value for e in app.error)
    app.sidebar.text_input(key="folder").input(str(folder)).run()
    assert set(places_table(app)["article_id"]) == {"a"}


def test_a_fix_made_in_the_app_is_stored_and_applied_to_later_sessions(app: AppTest, tmp_path: Path):
    app.sidebar.radio(key="source").set_value("Paste text").run()
    app.sidebar.text_area(key="pasted").input(PASTED).run()
    mentions = app.selectbox(key="fix_mention")
    paris = next(i for i in mentions.options if i.startswith("Paris ("))
    # The options are shown as labels; the value behind each is its index in the article's mentions.
    mentions.set_value(mentions.options.index(paris)).run()
    app.radio(key="fix_action").set_value("Another gazetteer candidate").run()
    cands = app.selectbox(key="fix_candidate")
    france = next(
        i for i, label in enumerate(cands.options) if " FR (city" in label and "Île-de-France" in label
    )
    cands.set_value(france).run()
    app.button(key="fix_save").click().run()
    assert not app.exception
    assert any("Saved: Paris" in s.value for s in app.success)
    assert (tmp_path / "cache" / "geocode.sqlite").is_file()
    table = places_table(app)
    fixed = table[table["name"] == "Paris"]
    assert list(fixed["source"]) == ["user"] and list(fixed["country"]) == ["France"]

    later = AppTest.from_file(str(APP), default_timeout=120)  # a new session, same cache dir
    later.run()
    later.sidebar.radio(key="source").set_value("Paste text").run()
    later.sidebar.text_area(key="pasted").input(PASTED).run()
    table = places_table(later)
    assert list(table.loc[table["name"] == "Paris", "source"]) == ["user"]
    assert len(table_with(later, "fix")) == 1


def test_downloads_offered(app: AppTest):
    labels = [b.label for b in app.get("download_button")]
    assert {"Map (HTML)", "GeoJSON", "CSV", "GeoParquet"} <= set(labels)


# -- the review list --------------------------------------------------------------------------------


@pytest.fixture
def doubtful_paris(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver made unsure of Paris, Texas (confidence 0.3, Paris in France its runner-up),
    whatever it decides itself: the review list is tested, not the resolver's confidence."""
    from geoapp.model import PlaceMention
    from geoapp.pipeline import Geoparser

    original = Geoparser.parse

    def unsure(self, article):
        result = original(self, article)
        for i, pm in enumerate(result.places):
            if pm.place is not None and pm.place.name == "Paris" and pm.place.source == "gazetteer":
                place = replace(pm.place, confidence=0.3, alternatives=("Paris, FR (city)",))
                result.places[i] = PlaceMention(pm.mention, place, pm.flags)
        return result

    monkeypatch.setattr(Geoparser, "parse", unsure)


def pasted(at: AppTest, text: str = PASTED) -> AppTest:
    at.sidebar.radio(key="source").set_value("Paste text").run()
    at.sidebar.text_area(key="pasted").input(text).run()
    assert not at.exception, at.exception
    return at


def review_buttons(at: AppTest) -> list:
    return [b for b in at.button if b.key and b.key.startswith("rv_")]


def test_review_lists_doubtful_mentions_and_picks_an_alternative_in_one_click(doubtful_paris, app: AppTest):
    open_view(pasted(app), "Review")
    text = " ".join(m.value for m in app.markdown)
    assert "**Paris**" in text and "low confidence" in text and "confidence 0.30" in text
    assert "**Paris**, Texas" in text  # the sentence, the mention in bold
    assert any("Alternatives: Paris, FR \\(city\\)" in c.value for c in app.caption)
    first = next(b for b in review_buttons(app) if b.label.startswith("→"))
    assert first.label == "→ Paris, France (city)"  # the resolver's alternative comes first
    first.click().run()
    assert not app.exception
    assert any(s.value == "Saved: Paris → Paris" for s in app.success)
    assert not any(b.label.startswith("→ Paris") for b in review_buttons(app))  # reviewed: off the list
    table = places_table(open_view(app, "Map"))
    assert list(table.loc[table["name"] == "Paris", "country"]) == ["France"]


def review_key(at: AppTest, mention: str) -> str:
    """The widget-key prefix of the review item of ``mention``: its heading comes first, then
    (in the right-hand column) its buttons, the drop button last."""
    found = False
    for node in at.main:
        if node.type == "markdown" and node.value.startswith(f"**{mention}** · "):
            found = True
        elif found and node.type == "button" and (node.key or "").endswith("_drop"):
            return node.key.removesuffix("_drop")
    raise AssertionError(f"no review item for {mention!r}")


def test_review_typed_coordinates(doubtful_paris, app: AppTest):
    open_view(pasted(app), "Review")
    key = review_key(app, "Paris")
    app.text_input(key=f"{key}_name").input("Paris (Texas), fixed").run()
    app.number_input(key=f"{key}_lat").set_value(33.66).run()
    app.number_input(key=f"{key}_lon").set_value(-95.55).run()
    app.button(key=f"{key}_save").click().run()
    assert any(s.value == "Saved: Paris → Paris (Texas), fixed" for s in app.success)
    table = places_table(open_view(app, "Map"))
    row = table[table["name"] == "Paris (Texas), fixed"].iloc[0]
    assert (row["lat"], row["lon"], row["source"]) == (33.66, -95.55, "user")


def test_review_drop(doubtful_paris, app: AppTest):
    open_view(pasted(app), "Review")
    app.button(key=review_key(app, "Paris") + "_drop").click().run()
    assert any(s.value == "Saved: Paris → not a place" for s in app.success)
    assert not review_buttons(app)
    assert "Paris" not in set(places_table(open_view(app, "Map"))["name"])


def test_review_is_calm_when_nothing_is_doubtful(app: AppTest):
    open_view(pasted(app, "Storm in Berlin\n\nA storm hit Berlin and Hamburg."), "Review")
    assert any("Nothing to review" in s.value for s in app.success)
    assert not review_buttons(app)


# -- URLs and feeds ---------------------------------------------------------------------------------


def test_urls_are_fetched_by_geoapp_feeds_on_request(app: AppTest, monkeypatch: pytest.MonkeyPatch):
    from geoapp.model import Article

    calls: list[list[str]] = []

    def articles_from_urls(urls, settings):
        calls.append(list(urls))
        article = Article(id="u1", title="Storm", text=PASTED, lang="en", url=urls[0], published="2026-04-14")
        return [article], ["https://bad.example/x: HTTP 404"]

    feeds = types.ModuleType("geoapp.feeds")
    feeds.articles_from_urls = articles_from_urls
    monkeypatch.setitem(sys.modules, "geoapp.feeds", feeds)

    app.sidebar.radio(key="source").set_value("URLs or feeds").run()
    assert app.sidebar.button(key="fetch").disabled
    urls = "https://news.example/storm\n\n  https://bad.example/x  \n"
    app.sidebar.text_area(key="urls").input(urls).run()
    assert calls == []  # typing fetches nothing
    app.sidebar.button(key="fetch").click().run()
    assert calls == [["https://news.example/storm", "https://bad.example/x"]]
    assert any("HTTP 404" in e.value for e in app.error)
    assert set(places_table(app)["article_id"]) == {"u1"}
    app.sidebar.number_input(key="min_mentions").set_value(1).run()  # a filter change: no new fetch
    assert len(calls) == 1 and set(places_table(app)["article_id"]) == {"u1"}


def test_urls_without_geoapp_feeds_say_so(app: AppTest, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "geoapp.feeds", None)  # import fails as if not installed
    app.sidebar.radio(key="source").set_value("URLs or feeds").run()
    assert not app.exception
    assert any("geoapp.feeds" in w.value for w in app.sidebar.warning)
    assert not app.sidebar.get("button")


# -- events -----------------------------------------------------------------------------------------

EVENT_ARTICLE = {
    "id": "e1",
    "title": "Talks in the North",
    "text": "Sergei Lavrov arrived in Pyongyang on Tuesday for talks with Kim Jong Un.",
    "published": "2024-06-27",
    "lang": "en",
}


def test_events_carry_their_type_and_a_date_apart_from_the_publication_date(app: AppTest, tmp_path: Path):
    load_folder(app, write_jsonl(tmp_path / "ev", [EVENT_ARTICLE]))
    table = events(app)
    visit = table[table["type"] == "✈ Visit"].iloc[0]
    assert (visit["actor"], visit["place"], visit["country"]) == ("Sergei Lawrow", "Pyongyang", "North Korea")
    assert (visit["event date"], visit["published"]) == ("2024-06-25", "2024-06-27")
    assert visit["date from"] == "text: “on Tuesday”"
    summary = table_with(app, "means")
    assert set(summary["type"]) >= {"✈ Visit"}


def test_event_type_filter_keeps_those_links_and_their_places(app: AppTest):
    all_places = set(places_table(app)["name"])
    box = app.sidebar.multiselect(key="event_types")
    assert "✸ Attack" in box.options  # shown with its symbol
    box.select("attack").run()
    table = events(app)
    assert set(table["type"]) == {"✸ Attack"}
    places = set(places_table(open_view(app, "Map"))["name"])
    assert places and places < all_places and places == set(table["place"])


def test_density_view_draws_hexagons_with_no_basemap_service(app: AppTest):
    open_view(app, "Density")
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.json)
    kinds = [layer["@@type"] for layer in spec["layers"]]
    assert kinds == ["GeoJsonLayer", "HexagonLayer"]
    assert "mapProvider" not in spec and "http" not in spec.get("mapStyle", "")
    hexes = spec["layers"][1]
    assert sum(row["mentions"] for row in hexes["data"]) == places_total(app)
    assert set(hexes["data"][0]) == {"lon", "lat", "mentions"}  # coordinates and counts only, no text
    per_country = table_with(app, "places")
    assert per_country["mentions"].sum() == places_total(app)


def places_total(at: AppTest) -> int:
    counts = at.caption[0].value  # "7 of 7 articles · 76 places · 110 mentions · 18 links"
    return int(counts.split(" mentions")[0].split("·")[-1])


def test_time_series_counts_place_mentions_and_events(app: AppTest, tmp_path: Path):
    records = [
        EVENT_ARTICLE,
        {**EVENT_ARTICLE, "id": "e2", "published": "2024-07-04"},
        {**EVENT_ARTICLE, "id": "e3", "published": None},
    ]
    load_folder(app, write_jsonl(tmp_path / "series", records))
    open_view(app, "Time series")
    assert app.get("vega_lite_chart")
    table = table_with(app, "period")
    assert table["period"].iloc[0] == "2024-06-27" and table["period"].iloc[-1] == "2024-07-04"
    places = places_table(open_view(app, "Map"))
    dated = places[(places["name"] == "Pyongyang") & places["article_id"].isin(["e1", "e2"])]
    open_view(app, "Time series")
    assert table["Pyongyang"].sum() == dated["mentions"].sum() > 0
    assert any("undated mentions are not on the time axis" in c.value for c in app.caption)

    app.radio(key="series").set_value("Events per type").run()
    table = table_with(app, "period")
    # Tuesday 25 June and Tuesday 2 July: the sentence's day, not the publication day.
    assert list(table["period"]) == [f"2024-06-{d:02d}" for d in range(25, 31)] + ["2024-07-01", "2024-07-02"]
    assert table.loc[table["period"].isin(["2024-06-25", "2024-07-02"]), "✈ Visit"].tolist() == [1, 1]
    assert table["✈ Visit"].sum() == 2  # the undated article's visit has no day to count on
    spec = app.get("vega_lite_chart")[0].proto.spec
    assert "#0072B2" in spec  # visits in the visit colour, as in the events table
    assert any("undated events are not on the time axis" in c.value for c in app.caption)


# -- hostile text -----------------------------------------------------------------------------------


def test_hostile_article_text_is_escaped_in_quotes_and_review(
    doubtful_paris, app: AppTest, hostile_text: str
):
    markdown = ":red[alarm] [link](javascript:alert(5))"
    text = f"{hostile_text}\n\nA tornado hit Paris, Texas. {hostile_text} {markdown}"
    open_view(pasted(app, text), "Review")
    shown = [m.value for m in app.markdown] + [c.value for c in app.caption]
    assert any("Paris" in s for s in shown)
    for value in shown:  # every character Markdown or HTML would act on carries its backslash
        body = value.removeprefix("> ")  # a quote's own blockquote mark
        assert not re.search(r"(?<!\\)[<>`$]|(?<!\\)\]\(|(?<!\\):red", body), value


def test_a_fix_extracts_only_its_own_article_again(doubtful_paris, app: AppTest, monkeypatch):
    from geoapp.pipeline import Geoparser

    open_view(app, "Review")  # the sample articles, extracted once by the fixture
    calls: list[str] = []
    original = Geoparser.parse  # the doubtful_paris wrapper

    def counting(self, article):
        calls.append(article.id)
        return original(self, article)

    monkeypatch.setattr(Geoparser, "parse", counting)
    app.button(key=review_key(app, "Paris") + "_drop").click().run()
    assert any(s.value == "Saved: Paris → not a place" for s in app.success)
    assert calls == ["001_paris_texas_storm"]
