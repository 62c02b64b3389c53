"""The saved map in a real headless chromium with every non-file request aborted.

Why a browser: text checks cannot tell whether Leaflet actually ran, whether an escaped quote
renders as text, or whether hostile article text fires a script. Here the page must draw every
marker and line, show its legend and open a popup with no network at all, with no page error and
no ``alert`` dialog. Screenshots go to ``tests/artifacts/``; with ``GEOAPP_UPDATE_SCREENSHOTS=1``
the map of many real articles is also copied to ``docs/map_world.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from geoapp import maps

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
#: The public dev corpus beside the repository (../shared/eval), read at run time when present.
DEVNEWS = ROOT.parent / "shared" / "eval" / "devnews" / "articles.jsonl"


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
        assert page.locator(".geoapp-title .geoapp-heading").inner_text() == hostile_text
        assert page.locator(".geoapp-title .geoapp-status").inner_text() == "2 articles"
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
    """A readable map of the sample story, popup open (tests/artifacts; the README's picture is
    the real article's, from test_e2e)."""
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
    """Switch an actor (a legend entry) or an article (a box in the filter's article list) as a
    reader does: by clicking it."""
    if label.startswith("Article"):
        details = page.locator(".geoapp-articles")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        details.locator("label.geoapp-check", has_text=label).locator("input").click()
    else:
        page.locator(".geoapp-legend [data-geoapp-toggle='actor']", has_text=label).click()


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

        _toggle(page, "Alpha")  # Berlin's 150 go, and the clusters recount without them
        page.wait_for_function(f"() => ({_DRAWN})() === 105", timeout=10_000)
        assert page.evaluate("window.geoapp.shown") == 105
        assert page.locator("path.geoapp-link").count() == 1
        assert page.locator(".geoapp-count").inner_text() == "105 of 255 places · 1 of 2 lines"
        alpha = page.locator("[data-geoapp-toggle='actor']", has_text="Alpha")
        assert "geoapp-off" in alpha.get_attribute("class")
        _toggle(page, "Alpha")
        page.wait_for_function(f"() => ({_DRAWN})() === 255", timeout=10_000)

        _toggle(page, "Article a2")  # Kyiv's 100 and Beta's line
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
        assert page.locator(".geoapp-count").inner_text() == "5 of 255 places · 0 of 2 lines"
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


# ------------------------------------------------------------------ reading at a glance (issue 14)


def _glance_frames() -> tuple[Any, Any]:
    """Three articles, five places named as a German text names them ("Berg-Karabach", "Kongo",
    "Pjöngjangs"), DR Congo flagged for review, and six link sentences that make four lines
    (Armenia → Nagorno-Karabakh three times)."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    articles = {
        "g1": ("Kämpfe in Berg-Karabach", "2024-03-01"),
        "g2": ("Lage im Kongo", "2024-03-02"),
        "g3": ("Pjöngjangs Kurs", "2024-03-03"),
    }
    places = []
    for aid, key, name, feature, lat, lon, sentence, surface, extra in [
        ("g1", "nk", "Nagorno-Karabakh", "region", 39.8, 46.75, "Kämpfe in Berg-Karabach.", "Berg-Karabach",
         {}),
        ("g1", "baku", "Baku", "city", 40.41, 49.87, "Baku meldet Kämpfe.", "Baku", {}),
        ("g2", "cd", "DR Congo", "country", -2.9, 23.6, "Im Kongo wird gekämpft.", "Kongo",
         {"needs_review": True, "confidence": 0.45, "alternatives": ["Republic of the Congo (CG)"]}),
        ("g2", "kin", "Kinshasa", "city", -4.32, 15.31, "Kinshasa ist ruhig.", "Kinshasa", {}),
        ("g3", "pyo", "Pyongyang", "city", 39.03, 125.75, "Pjöngjangs Führung spricht.", "Pjöngjangs", {}),
    ]:
        at = sentence.index(surface)
        row = {
            "article_id": aid, "article_title": articles[aid][0], "article_url": None,
            "published": articles[aid][1], "place_key": key, "name": name, "feature": feature,
            "country_code": None, "admin1": None, "lat": lat, "lon": lon, "geonameid": None,
            "source": "gazetteer", "why": "test", "mentions": 1, "metonymic": 0, "confidence": 0.9,
            "needs_review": False, "alternatives": [],
            "quotes": [{"sentence": sentence, "highlights": [[at, at + len(surface)]]}],
            "actors": [], "geometry": Point(lon, lat),
        }
        row.update(extra)
        places.append(row)
    links = []
    for aid, actor, key, place, relation, sentence, home, end in [
        ("g1", "Armenia", "nk", "Nagorno-Karabakh", "attack", "Armenien griff Berg-Karabach an.",
         (44.5, 40.2), (46.75, 39.8)),
        ("g1", "Armenia", "nk", "Nagorno-Karabakh", "attack", "Armenien beschoss Berg-Karabach erneut.",
         (44.5, 40.2), (46.75, 39.8)),
        ("g1", "Armenia", "nk", "Nagorno-Karabakh", "statement", "Armenien äußerte sich zu Berg-Karabach.",
         (44.5, 40.2), (46.75, 39.8)),
        ("g1", "Azerbaijan", "nk", "Nagorno-Karabakh", "troops", "Aserbaidschan schickte Truppen.",
         (49.87, 40.41), (46.75, 39.8)),
        ("g2", "M23", "kin", "Kinshasa", "attack", "M23 griff Kinshasa an.", (29.2, -1.7), (15.31, -4.32)),
        ("g3", "Kim Jong-un", "pyo", "Pyongyang", "statement", "Kim sprach in Pjöngjang.",
         (125.75, 39.03), (125.7, 39.0)),
    ]:
        links.append({
            "article_id": aid, "article_title": articles[aid][0], "actor": actor, "actor_kind": "country",
            "actor_country": None, "place_key": key, "place": place, "relation": relation,
            "sentence": sentence, "highlights": [[0, 5]], "start": 0, "end": len(sentence),
            "geometry": LineString([home, end]),
        })
    return gpd.GeoDataFrame(places, crs="EPSG:4326"), gpd.GeoDataFrame(links, crs="EPSG:4326")


@pytest.fixture(scope="module")
def glance_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    places, links = _glance_frames()
    out = tmp_path_factory.mktemp("glance") / "glance.html"
    return maps.save_map(maps.build_map(places, links, tiles=None), out, self_contained=True)


def _ready(browser: Any, path: Path) -> tuple[Any, Any, dict[str, list[str]]]:
    context, page, seen = _open(browser, path.as_uri())
    page.wait_for_function("() => window.geoapp && window.geoapp.ready", timeout=15_000)
    return context, page, seen


def test_lines_are_bundled_with_counts_widths_and_evidence(browser: Any, glance_map: Path) -> None:
    context, page, seen = _ready(browser, glance_map)
    try:
        assert page.locator("path.geoapp-link").count() == 4  # six sentences, four actor–place pairs
        assert page.locator(".geoapp-arrow").count() == 4  # arrowheads kept, one per line
        widths = page.evaluate("window.geoapp.links.map(l => l.options.weight)")
        assert widths[0] > max(widths[1:])  # Armenia's three sentences draw the widest line
        assert page.locator(".geoapp-arrow.geoapp-rel-attack").count() == 2  # Armenia (2 of 3), M23
        page.evaluate("() => { const v = window.geoapp.links[0]; v.fire('click', {latlng: v.getCenter()}); }")
        popup = page.locator(".geoapp-popup .leaflet-popup-content")
        popup.wait_for(state="visible", timeout=5_000)
        text = popup.inner_text()
        assert "Armenia → Nagorno-Karabakh" in text and "3 sentences: 2 × attack, 1 × statement" in text
        assert popup.locator("blockquote").count() == 3
        assert text.count("Kämpfe in Berg-Karabach") == 1  # the article line once, above its sentences
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


def test_legend_entries_switch_actors_relations_and_place_types(browser: Any, glance_map: Path) -> None:
    context, page, seen = _ready(browser, glance_map)
    try:
        assert page.locator(".leaflet-control-layers-overlays label").count() <= 3  # outlines, places, lines
        armenia = page.locator(".geoapp-legend [data-geoapp-toggle='actor']", has_text="Armenia")
        armenia.click()
        page.wait_for_function("() => window.geoapp.shownLinks === 3")
        assert armenia.get_attribute("aria-pressed") == "false"
        assert page.locator("path.geoapp-link").count() == 3
        armenia.press("Enter")  # keyboard works too
        page.wait_for_function("() => window.geoapp.shownLinks === 4")

        attack = page.locator(".geoapp-legend [data-geoapp-toggle='relation']", has_text="attack")
        attack.click()  # M23's only sentence goes; Armenia keeps its statement, thinner
        page.wait_for_function("() => window.geoapp.shownLinks === 3")
        assert page.evaluate("window.geoapp.links[0].options.weight") == 2.5
        assert page.locator(".geoapp-arrow.geoapp-rel-attack").count() == 0
        attack.click()

        country = page.locator(".geoapp-legend [data-geoapp-toggle='feature']", has_text="country")
        country.click()
        page.wait_for_function("() => window.geoapp.shown === 4")
        assert page.locator("path.geoapp-place[data-name='DR Congo']").count() == 0
        assert "4 of 5 places" in page.locator(".geoapp-count").inner_text()
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


@pytest.mark.parametrize(
    ("query", "name"),
    [("Kongo", "DR Congo"), ("berg-karabach", "Nagorno-Karabakh"), ("Pjöngjangs", "Pyongyang"),
     ("PJONGJANG", "Pyongyang"), ("kinshasa", "Kinshasa")],
)
def test_search_finds_any_surface_form_pans_and_highlights(
    browser: Any, glance_map: Path, query: str, name: str
) -> None:
    context, page, seen = _ready(browser, glance_map)
    try:
        zoom = page.evaluate("window.geoapp.map.getZoom()")
        page.locator(".geoapp-search").fill(query)
        page.locator(".geoapp-search").press("Enter")
        page.wait_for_function("() => window.geoapp.hits === 1", timeout=5_000)
        assert page.evaluate("window.geoapp.shown") == 1
        assert page.locator("path.geoapp-place").get_attribute("data-name") == name
        assert page.locator("path.geoapp-hit").count() == 1  # the ring around what was found
        found = page.evaluate(
            """() => { const g = window.geoapp, m = g.markers.find(m => g.map.hasLayer(m));
                 return [g.map.getBounds().contains(m.getLatLng()), g.map.getZoom()]; }"""
        )
        assert found[0] and found[1] > zoom  # panned and zoomed to it
        page.locator(".geoapp-search").fill("")
        page.wait_for_function("() => window.geoapp.shown === 5 && window.geoapp.hits === 0", timeout=5_000)
        assert page.locator("path.geoapp-hit").count() == 0
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


def test_title_and_counter_follow_the_filters(browser: Any, glance_map: Path) -> None:
    context, page, seen = _ready(browser, glance_map)
    try:
        heading = page.locator(".geoapp-title .geoapp-heading")
        assert heading.inner_text() == "3 articles" and page.title() == "3 articles"
        assert page.locator(".geoapp-count").inner_text() == "5 of 5 places · 4 of 4 lines"
        # Places off in the layer control: the counter says so; the lines still name their articles.
        def overlay(name: str) -> Any:
            return page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input")

        page.hover(".leaflet-control-layers")
        overlay("Places").click()
        page.wait_for_function("() => window.geoapp.shown === 0")
        assert page.locator(".geoapp-count").inner_text() == (
            "0 of 5 places · 4 of 4 lines (places switched off)"
        )
        overlay("Actor lines").click()
        page.wait_for_function("() => window.geoapp.shownArticles === 0")
        assert heading.inner_text() == "0 articles"
        overlay("Places").click()
        overlay("Actor lines").click()
        page.mouse.move(600, 500)
        # One article left: the heading and the page title become its title.
        page.evaluate("window.geoapp.onlyArticle(1)")
        page.wait_for_function("() => window.geoapp.shownArticles === 1")
        assert heading.inner_text() == "Lage im Kongo" and page.title() == "Lage im Kongo"
        assert page.locator(".geoapp-count").inner_text() == "2 of 5 places · 1 of 4 lines"
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


def test_doubtful_places_are_marked_and_explained(browser: Any, glance_map: Path) -> None:
    context, page, seen = _ready(browser, glance_map)
    try:
        congo = page.locator("path.geoapp-place[data-name='DR Congo']")
        assert "geoapp-review" in congo.get_attribute("class")
        assert congo.get_attribute("stroke-dasharray")  # dashed outline
        kinshasa = page.locator("path.geoapp-place[data-name='Kinshasa']")
        assert kinshasa.get_attribute("stroke-dasharray") is None
        assert "needs review" in page.locator(".geoapp-legend").inner_text()
        congo.click(force=True)
        popup = page.locator(".geoapp-popup .leaflet-popup-content")
        popup.wait_for(state="visible", timeout=5_000)
        text = popup.inner_text()
        assert "needs review" in text and "resolver confidence: 45 % (low)" in text
        assert "could also be: Republic of the Congo (CG)" in text
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


def _pacific_frames() -> tuple[Any, Any]:
    """Places on both sides of 180° (Fiji, Samoa, Anadyr, Nome) and lines that cross it."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geoapp.frames import great_circle_line

    rows = [("Suva", "city", -18.14, 178.44), ("Apia", "city", -13.83, -171.77),
            ("Anadyr", "city", 64.73, 177.51), ("Nome", "city", 64.5, -165.4)]
    places = gpd.GeoDataFrame(
        [{"article_id": "p1", "article_title": "Pacific", "article_url": None, "published": None,
          "place_key": n, "name": n, "feature": f, "country_code": None, "admin1": None, "lat": lat,
          "lon": lon, "geonameid": None, "source": "gazetteer", "why": "", "mentions": 1,
          "quotes": [], "actors": [], "geometry": Point(lon, lat)} for n, f, lat, lon in rows],
        crs="EPSG:4326",
    )
    links = gpd.GeoDataFrame(
        [{"article_id": "p1", "article_title": "Pacific", "actor": actor, "actor_kind": "country",
          "actor_country": None, "place_key": key, "place": key, "relation": "visit", "sentence": "s.",
          "highlights": [], "start": 0, "end": 2, "geometry": great_circle_line(hlon, hlat, lon, lat)}
         for actor, key, hlat, hlon, lat, lon in [
             ("Russia", "Nome", 64.73, 177.51, 64.5, -165.4),
             ("Fiji", "Apia", -18.14, 178.44, -13.83, -171.77),
             ("Japan", "Apia", 35.7, 139.7, -13.83, -171.77),
         ]],
        crs="EPSG:4326",
    )
    return places, links


#: Longest horizontal step of each drawn SVG path (lines or outlines), in pixels.
#: The longest drawn step of each path, in pixels: within each subpath ("M" starts one; a line cut
#: at the map's edge goes on from the other edge with a move, which draws nothing).
_LONGEST_STEP = """(selector) => [...document.querySelectorAll(selector)].map(p => {
  let step = 0;
  for (const sub of (p.getAttribute('d') || '').split('M').filter(s => s.trim())) {
    const xs = sub.split(/[LZz]/).filter(s => s.trim()).map(s => parseFloat(s.trim().split(/[ ,]+/)[0]));
    for (let i = 1; i < xs.length; i++) { step = Math.max(step, Math.abs(xs[i] - xs[i - 1])); }
  }
  return step; })"""

#: Drawn outline rings that step across the antimeridian (Antarctica's goes round the pole).
_OUTLINE_JUMPS = """() => { const name = Object.keys(window).find(k => k.startsWith('outline_basemap_'));
  const bad = [];
  window[name].eachLayer(copy => copy.eachLayer(f => {
    const country = f.feature.properties.name;
    const flat = (function walk(x) { return Array.isArray(x[0]) ? x.flatMap(walk) : [x]; })(f.getLatLngs());
    flat.forEach(ring => { for (let i = 1; i < ring.length; i++) {
      if (Math.abs(ring[i].lng - ring[i - 1].lng) > 180 && country !== 'Antarctica') { bad.push(country); }
    } });
  }));
  return [...new Set(bad)]; }"""


def test_antimeridian_lines_take_the_short_way_and_outlines_draw_no_bands(
    browser: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    places, links = _pacific_frames()
    path = maps.save_map(maps.build_map(places, links, tiles=None), tmp_path / "p.html", self_contained=True)
    context, page, seen = _ready(browser, path)
    try:
        world = page.evaluate("256 * Math.pow(2, window.geoapp.map.getZoom())")
        steps = page.evaluate(_LONGEST_STEP, "path.geoapp-link")
        assert len(steps) == 3 and max(steps) < world / 4, (steps, world)
        # Every place is in the opening view, side by side across 180°, not at the world's two ends.
        assert page.evaluate(
            "() => window.geoapp.markers.every(m => window.geoapp.map.getBounds().contains(m.getLatLng()))"
        )
        assert page.evaluate("window.geoapp.map.getZoom()") >= 2
        assert page.evaluate(_OUTLINE_JUMPS) == []
        page.screenshot(path=str(artifacts_dir / "map_pacific.png"))
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


def test_view_fits_the_data_not_the_outlier(browser: Any, tmp_path: Path) -> None:
    """A map of Europe with one mention of Antarctica opens on Europe; the crowded map of three
    articles (Berlin, Kyiv, five places in California) opens on all of them."""
    places, links = _crowded_frames()
    lone = places.iloc[[0]].assign(name="McMurdo Station", lat=-77.85, lon=166.67, place_key="t:mcm")
    import pandas as pd
    from shapely.geometry import Point

    lone = lone.set_geometry([Point(166.67, -77.85)])
    europe = pd.concat([places[places["article_id"] != "a3"], lone], ignore_index=True)
    path = maps.save_map(maps.build_map(europe, links, tiles=None), tmp_path / "e.html", self_contained=True)
    context, page, _ = _ready(browser, path)
    try:
        south, west, east = page.evaluate(
            "() => { const b = window.geoapp.map.getBounds();"
            " return [b.getSouth(), b.getWest(), b.getEast()]; }"
        )
        assert south > 20 and west > -20 and east < 80  # Europe fills the view; McMurdo is a zoom-out away
    finally:
        context.close()
    path = maps.save_map(maps.build_map(places, links, tiles=None), tmp_path / "c.html", self_contained=True)
    context, page, _ = _ready(browser, path)
    try:
        assert page.evaluate(
            "() => window.geoapp.markers.every(m => window.geoapp.map.getBounds().contains(m.getLatLng()))"
        )
        assert page.evaluate("window.geoapp.map.getBounds().getSouth()") > -40  # no Antarctica
    finally:
        context.close()


def test_many_real_articles_read_at_a_glance(browser: Any, tmp_path: Path, artifacts_dir: Path) -> None:
    """Every sample article, and the 24 devnews articles when ../shared/eval is there, through the
    CLI: a world map that opens on the data, names its strongest actors in distinct colours, draws
    no line across the map, and finds "Pjöngjangs" by the sample article's own spelling."""
    from geoapp.cli import main

    inputs = [ROOT / "seeds"] + ([DEVNEWS] if DEVNEWS.is_file() else [])
    out = tmp_path / "world.html"
    assert main(["map", *map(str, inputs), "-o", str(out), "--self-contained"]) == 0
    context, page, seen = _ready(browser, out)
    try:
        n_articles = page.evaluate("window.geoapp.shownArticles")
        assert n_articles >= 5
        assert page.locator(".geoapp-title .geoapp-heading").inner_text() == f"{n_articles} articles"
        named = page.locator(".geoapp-legend [data-geoapp-toggle='actor']")
        assert 1 <= named.count() <= len(maps.ACTOR_PALETTE)
        swatches = page.evaluate(
            """() => [...document.querySelectorAll('.geoapp-legend :is(.geoapp-line, .geoapp-swatch)')]
                 .map(e => getComputedStyle(e).backgroundColor).filter(c => c !== 'rgb(255, 255, 255)')"""
        )
        assert len(swatches) == len(set(swatches)), swatches
        assert page.locator(".leaflet-control-layers-overlays label").count() == 3
        assert page.evaluate("window.geoapp.map.getBounds().getSouth()") > -65  # no Antarctica
        world = page.evaluate("256 * Math.pow(2, window.geoapp.map.getZoom())")
        assert max(page.evaluate(_LONGEST_STEP, "path.geoapp-link")) < world / 2
        shot = artifacts_dir / "map_world.png"
        page.screenshot(path=str(shot))
        page.locator(".geoapp-search").fill("Pjöngjangs")
        page.locator(".geoapp-search").press("Enter")
        page.wait_for_function("() => window.geoapp.hits >= 1", timeout=5_000)
        assert page.locator("path.geoapp-hit").count() >= 1
        page.screenshot(path=str(artifacts_dir / "map_world_search.png"))
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
        if os.environ.get("GEOAPP_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(shot, ROOT / "docs" / "map_world.png")
    finally:
        context.close()
