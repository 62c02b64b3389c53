"""Unit tests on the map HTML: escaping, offline assets, legend, one marker per row, atomic save.

These read the page as text; ``test_map_browser.py`` checks the same pages in a real browser.
"""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from geoapp import assets, fileio, maps


def _page(m) -> str:
    return m.get_root().render()


def _scripts(page: str) -> list[str]:
    """Bodies of the page's script elements, split the way a browser's HTML parser splits them."""

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.bodies: list[str] = []
            self.inside = False

        def handle_starttag(self, tag, attrs) -> None:
            if tag == "script":
                self.inside = True
                self.bodies.append("")

        def handle_endtag(self, tag) -> None:
            if tag == "script":
                self.inside = False

        def handle_data(self, data) -> None:
            if self.inside:
                self.bodies[-1] += data

    parser = Parser()
    parser.feed(page)
    return parser.bodies


def test_assets_come_from_installed_packages() -> None:
    found = assets.find_assets()
    for asset_id in ("leaflet.js", "leaflet.css", "jquery.js", "markercluster.js", "fontawesome.css"):
        asset = found[asset_id]
        assert asset.path.is_file()
        assert "site-packages" in str(asset.path) or "dist-packages" in str(asset.path)
        assert asset.package.startswith("xstatic.pkg.")


def test_hostile_text_is_escaped_everywhere(map_frames, hostile_text, tmp_path: Path) -> None:
    places, links = map_frames
    m = maps.build_map(places, links, title=hostile_text, tiles=None)
    page = maps.save_map(m, tmp_path / "m.html", self_contained=True).read_text(encoding="utf-8")
    # No raw tag from the article anywhere, in HTML or inside a script.
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    # Nothing closed a script early: the one script holding the markers runs to the end of the map.
    scripts = _scripts(page)
    assert len(scripts) == page.count("</script>")
    main = [body for body in scripts if "geoapp-place" in body]
    assert len(main) == 1 and "fitBounds" in main[0] and "L.control.layers" in main[0]
    # The template-literal trick never reaches a backtick string: folium's Popup is not used.
    assert "$(`" not in page
    # The text is still there, escaped (inside JSON the entities' & is a \u0026 escape).
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page
    assert "<title>Böse &lt;/script&gt;" in page
    # javascript: URLs never become links; http(s) ones do, escaped.
    assert "javascript:alert" not in page
    assert "https://example.org/a1?x=1\\u0026amp;y=2" in page


def test_highlight_marks_spans_and_escapes() -> None:
    out = maps.highlight("a <b> c & d", [[2, 5], [4, 7], [99, 120], ["x", 1]])
    assert out == "a <mark>&lt;b&gt; c</mark> &amp; d"
    assert maps.highlight("x", None) == "x"


def test_popup_contents(map_frames) -> None:
    places, links = map_frames
    row = places.iloc[0].to_dict()
    popup = maps.place_popup_html(row)
    assert "<mark>Wŏnsan</mark>" in popup
    assert "39.1500, 127.4400" in popup and "city" in popup and "KP" in popup
    assert "source: gazetteer" in popup and "largest Wŏnsan" in popup
    assert "2024-11-29" in popup and 'href="https://example.org/a1?x=1&amp;y=2"' in popup
    assert "Sergei Lawrow" in popup
    line = maps.link_popup_html(links.iloc[0].to_dict())
    assert "<mark>Lawrow</mark> besuchte <mark>Wŏnsan</mark>" in line
    assert "visit" in line


def test_one_marker_per_place_row_and_line_per_link(map_frames) -> None:
    places, links = map_frames
    data = maps.map_data(places, links)
    assert data.n_places == len(places)
    drawable = int(links.geometry.notna().sum())
    assert drawable == 2
    assert data.n_links == drawable
    page = _page(maps.build_map(places, links, tiles=None))
    # The data block is in the page exactly once, and no per-marker folium JS is left.
    assert page.count(maps._js(data.data, compact=True)) == 1
    assert "L.circleMarker(" in page and page.count("geoappMapLayers(") == 2  # definition + call
    assert page.count(".bindPopup(") == 2  # the runtime's two calls, none per marker


