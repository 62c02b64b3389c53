"""Shared pytest fixtures.

``browser``: one headless Debian chromium per test session, driven by Playwright's sync API with
no browser download (``executable_path``) and with Chrome's own background traffic switched off,
so tests that assert "no network request" only see requests the page itself makes. Tests using it
are skipped, with the reason, when ``/usr/bin/chromium`` or Playwright is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache folder (``GEOAPP_CACHE_DIR``) for the whole run, in a temporary directory: tests
    must not read the user's geocode answers or corrections, nor leave files in their cache (the
    pipeline writes the gazetteer's unpacked copy there). Tests that set their own still can."""
    folder = tmp_path_factory.mktemp("geoapp-cache")
    before = os.environ.get("GEOAPP_CACHE_DIR")
    os.environ["GEOAPP_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("GEOAPP_CACHE_DIR", None)
    else:
        os.environ["GEOAPP_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A launched Playwright ``Browser`` (chromium); skips when it cannot be started here."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``tests/artifacts/`` (git-ignored): screenshots and pages kept for a human to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


#: Text written to break a page: tags, both quote kinds, a backslash, a JS template literal.
HOSTILE = "Böse </script><script>alert(1)</script> \"q\" 's' \\ `${alert(2)}` <img src=x onerror=alert(3)>"


@pytest.fixture
def hostile_text() -> str:
    """A string that scripts or breaks any page that forgets to escape it."""
    return HOSTILE


@pytest.fixture
def map_frames() -> tuple[Any, Any]:
    """Hand-built places and links frames in the contract geoapp.maps expects, hostile text included.

    Three place rows (one place twice, from two articles; Kursk Oblast, row 1, stands alone and
    quotes hostile text) and three links by three actors; one link has no geometry (an actor
    without a home) and must not be drawn.
    """
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import LineString, Point

    def place(article: str, title: str, name: str, feature: str, lat: float, lon: float, **kw: Any) -> dict:
        row = {
            "article_id": article,
            "article_title": title,
            "article_url": None,
            "published": None,
            "place_key": f"test:{name}",
            "name": name,
            "feature": feature,
            "country_code": None,
            "admin1": None,
            "lat": lat,
            "lon": lon,
            "geonameid": None,
            "source": "gazetteer",
            "why": "",
            "mentions": 1,
            "quotes": [],
            "actors": [],
            "geometry": Point(lon, lat),
        }
        row.update(kw)
        return row

    sentence = "Lawrow besuchte Wŏnsan. " + HOSTILE
    places = gpd.GeoDataFrame(
        [
            place(
                "a1",
                HOSTILE,
                "Wŏnsan",
                "city",
                39.15,
                127.44,
                article_url="https://example.org/a1?x=1&y=2",
                published="2024-11-29",
                country_code="KP",
                geonameid=1,
                why="largest Wŏnsan; " + HOSTILE,
                mentions=3,
                quotes=[{"sentence": sentence, "highlights": [[16, 22]], "start": 0, "end": len(sentence)}],
                actors=["Sergei Lawrow", HOSTILE],
            ),
            place(
                "a1",
                HOSTILE,
                "Kursk Oblast",
                "region",
                51.7,
                36.2,
                country_code="RU",
                article_url="javascript:alert(4)",
                quotes=[
                    {
                        "sentence": "Truppen in der Region Kursk. " + HOSTILE,
                        "highlights": [[15, 27]],
                        "start": 30,
                        "end": 59 + len(HOSTILE),
                    }
                ],
            ),
            place(
                "a2",
                "Second article",
                "Wŏnsan",
                "city",
                39.15,
                127.44,
                country_code="KP",
                quotes=[{"sentence": "Wŏnsan again.", "highlights": [[0, 6]], "start": 0, "end": 13}],
            ),
        ],
        crs="EPSG:4326",
    )

    def link(actor: str, place_name: str, relation: str, sentence: str, spans: list, geom: Any) -> dict:
        return {
            "article_id": "a1",
            "article_title": HOSTILE,
            "actor": actor,
            "actor_kind": "person",
            "actor_country": "RU",
            "place_key": f"test:{place_name}",
            "place": place_name,
            "relation": relation,
            "sentence": sentence,
            "highlights": spans,
            "start": 0,
            "end": len(sentence),
            "geometry": geom,
        }

    links = gpd.GeoDataFrame(
        [
            link(
                "Sergei Lawrow",
                "Wŏnsan",
                "visit",
                "Lawrow besuchte Wŏnsan.",
                [[0, 6], [16, 22]],
                LineString([(37.62, 55.75), (127.44, 39.15)]),
            ),
            link(
                HOSTILE,
                "Kursk Oblast",
                "troops",
                HOSTILE + " Kursk",
                [[0, 4]],
                LineString([(125.75, 39.03), (36.2, 51.7)]),
            ),
            link("Nobody", "Kursk Oblast", "statement", "No home.", [], None),
        ],
        crs="EPSG:4326",
    )
    return places, links
