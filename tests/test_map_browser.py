"""The saved map in a real headless chromium with every non-file request aborted.

Why a browser: text checks cannot tell whether Leaflet actually ran, whether an escaped quote
renders as text, or whether hostile article text fires a script. Here the page must draw every
marker and line, show its legend and open a popup with no network at all, with no page error and
no ``alert`` dialog. Screenshots go to ``tests/artifacts/``; with ``GEOAPP_UPDATE_SCREENSHOTS=1``
one is also copied to ``docs/map.png`` for the README.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from geoapp import maps

pytestmark = pytest.mark.browser

DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "map.png"


def _open(browser: Any, url: str) -> tuple[Any, Any, dict[str, list[str]]]:
    """Open ``url`` in a fresh context that aborts every request not served from a file."""
    seen: dict[str, list[str]] = {"aborted": [], "errors": [], "dialogs": []}
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()

    def route(r: Any) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            seen["aborted"].append(r.request.url)
            r.abort()

    def dialog(d: Any) -> None:
        seen["dialogs"].append(d.message)
        d.dismiss()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("dialog", dialog)
    page.goto(url, wait_until="load")
    return context, page, seen


@pytest.mark.parametrize(
    ("self_contained", "tiles"),
    [(True, None), (False, None), (True, "openstreetmap")],
    ids=["inline", "files", "inline-osm-offline"],
)
def test_map_renders_offline(
    browser: Any,
    map_frames: tuple[Any, Any],
    hostile_text: str,
    tmp_path: Path,
    artifacts_dir: Path,
    self_contained: bool,
    tiles: str | None,
) -> None:
    places, links = map_frames
    m = maps.build_map(places, links, title=hostile_text, tiles=tiles)
    path = maps.save_map(m, tmp_path / "map.html", self_contained=self_contained)
    n_places = len(places)
    n_links = int(links.geometry.notna().sum())

    context, page, seen = _open(browser, path.as_uri())
    try:
        page.wait_for_function(
            "([p, l]) => document.querySelectorAll('path.geoapp-place').length === p"
            " && document.querySelectorAll('path.geoapp-link').length === l",
            arg=[n_places, n_links],
            timeout=15_000,
        )
        assert page.locator("path.geoapp-place").count() == n_places
        assert page.locator("path.geoapp-link").count() == n_links
        # The offline basemap drew its countries.
        assert page.locator(".leaflet-geoappBasemap-pane path").count() > 100

        legend = page.locator(".geoapp-legend")
        assert legend.is_visible()
        assert "Sergei Lawrow" in legend.inner_text()
        assert hostile_text in legend.inner_text()  # shown as text, not run
        assert page.locator(".geoapp-title").inner_text() == hostile_text
        assert page.title() == hostile_text
        assert page.locator(".leaflet-control-layers").count() == 1

        # Kursk Oblast (row 1) stands alone; its quote carries the hostile text. Markers are drawn
        # wide areas first, so it is found by the name the page puts on each marker.
        page.locator("path.geoapp-place[data-name='Kursk Oblast']").click()
        popup = page.locator(".geoapp-popup .leaflet-popup-content")
        popup.wait_for(state="visible", timeout=5_000)
        text = popup.inner_text()
        assert "Kursk Oblast" in text
        assert hostile_text in text
        assert popup.locator("mark").first.inner_text() == "Region Kursk"
        assert popup.locator("script, img").count() == 0
        assert popup.locator("a[href^='javascript']").count() == 0

        assert seen["errors"] == [], seen["errors"]
        assert seen["dialogs"] == [], seen["dialogs"]
        if tiles is None:
            assert seen["aborted"] == [], f"map requested the network: {seen['aborted'][:5]}"
        else:
            assert seen["aborted"], "tile requests were expected (and aborted)"
            assert all("openstreetmap.org" in url for url in seen["aborted"]), seen["aborted"][:5]

        mode = "inline" if self_contained else "files"
        page.wait_for_timeout(400)  # let the popup's fade-in and auto-pan finish
        page.screenshot(path=str(artifacts_dir / f"map_{mode}_{tiles or 'notiles'}.png"))
    finally:
        context.close()


def test_line_popup_quotes_sentence(browser: Any, map_frames: tuple[Any, Any], tmp_path: Path) -> None:
    """A line opens its evidence sentence with actor and place marked."""
    places, links = map_frames
    path = maps.save_map(maps.build_map(places, links, tiles=None), tmp_path / "m.html", self_contained=True)
    context, page, seen = _open(browser, path.as_uri())
    try:
        page.wait_for_selector("path.geoapp-link", state="attached", timeout=15_000)
        # Fire Leaflet's click on the first line from inside the page: a thin line under markers is
        # a poor target for a synthetic mouse click, and the handler is what is under test.
        page.evaluate(
            """() => { const v = window.geoapp.links[0];
                 v.fire('click', {latlng: v.getLatLngs()[1]}); }"""
        )
        popup = page.locator(".geoapp-popup .leaflet-popup-content")
        popup.wait_for(state="visible", timeout=5_000)
        marks = popup.locator("mark").all_inner_texts()
        assert marks == ["Lawrow", "Wŏnsan"]
        assert "visit" in popup.inner_text()
        assert seen["errors"] == [] and seen["dialogs"] == []
    finally:
        context.close()


def _sample_frames() -> tuple[Any, Any]:
    """The sample article's story (Lavrov in Wŏnsan, North Korean troops in Kursk) as frames."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    title = "Lawrow reist nach Nordkorea"
    text = (
        "Der russische Außenminister Sergei Lawrow ist in Wŏnsan eingetroffen.",
        "Nordkorea hat Soldaten in die Region Kursk geschickt.",
    )

    def at(sentence: str, *words: str) -> list[list[int]]:
        return [[sentence.index(w), sentence.index(w) + len(w)] for w in words]

    rows = [
        ("Wŏnsan", "city", "KP", 39.15, 127.44, 2, text[0], at(text[0], "Wŏnsan"), ["Sergei Lawrow"]),
        ("Pyongyang", "city", "KP", 39.03, 125.75, 1, "Pjöngjangs Führung begrüßt den Gast.", [[0, 10]], []),
        (
            "Kursk Oblast",
            "region",
            "RU",
            51.7,
            36.2,
            1,
            text[1],
            at(text[1], "Region Kursk"),
            ["North Korea"],
        ),
        ("North Korea", "country", "KP", 40.0, 127.0, 3, text[1], at(text[1], "Nordkorea"), []),
        ("Russia", "country", "RU", 60.0, 100.0, 1, text[0], at(text[0], "russische"), []),
    ]
    places = gpd.GeoDataFrame(
        [
            {
                "article_id": "000_697af04ae4cd89d0",
                "article_title": title,
                "article_url": None,
                "published": "2024-11-29",
                "place_key": f"sample:{name}",
                "name": name,
                "feature": feature,
                "country_code": cc,
                "admin1": None,
                "lat": lat,
                "lon": lon,
                "geonameid": None,
                "source": "gazetteer",
                "why": "only candidate of this type",
                "mentions": mentions,
                "quotes": [{"sentence": sent, "highlights": spans, "start": 0, "end": len(sent)}],
                "actors": actors,
                "geometry": Point(lon, lat),
            }
            for name, feature, cc, lat, lon, mentions, sent, spans, actors in rows
        ],
        crs="EPSG:4326",
    )
    links = gpd.GeoDataFrame(
        [
            {
                "article_id": "000_697af04ae4cd89d0",
                "article_title": title,
                "actor": actor,
                "actor_kind": kind,
                "actor_country": cc,
                "place_key": f"sample:{place}",
                "place": place,
                "relation": relation,
                "sentence": sent,
                "highlights": spans,
                "start": 0,
                "end": len(sent),
                "geometry": LineString(coords),
            }
            for actor, kind, cc, place, relation, sent, spans, coords in [
                (
                    "Sergei Lawrow",
                    "person",
                    "RU",
                    "Wŏnsan",
                    "visit",
                    text[0],
                    at(text[0], "Sergei Lawrow", "Wŏnsan"),
                    [(37.62, 55.75), (127.44, 39.15)],
                ),
                (
                    "North Korea",
                    "country",
                    "KP",
                    "Kursk Oblast",
                    "troops",
                    text[1],
                    at(text[1], "Nordkorea", "Region Kursk"),
                    [(125.75, 39.03), (36.2, 51.7)],
                ),
            ]
        ],
        crs="EPSG:4326",
    )
    return places, links