def test_legend_lists_actors_with_colors(map_frames) -> None:
    places, links = map_frames
    colors = maps.actor_colors(links["actor"])
    assert list(colors.values()) == list(maps.ACTOR_PALETTE[:3])
    legend = maps.legend_html(maps.map_data(places, links))
    assert "Sergei Lawrow" in legend and maps.ACTOR_PALETTE[0] in legend
    assert "&lt;script&gt;" in legend and "<script>" not in legend
    assert 'data-geoapp-toggle="actor"' in legend and 'data-geoapp-toggle="relation"' in legend
    page = _page(maps.build_map(places, links, tiles=None))
    assert '"geoapp-legend"' in page
    assert "L.control.layers(" in page


def _many_actor_links(n_actors: int = 10):
    """Links of ``n_actors`` actors, actor k with k + 1 sentences to one place (the last strongest)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    rows = []
    for k in range(n_actors):
        for s in range(k + 1):
            rows.append(
                {
                    "article_id": f"b{s % 3}",
                    "article_title": f"Article {s % 3}",
                    "actor": f"Actor {k}",
                    "actor_kind": "person",
                    "actor_country": None,
                    "place_key": "p:kyiv",
                    "place": "Kyiv",
                    "relation": ["attack", "statement", "visit"][s % 3],
                    "sentence": f"Actor {k} and Kyiv, sentence {s}.",
                    "highlights": [[0, 7]],
                    "start": 0,
                    "end": 10,
                    "geometry": LineString([(10.0 + k, 50.0), (30.5, 50.45)]),
                }
            )
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def test_top_actors_are_named_and_the_rest_grouped_in_distinct_colours(map_frames) -> None:
    places = map_frames[0].assign(actors=[[]] * 3)
    links = _many_actor_links(10)
    data = maps.map_data(places, links)
    legend = maps.legend_html(data)
    named = [a for a in data.legend["actors"] if a["named"]]
    assert [a["name"] for a in named] == [f"Actor {k}" for k in range(9, 2, -1)]  # most sentences first
    assert [a["color"] for a in named] == list(maps.ACTOR_PALETTE)
    assert "3 other actors" in legend and "(6)" in legend  # Actor 0-2: 1 + 2 + 3 sentences
    assert "Actor 0" not in legend  # grouped, listed only in the page's full list
    swatches = re.findall(r'class="geoapp-(?:line|swatch)" style="background:(#[0-9A-Fa-f]{6})"', legend)
    assert len(swatches) == len(set(swatches)), "two legend entries share a colour"


def test_lines_are_bundled_per_actor_and_place(map_frames) -> None:
    places, _ = map_frames
    links = _many_actor_links(4)
    data = maps.map_data(places, links)
    assert data.n_links == 4 and data.n_sentences == 1 + 2 + 3 + 4
    relations = [r[0] for r in data.data["relations"]]
    assert relations == ["attack", "visit", "statement"]  # in order of consequence
    strongest = data.data["links"][-1]
    titles = [data.data["text"][data.data["articles"][e[0]][2]] for e in strongest[5]]
    assert titles == ["Article 0", "Article 1", "Article 2", "Article 0"]  # evidence keeps its article
    assert {data.data["relations"][e[1]][0] for e in strongest[5]} == {"attack", "visit", "statement"}
    assert data.data["relations"][relations.index("statement")][2]  # words are dashed
    assert not data.data["relations"][relations.index("attack")][2]  # deeds are solid
    # Co-occurrence (--cooccurrence) is dotted, and a relation the table does not know still draws.
    links.loc[0, "relation"], links.loc[1, "relation"] = "mentioned with", "<b>odd</b>"
    data = maps.map_data(places, links)
    styles = {r[0]: (r[2], data.data["html"][r[1]]) for r in data.data["relations"]}
    assert styles["mentioned with"][0] == "1 6"
    assert styles["other"] == (maps.OTHER_RELATION.dash, "&lt;b&gt;odd&lt;/b&gt;")


def test_search_key_holds_every_surface_form() -> None:
    row = {
        "name": "Nagorno-Karabakh",
        "quotes": [
            {"sentence": "Kämpfe in Berg-Karabach.", "highlights": [[10, 23]]},
            {"sentence": "Pjöngjangs Führung", "highlights": [[0, 10]]},
        ],
    }
    key = maps.search_key(row)
    assert key.split("|") == ["nagorno karabakh", "berg karabach", "pjongjangs"]


def test_popup_shows_doubt() -> None:
    row = {"name": "Paris", "feature": "city", "confidence": 0.42, "alternatives": ["Paris, US (Texas)"],
           "needs_review": True, "quotes": []}
    popup = maps.place_popup_html(row)
    assert "needs review" in popup and "resolver confidence: 42 % (low)" in popup
    assert "could also be: Paris, US (Texas)" in popup
    assert "needs review" not in maps.place_popup_html({**row, "needs_review": False, "confidence": 0.95})


def test_needs_review_places_are_flagged_in_the_data_and_legend(map_frames) -> None:
    places, links = map_frames
    places = places.copy()
    places["needs_review"] = [False, True, False]
    data = maps.map_data(places, links)
    flags = {maps.map_data(places, links).data["text"][p[4]]: p[9] for p in data.data["places"]}
    assert flags == {"Wŏnsan": 0, "Kursk Oblast": 1}
    assert "needs review" in maps.legend_html(data)
    assert "needs review" not in maps.legend_html(maps.map_data(map_frames[0], links))


def test_tiles_none_has_no_tile_layer_but_outlines(map_frames) -> None:
    places, links = map_frames
    page = _page(maps.build_map(places, links, tiles=None))
    assert "L.tileLayer(" not in page
    assert "geoappBasemap" in page and "Natural Earth" in page
    page = _page(maps.build_map(places, links, tiles="openstreetmap"))
    assert "L.tileLayer(" in page and "tile.openstreetmap.org" in page
    page = _page(maps.build_map(places, tiles="https://tiles.example/{z}/{x}/{y}.png", attribution="Ex"))
    assert "tiles.example" in page


def test_empty_and_missing_frames(map_frames) -> None:
    places, _ = map_frames
    empty = maps.map_data(places.iloc[0:0], None)
    assert empty.n_places == 0 and empty.view is None
    _page(maps.build_map(places.iloc[0:0], None, tiles=None))
    assert maps.map_data(places, places.iloc[0:0]).view is not None


EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']?(?:https?:)?//", re.I)


def test_self_contained_loads_nothing_external(map_frames, tmp_path: Path) -> None:
    places, links = map_frames
    path = maps.save_map(maps.build_map(places, links, tiles=None), tmp_path / "m.html", self_contained=True)
    page = path.read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    assert "http://" not in page.replace("http://www.w3.org", "")  # SVG namespace only
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "bootstrapcdn.com"):
        assert cdn not in page
    assert "bootstrap" not in page.lower() and "awesome-markers" not in page
    assert "data:image/png;base64," in page  # Leaflet's images inlined
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.html"]


def test_files_mode_copies_assets_relatively(map_frames, tmp_path: Path) -> None:
    places, links = map_frames
    path = maps.save_map(
        maps.build_map(places, links, tiles=None), tmp_path / "out.html", self_contained=False
    )
    page = path.read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    srcs = re.findall(r'<script src="([^"]+)"', page) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', page
    )
    assert srcs and all(s.startswith("out_files/") for s in srcs)
    for src in srcs:
        assert (tmp_path / src).is_file(), src
    assert (tmp_path / "out_files/leaflet/images/marker-shadow.png").is_file()


def test_unknown_plugin_resource_fails_loudly_when_self_contained(map_frames, tmp_path: Path) -> None:
    from folium.plugins import Fullscreen

    places, _ = map_frames
    m = maps.build_map(places, tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(assets.AssetError, match="would still load"):
        maps.save_map(m, tmp_path / "m.html", self_contained=True)
    assert list(tmp_path.iterdir()) == []


def test_markercluster_plugin_is_served_locally(map_frames, tmp_path: Path) -> None:
    import folium
    from folium.plugins import MarkerCluster

    places, _ = map_frames
    m = maps.build_map(places, tiles=None)
    MarkerCluster().add_child(folium.Marker([0, 0])).add_to(m)
    page = maps.save_map(m, tmp_path / "m.html", self_contained=True).read_text(encoding="utf-8")
    assert "xstatic.pkg.leaflet_markercluster" in page and not EXTERNAL.search(page)


def test_save_is_atomic_and_replaces(map_frames, tmp_path: Path, monkeypatch) -> None:
    places, links = map_frames
    m = maps.build_map(places, links, tiles=None)
    target = tmp_path / "m.html"
    target.write_text("old", encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        maps.save_map(m, target, self_contained=True)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.html"]
    monkeypatch.undo()
    maps.save_map(m, target, self_contained=True)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.html"]
    assert target.stat().st_mode & 0o044  # readable by others, not mkstemp's 0600


def test_basemap_is_small_and_credited() -> None:
    raw = maps.BASEMAP_PATH.read_bytes()
    assert len(raw) <= 1_000_000
    data = json.loads(gzip.decompress(raw))
    assert data["type"] == "FeatureCollection" and len(data["features"]) > 150
    assert "Natural Earth" in data["metadata"]["credit"]
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"Germany", "Russia", "North Korea"} <= names
    # No ring steps across the antimeridian (a band across the map), except Antarctica's, which
    # goes round the pole and closes along the map's bottom edge.
    crossing = set()
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for ring in (ring for polygon in polygons for ring in polygon):
            if any(abs(a[0] - b[0]) > 180 for a, b in zip(ring, ring[1:])):
                crossing.add(feature["properties"]["name"])
            assert all(-180 <= x <= 180 for x, _ in ring)
    assert crossing == {"Antarctica"}


def test_map_html_is_self_contained_string(map_frames) -> None:
    places, links = map_frames
    m = maps.build_map(places, links, tiles=None)
    page = maps.map_html(m)
    assert page.startswith("<!DOCTYPE html>") and not EXTERNAL.search(page)
    # Rendering again works (localize is idempotent). folium itself re-emits harmless `addTo` calls
    # on a second render, so the pages are equivalent rather than identical.
    again = maps.map_html(m)
    assert not EXTERNAL.search(again) and again.count("geoapp-place") == page.count("geoapp-place")
    with pytest.raises(ValueError):
        maps.map_html(m, self_contained=False)


def test_cli_map_finds_actors_by_any_name_and_refuses_unknown_ones(tmp_path: Path, capsys) -> None:
    from geoapp.cli import main

    seed = Path(__file__).resolve().parents[1] / "seeds" / "000_697af04ae4cd89d0.txt"
    out = tmp_path / "m.html"
    for wanted in ("Lawrow", "sergej lavrov", "SERGEI LAWROW"):
        assert main(["map", str(seed), "-o", str(out), "--actor", wanted]) == 0, wanted
        err = capsys.readouterr().err
        assert "map of" in err and out.is_file()
        page = out.read_text("utf-8")
        assert "<title>Sergei Lawrow</title>" in page  # the heading names the actor
        out.unlink()
    assert main(["map", str(seed), "-o", str(out), "--actor", "Lavrow", "--actor", "Nobody"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "geoapp: no actor 'Lavrow' in these articles; closest: Sergei Lawrow",
        f"geoapp: no actor 'Nobody' in these articles; no map written to {out}",
    ]
    assert not out.exists()
