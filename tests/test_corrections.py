"""User corrections: applied after resolution, stored in the cache database, read without creating
files, and surviving a restart (a new Geoparser on the same cache dir), the CLI included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geoapp.cli import main
from geoapp.corrections import (
    ReadOnlyCorrections,
    apply_corrections,
    candidate_record,
    drop_record,
    place_record,
    record_place,
    save_correction,
)
from geoapp.geocode.cache import CACHE_FILENAME, Correction, GeocodeCache
from geoapp.model import Article, Mention, Place, PlaceMention
from geoapp.pipeline import Geoparser
from geoapp.settings import load_settings
from geoapp.text import name_key

TEXT = "Storm in Texas\n\nA tornado hit Paris, Texas, on Monday. Crews came from Dallas."
ARTICLE = Article(id="storm-1", title="Storm in Texas", text=TEXT, lang="en", title_in_text=True)


def _pm(text: str, name: str, lat: float = 1.0, lon: float = 2.0) -> PlaceMention:
    start = TEXT.index(text)
    return PlaceMention(Mention(start, start + len(text), text), Place(name, lat, lon, "US", "city", 7))


def _corr(text: str, place: dict, *, start: int | None = None) -> Correction:
    s = TEXT.index(text) if start is None else start
    return Correction(ARTICLE.id, s, s + len(text), "text", text, place, 0.0)


# -- apply, pure ---------------------------------------------------------------------------------


def test_apply_replaces_drops_and_adds():
    places = [_pm("Paris", "Paris"), _pm("Dallas", "Dallas")]
    fixes = [
        _corr("Paris", place_record("Paris", 48.85, 2.35, country_code="fr", feature="city", was="Paris")),
        _corr("Dallas", drop_record()),
        _corr("Monday", place_record("Monday Island", 10.0, 20.0, feature="feature")),  # not found before
    ]
    out = apply_corrections(ARTICLE, places, fixes)
    assert [(pm.mention.text, pm.place.name) for pm in out] == [
        ("Paris", "Paris"),
        ("Monday", "Monday Island"),
    ]
    paris = out[0].place
    assert (paris.lat, paris.lon, paris.country_code, paris.source) == (48.85, 2.35, "FR", "user")
    assert "was Paris" in paris.why
    assert out[1].place.source == "user" and out[1].mention.start == TEXT.index("Monday")


def test_apply_skips_stale_foreign_and_junk_fixes():
    places = [_pm("Paris", "Paris")]
    stale = _corr("Paris", drop_record(), start=TEXT.index("Paris") + 1)  # text moved: offsets cut "aris,"
    stale = Correction(stale.article_id, stale.start, stale.end, "text", "Paris", stale.place, 0.0)
    foreign = Correction(
        "other", TEXT.index("Paris"), TEXT.index("Paris") + 5, "text", "Paris", drop_record(), 0
    )
    junk = _corr("Paris", {"name": "no coordinates"})
    out = apply_corrections(ARTICLE, places, [stale, foreign, junk])
    assert out == places


def test_records_validate_what_users_type():
    with pytest.raises(ValueError):
        place_record("X", 91, 0)
    with pytest.raises(ValueError):
        place_record("X", 0, 0, feature="planet")
    with pytest.raises(ValueError):
        place_record("  ", 0, 0)
    assert record_place(drop_record()) is None
    assert record_place({"action": "place", "name": "A", "lat": "nan", "lon": 0}) is None


# -- storage ---------------------------------------------------------------------------------------


def test_reading_creates_no_file(tmp_path: Path):
    cache_dir = tmp_path / "cache"
    store = ReadOnlyCorrections(cache_dir / CACHE_FILENAME)
    assert store.list_corrections() == []
    gp = Geoparser(load_settings(cache_dir=cache_dir))  # default store: the cache dir's DB, read-only
    assert gp.corrections is not None
    gp.parse(ARTICLE)
    assert not cache_dir.exists()


def test_foreign_file_is_ignored_not_touched(tmp_path: Path):
    path = tmp_path / CACHE_FILENAME
    path.write_bytes(b"not a database at all" * 10)
    store = ReadOnlyCorrections(path)
    assert store.list_corrections() == []
    assert store.notices and path.read_bytes().startswith(b"not a database")


@pytest.fixture(scope="module")
def gazetteer():
    from geoapp.gazetteer import Gazetteer

    return Gazetteer.default()


def test_correction_survives_a_restart(tmp_path: Path, gazetteer):
    settings = load_settings(cache_dir=tmp_path / "cache")
    first = Geoparser(settings, gazetteer=gazetteer).parse(ARTICLE)
    paris = next(pm for pm in first.places if pm.mention.text == "Paris")
    assert paris.place.country_code == "US" and paris.place.source == "gazetteer"
    france = next(c for c in gazetteer.candidates(name_key("Paris")) if c.country_code == "FR")
    save_correction(settings.cache_dir, paris.mention, ARTICLE.id, candidate_record(france, was="Paris"))
    dallas = next(pm for pm in first.places if pm.mention.text == "Dallas")
    save_correction(settings.cache_dir, dallas.mention, ARTICLE.id, drop_record())

    again = Geoparser(settings, gazetteer=gazetteer).parse(ARTICLE)  # a new parser: a "restart"
    fixed = next(pm for pm in again.places if pm.mention.text == "Paris")
    assert fixed.place.source == "user" and fixed.place.country_code == "FR"
    assert fixed.place.geonameid == france.geonameid
    assert "Dallas" not in [pm.mention.text for pm in again.places]
    raw = Geoparser(settings, gazetteer=gazetteer, corrections=None).parse(ARTICLE)
    assert next(pm for pm in raw.places if pm.mention.text == "Paris").place.source == "gazetteer"


def test_cli_applies_exports_and_imports_fixes(tmp_path: Path, monkeypatch, gazetteer):
    article = tmp_path / "storm.txt"
    article.write_text(TEXT, encoding="utf-8")
    start = TEXT.index("Paris")
    with GeocodeCache(tmp_path / "a" / CACHE_FILENAME) as cache:
        cache.put_correction(
            "storm", start, start + 5, "Paris", place_record("Paris", 48.85, 2.35, country_code="FR")
        )
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "a"))
    out = tmp_path / "out.jsonl"
    assert main(["extract", str(article), "-o", str(out)]) == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    paris = next(p for p in record["places"] if p["text"] == "Paris")
    assert (paris["source"], paris["country_code"]) == ("user", "FR")

    fixes = tmp_path / "fixes.jsonl"
    assert main(["cache", "export", "--corrections", str(fixes)]) == 0
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "b"))
    assert main(["extract", str(article), "-o", str(out)]) == 0
    assert (
        next(p for p in json.loads(out.read_text())["places"] if p["text"] == "Paris")["source"]
        == "gazetteer"
    )
    assert main(["cache", "import", "--corrections", str(fixes)]) == 0
    assert main(["extract", str(article), "-o", str(out)]) == 0
    assert next(p for p in json.loads(out.read_text())["places"] if p["text"] == "Paris")["source"] == "user"