def test_sample_map_screenshot(browser: Any, tmp_path: Path, artifacts_dir: Path) -> None:
    """A readable map of the sample story, popup open: the README's picture when asked for."""
    places, links = _sample_frames()
    m = maps.build_map(places, links, title="Lawrow reist nach Nordkorea", tiles=None)
    path = maps.save_map(m, tmp_path / "sample.html", self_contained=True)
    context, page, seen = _open(browser, path.as_uri())
    try:
        page.wait_for_selector("path.geoapp-place", state="attached", timeout=15_000)
        assert page.locator("path.geoapp-place").count() == len(places)
        page.locator("path.geoapp-place[data-name='Wŏnsan']").click()
        page.locator(".geoapp-popup").wait_for(state="visible", timeout=5_000)
        page.wait_for_timeout(400)
        shot = artifacts_dir / "map_sample.png"
        page.screenshot(path=str(shot))
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
        if os.environ.get("GEOAPP_UPDATE_SCREENSHOTS") == "1":
            DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, DOCS_SCREENSHOT)
    finally:
        context.close()


# ------------------------------------------------------------------ clustering and filter controls


def _crowded_frames() -> tuple[Any, Any]:
    """Three dated articles: 150 places around Berlin tied to actor Alpha (a1), 100 around Kyiv
    tied to Beta (a2), 5 "Zzyzx" places with no actor (a3), and one line per actor."""
    import random

    import geopandas as gpd
    from shapely.geometry import LineString, Point

    rng = random.Random(6)
    rows = []
    for article, date, name, lat, lon, n, actors in [
        ("a1", "2024-01-01", "Berlin", 52.5, 13.4, 150, ["Alpha"]),
        ("a2", "2024-02-01", "Kyiv", 50.45, 30.5, 100, ["Beta"]),
        ("a3", "2024-03-01T10:00:00Z", "Zzyzx", 35.1, -116.1, 5, []),
    ]:
        for i in range(n):
            plat, plon = lat + rng.uniform(-1, 1), lon + rng.uniform(-1.5, 1.5)
            sentence = f"Something happened in {name} {i}."
            rows.append(
                {
                    "article_id": article,
                    "article_title": f"Article {article}",
                    "article_url": f"https://example.org/{article}",
                    "published": date,
                    "place_key": f"t:{name}{i}",
                    "name": f"{name} {i}",
                    "feature": "city" if i % 3 else "region",
                    "country_code": "DE",
                    "admin1": None,
                    "lat": plat,
                    "lon": plon,
                    "geonameid": None,
                    "source": "gazetteer",
                    "why": "test",
                    "mentions": 1 + i % 4,
                    "quotes": [{"sentence": sentence, "highlights": [[22, 22 + len(name)]]}],
                    "actors": actors,
                    "geometry": Point(plon, plat),
                }
            )
    places = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    links = gpd.GeoDataFrame(
        [
            {
                "article_id": article,
                "article_title": f"Article {article}",
                "actor": actor,
                "actor_kind": "organisation",
                "actor_country": None,
                "place_key": key,
                "place": place,
                "relation": "attack",
                "sentence": f"{actor} struck {place}.",
                "highlights": [],
                "start": 0,
                "end": 10,
                "geometry": LineString([(2.35, 48.85), (lon, lat)]),
            }
            for article, actor, key, place, lat, lon in [
                ("a1", "Alpha", "t:Berlin0", "Berlin 0", 52.5, 13.4),
                ("a2", "Beta", "t:Kyiv0", "Kyiv 0", 50.45, 30.5),
            ]
        ],
        crs="EPSG:4326",
    )
    return places, links


