"""The Streamlit app through Streamlit's own ``AppTest`` (no browser): widgets, state, caching.

Every test points ``GEOAPP_CACHE_DIR`` at its own temporary folder, so fixes saved here never reach
the repository's ``cache/`` and each test starts without fixes.
"""

from __future__ import annotations

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


def test_samples_load_and_filters_drive_the_tables(app: AppTest):
    table = places_table(app)
    assert table["article_id"].nunique() >= 5 and len(table) > 30
    assert not app.error

    app.sidebar.multiselect(key="articles").set_value(["001_paris_texas_storm"]).run()
    table = places_table(app)
    assert set(table["article_id"]) == {"001_paris_texas_storm"}
    assert set(table_with(app, "relation")["article_id"]) <= {"001_paris_texas_storm"}

    app.sidebar.multiselect(key="articles").set_value([]).run()
    assert any("No places match" in i.value for i in app.info)


def test_country_type_mentions_and_date_filters(app: AppTest):
    app.sidebar.multiselect(key="countries").select("US").run()
    assert set(places_table(app)["country_code"]) == {"US"}
    app.sidebar.multiselect(key="features").select("city").run()
    assert set(places_table(app)["feature"]) == {"city"}
    app.sidebar.multiselect(key="countries").set_value([]).run()
    app.sidebar.multiselect(key="features").set_value([]).run()
    app.sidebar.number_input(key="min_mentions").set_value(3).run()
    assert places_table(app)["mentions"].min() >= 3
    app.sidebar.number_input(key="min_mentions").set_value(1).run()

    import datetime as dt

    app.sidebar.date_input(key="dates").set_value((dt.date(2026, 4, 14), dt.date(2026, 4, 30))).run()
    app.sidebar.checkbox(key="undated").uncheck().run()
    assert set(places_table(app)["article_id"]) == {"001_paris_texas_storm"}
    app.sidebar.checkbox(key="undated").check().run()
    assert "000_697af04ae4cd89d0" in set(places_table(app)["article_id"])  # the undated sample article


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
    assert not app.exception
    assert calls == []


def test_pasted_text(app: AppTest):
    app.sidebar.radio(key="source").set_value("Paste text").run()
    app.sidebar.text_area(key="pasted").input(PASTED).run()
    assert not app.exception
    table = places_table(app)
    assert {"Paris", "Texas", "Dallas"} <= set(table["name"])
    assert set(table.loc[table["name"] == "Paris", "country_code"]) == {"US"}


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
    assert list(fixed["source"]) == ["user"] and list(fixed["country_code"]) == ["FR"]

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
