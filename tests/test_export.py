"""Exports on real pipeline results: GeoJSON and GeoParquet read back by geopandas as the same rows,
the ACLED-like CSV's columns and precision codes, and the CLI's ``--format`` flags.

Two sample articles (one dated, one with actor links) are parsed once per module; an article from
JSONL carries a URL and hostile text so the CSV quoting is exercised too.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from geoapp import export, fileio
from geoapp.articles import read_articles
from geoapp.cli import main
from geoapp.pipeline import Geoparser

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [ROOT / "seeds" / "000_697af04ae4cd89d0.txt", ROOT / "seeds" / "001_paris_texas_storm.txt"]


@pytest.fixture(scope="module")
def results():
    parser = Geoparser()
    return [parser.parse(a) for a in read_articles(SEEDS, [])]


def _resolved(results) -> list[tuple[str, int, float, float]]:
    return [
        (r.article.id, pm.mention.start, pm.place.lon, pm.place.lat)
        for r in results
        for pm in r.places
        if pm.place is not None and pm.place.lat is not None
    ]


def test_geojson_round_trip_through_geopandas(results, tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    path = fileio.atomic_write(tmp_path / "p.geojson", export.to_geojson(results))
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection" and "crs" not in raw  # RFC 7946: WGS 84 implied
    frame = gpd.read_file(path)
    expected = _resolved(results)
    assert len(expected) > 5 and len(frame) == len(expected)
    got = list(zip(frame["article_id"], frame["start"], frame.geometry.x, frame.geometry.y))
    for (aid, start, lon, lat), (gaid, gstart, gx, gy) in zip(expected, got):
        assert (aid, start) == (gaid, gstart)
        assert gx == pytest.approx(lon) and gy == pytest.approx(lat)  # lon, lat order
    first = raw["features"][0]["properties"]
    assert {"article_id", "article_title", "start", "end", "text", "name", "feature", "source"} <= set(first)


def test_geoparquet_round_trip_same_rows_as_geojson(results, tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    path = export.write_geoparquet(results, tmp_path / "p.parquet")
    frame = gpd.read_parquet(path)
    assert frame.crs.to_epsg() == 4326
    from_json = gpd.read_file(io.StringIO(export.to_geojson(results)))
    assert len(frame) == len(from_json) == len(_resolved(results))
    assert list(frame["article_id"]) == list(from_json["article_id"])
    assert list(frame["name"]) == list(from_json["name"])
    assert list(frame["start"]) == list(from_json["start"])
    assert frame.geometry.x.tolist() == pytest.approx(from_json.geometry.x.tolist())
    assert frame.geometry.y.tolist() == pytest.approx(from_json.geometry.y.tolist())
    assert (frame["lat"] == frame.geometry.y).all() and (frame["lon"] == frame.geometry.x).all()
    # The same bytes for downloads; the writer leaves no temporary file behind.
    assert gpd.read_parquet(io.BytesIO(export.to_geoparquet_bytes(results))).shape == frame.shape
    assert [p.name for p in tmp_path.iterdir()] == ["p.parquet"]


def test_geoparquet_write_is_atomic(results, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "p.parquet"
    target.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        export.write_geoparquet(results, target)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["p.parquet"]


def test_acled_csv_columns_and_precision(results) -> None:
    rows = list(csv.DictReader(io.StringIO(export.to_acled_csv(results))))
    assert list(rows[0]) == export.ACLED_COLUMNS
    # One row per place per article.
    keys = [(r["article_id"], r["place"], r["latitude"]) for r in rows]
    assert len(keys) == len(set(keys))
    by_place = {(r["article_id"], r["place"]): r for r in rows}
    wonsan = by_place[("000_697af04ae4cd89d0", "Wŏnsan")]
    assert wonsan["geo_precision"] == "1" and wonsan["country"] == "North Korea"
    assert "Sergei Lawrow" in wonsan["actors"] and "Wŏnsan" in wonsan["quote"]
    assert by_place[("000_697af04ae4cd89d0", "Russia")]["geo_precision"] == "3"
    assert any(r["geo_precision"] == "2" for r in rows)  # Kursk Oblast, Texas …
    dated = [r for r in rows if r["article_id"] == "001_paris_texas_storm"]
    assert dated and all(r["published"] == "2026-04-14" for r in dated)
    for r in rows:
        assert -90 <= float(r["latitude"]) <= 90 and -180 <= float(r["longitude"]) <= 180


def test_acled_csv_quotes_hostile_text(tmp_path: Path, hostile_text: str) -> None:
    src = tmp_path / "a.jsonl"
    article = {
        "id": "x1",
        "title": hostile_text,
        "text": 'Berlin, "the capital", said: ' + hostile_text + "\nNext line in Berlin.",
        "url": "https://example.org/x?a=1,b=2",
        "published": "2025-01-02",
        "lang": "en",
    }
    src.write_text(json.dumps(article) + "\n", encoding="utf-8")
    parsed = [Geoparser().parse(a) for a in read_articles([src], [])]
    rows = list(csv.DictReader(io.StringIO(export.to_acled_csv(parsed))))
    assert rows and all(r["title"] == hostile_text and r["url"] == article["url"] for r in rows)
    assert any(r["place"] == "Berlin" for r in rows)


def test_render_rejects_binary_and_unknown(results) -> None:
    with pytest.raises(ValueError, match="binary"):
        export.render(results, "geoparquet")
    with pytest.raises(ValueError, match="unknown format"):
        export.render(results, "xml")
    assert export.render(results, "acled").startswith("article_id,title,url,published,place,")


def test_cli_formats(tmp_path: Path, capsys) -> None:
    gpd = pytest.importorskip("geopandas")
    seed = str(SEEDS[0])
    assert main(["extract", seed, "--format", "geoparquet"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "geoapp: --format geoparquet writes a binary file: give -o FILE"
    out = tmp_path / "p.parquet"
    assert main(["extract", seed, "--format", "geoparquet", "-o", str(out)]) == 0
    assert len(gpd.read_parquet(out)) > 5
    capsys.readouterr()
    assert main(["extract", seed, "--format", "acled"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == ",".join(export.ACLED_COLUMNS)
    geojson = tmp_path / "p.geojson"
    assert main(["extract", seed, "--format", "geojson", "-o", str(geojson)]) == 0
    assert len(gpd.read_file(geojson)) == len(gpd.read_parquet(out))