#: Places drawn one by one plus those counted in visible cluster icons (what a reader sees).
_DRAWN = """() => document.querySelectorAll('path.geoapp-place').length +
  [...document.querySelectorAll(".marker-cluster span")]
    .reduce((n, s) => n + parseInt(s.textContent, 10), 0)"""


@pytest.fixture(scope="module")
def crowded_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    places, links = _crowded_frames()
    out = tmp_path_factory.mktemp("crowded") / "crowded.html"
    return maps.save_map(maps.build_map(places, links, tiles=None), out, self_contained=True)


def _toggle(page: Any, label: str) -> None:
    """Click a layer-control checkbox by its label, as a reader does (hover opens the control)."""
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()


def test_clusters_follow_actor_and_article_toggles(
    browser: Any, crowded_map: Path, artifacts_dir: Path
) -> None:
    context, page, seen = _open(browser, crowded_map.as_uri())
    try:
        page.wait_for_function("() => window.geoapp && window.geoapp.ready", timeout=15_000)
        assert page.evaluate("window.geoapp.clustered") is True  # 255 markers: over the threshold
        page.locator(".marker-cluster").first.wait_for(state="visible", timeout=10_000)
        page.wait_for_function(f"() => ({_DRAWN})() === 255", timeout=10_000)
        assert page.locator("path.geoapp-place").count() < 255  # crowds are clustered, not drawn
        assert page.locator("path.geoapp-link").count() == 2
        assert page.locator(".geoapp-arrow").count() == 2
        page.screenshot(path=str(artifacts_dir / "map_clusters.png"))

        _toggle(page, "Actor: Alpha")  # Berlin's 150 go, and the clusters recount without them
        page.wait_for_function(f"() => ({_DRAWN})() === 105", timeout=10_000)
        assert page.evaluate("window.geoapp.shown") == 105
        assert page.locator("path.geoapp-link").count() == 1
        assert page.locator(".geoapp-count").inner_text() == "105 of 255 places"
        _toggle(page, "Actor: Alpha")
        page.wait_for_function(f"() => ({_DRAWN})() === 255", timeout=10_000)

        _toggle(page, "Article: Article a2")  # Kyiv's 100 and Beta's line
        page.wait_for_function(f"() => ({_DRAWN})() === 155", timeout=10_000)
        assert page.locator("path.geoapp-link").count() == 1

        # A cluster opens on click (zooms in) and its markers come apart.
        before = page.locator("path.geoapp-place").count()
        page.locator(".marker-cluster").first.click()
        page.wait_for_function(
            f"() => document.querySelectorAll('path.geoapp-place').length > {before}", timeout=10_000
        )
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


def test_search_box_and_time_slider(browser: Any, crowded_map: Path) -> None:
    context, page, seen = _open(browser, crowded_map.as_uri())
    try:
        page.wait_for_function("() => window.geoapp && window.geoapp.ready", timeout=15_000)
        search = page.locator(".geoapp-search")
        search.fill("zzy")  # Zzyzx 0-4: far from the rest, drawn as a small cluster or singles
        page.wait_for_function("() => window.geoapp.shown === 5", timeout=5_000)
        assert page.locator(".geoapp-count").inner_text() == "5 of 255 places"
        page.wait_for_function(f"() => ({_DRAWN})() === 5", timeout=10_000)
        assert page.locator("path.geoapp-link").count() == 0  # lines to hidden places go too
        search.fill("KYIV 7")  # case-insensitive: Kyiv 7, 70-79
        page.wait_for_function("() => window.geoapp.shown === 11", timeout=5_000)
        search.fill("")
        page.wait_for_function("() => window.geoapp.shown === 255", timeout=5_000)

        slider = page.locator(".geoapp-slider")
        assert slider.get_attribute("max") == "2"
        assert page.locator(".geoapp-date").inner_text() == "published up to 2024-03-01"
        slider.focus()
        page.keyboard.press("Home")  # the first date: only a1's Berlin places
        page.wait_for_function("() => window.geoapp.shown === 150", timeout=5_000)
        assert page.locator(".geoapp-date").inner_text() == "published up to 2024-01-01"
        assert page.evaluate("window.geoapp.shownLinks") == 1
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.geoapp.shown === 250", timeout=5_000)
        # Play runs from the current date to the last one and stops there.
        page.locator(".geoapp-play").click()
        page.wait_for_function("() => window.geoapp.shown === 255", timeout=5_000)
        assert page.locator(".geoapp-date").inner_text() == "published up to 2024-03-01"
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()
