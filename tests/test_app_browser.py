"""The app in a real headless Chromium against ``streamlit run`` on a loopback port, network cut.

Each server is started by the tests themselves (with its own ``GEOAPP_CACHE_DIR``); pages may reach
only 127.0.0.1 (and data:/blob: URIs, which never leave the browser), and every test asserts that
nothing else was asked for. Covered: filters by country name, a full-width map whose controls
leave it clear, popups that pan clear of the controls, a marker click selecting its place, the
events, density and time-series views, a one-click fix from the review list, the URL box (with a
stand-in for ``geoapp.feeds``), hostile pasted text, the deferred HTML download, and a
multi-article set (GeoWebNews' sibling ``devnews``, read from ``../shared/eval`` when present).

Screenshots go to ``tests/artifacts/``; with ``GEOAPP_UPDATE_SCREENSHOTS=1`` the ones named in
docs/app.md are copied to ``docs/`` (the multi-article ones show the main area only, never the
articles' text).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from geoapp.assets import external_resources

ROOT = Path(__file__).resolve().parent.parent
DEVNEWS = ROOT.parent / "shared" / "eval" / "devnews" / "articles.jsonl"
WINDOW = {"width": 1600, "height": 1000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(folder: Path, **env_extra: str) -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port, its cache in ``folder``; stopped by pid."""
    pytest.importorskip("streamlit")
    port = _free_port()
    env = dict(os.environ)
    env.update(
        GEOAPP_CACHE_DIR=str(folder / "cache"),
        GEOAPP_GEOCODER="offline",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",  # no metrics request from the page
        **env_extra,
    )
    log = open(folder / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit did not start: " + (folder / "streamlit.log").read_text()[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the tests that only read (each browser page is its own session)."""
    with streamlit_server(tmp_path_factory.mktemp("app")) as url:
        yield url


class Page:
    """A browser page on the app with every non-local request aborted and recorded."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport=WINDOW, accept_downloads=True)
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("dialog", self._dialog)
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.get_by_text("geoapp — places in the news").wait_for(timeout=60_000)

    def _route(self, r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            r.continue_()
        else:
            self.blocked.append(url)
            r.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()

    def close(self) -> None:
        self.context.close()
        assert self.blocked == [], f"the app page tried to reach the internet: {self.blocked}"
        assert self.dialogs == [], f"article text ran as script: {self.dialogs}"


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Page]:
    p = Page(browser, app_url)
    yield p
    p.close()


def shot(p: Page, artifacts_dir: Path, name: str, *, main_only: bool = False) -> None:
    """A screenshot to tests/artifacts/NAME (and docs/NAME when asked to update the docs)."""
    p.page.wait_for_timeout(800)
    path = artifacts_dir / name
    if main_only:  # the main area as far as the window shows it: no sidebar, no article titles
        box = p.page.locator('[data-testid="stMain"]').bounding_box()
        clip = {"x": box["x"], "y": 0, "width": box["width"], "height": WINDOW["height"]}
        p.page.screenshot(path=str(path), clip=clip)
    else:
        p.page.screenshot(path=str(path), full_page=False)
    if os.environ.get("GEOAPP_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / name)


#: The index of the first place marker that is on screen and not under a control or popup, or -1.
_UNCOVERED_MARKER = """() => {
  const els = Array.from(document.querySelectorAll('.geoapp-place'));
  return els.findIndex(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return hit === el || el.contains(hit);
  });
}"""

#: Rectangles of the map and of the controls drawn over it, in the map frame's coordinates, and
#: whether each control is still in front (not faded back while a popup is open).
_CONTROL_RECTS = """() => {
  const box = sel => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const front = sel => { const e = document.querySelector(sel);
    return !!e && parseFloat(getComputedStyle(e).opacity) >= 0.5; };
  const sels = {map: '.leaflet-container', zoom: '.leaflet-control-zoom', filter: '.geoapp-filter',
                layers: '.leaflet-control-layers', legend: '.geoapp-legend', popup: '.leaflet-popup'};
  const out = {front: {}};
  for (const k in sels) { out[k] = box(sels[k]); out.front[k] = front(sels[k]); }
  return out;
}"""

#: Put the first shown marker at a corner of the map (x, y; negative from the right) and open its popup.
_POPUP_AT = """([x, y]) => {
  const g = window.geoapp, map = g.map, m = g.markers.find(k => k.geoappShown);
  map.closePopup();
  const size = map.getSize(), p = map.latLngToContainerPoint(m.getLatLng());
  map.panBy([p.x - (x < 0 ? size.x + x : x), p.y - y], {animate: false});
  m.openPopup();
  return true;
}"""


def _map_frame(page: Any) -> Any:
    """The st_folium component's frame (the one that holds the Leaflet map)."""
    for frame in page.frames:
        try:
            if frame.locator(".leaflet-container").count():
                return frame
        except Exception:  # a frame navigating away
            continue
    return None


def _settled_layout(page: Any, frame: Any, timeout: float = 10.0) -> tuple[dict, dict]:
    """The map's control rectangles and the main block's box once two readings 250 ms apart agree:
    Streamlit resizes the map's frame after it first draws (the sidebar settles), and a reading
    taken during that step compares the frame's old width with the page's new one."""
    deadline = time.monotonic() + timeout
    before = None
    while True:
        rects = frame.evaluate(_CONTROL_RECTS)
        main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        now = (rects["map"], main)
        if now == before or time.monotonic() > deadline:
            return rects, main
        before = now
        page.wait_for_timeout(250)


def _wait_places(page: Any, predicate: Any, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    n = -1
    while time.monotonic() < deadline:
        frame = _map_frame(page)
        if frame is not None:
            try:
                n = frame.locator(".geoapp-place").count()
            except Exception:  # the component replaced its frame while redrawing: look again
                continue
            if predicate(n):
                return n
        page.wait_for_timeout(300)
    raise AssertionError(f"map never reached the expected state (last count {n})")


def _shown(page: Any) -> int:
    """How many places the map's own filter shows (markers inside clusters included)."""
    frame = _map_frame(page)
    try:
        return int(frame.evaluate("() => window.geoapp ? window.geoapp.shown : -1")) if frame else -1
    except Exception:  # the frame is being replaced
        return -1


def _area(r: list[float] | None, clip: list[float]) -> float:
    if r is None:
        return 0.0
    w = min(r[2], clip[2]) - max(r[0], clip[0])
    h = min(r[3], clip[3]) - max(r[1], clip[1])
    return max(0.0, w) * max(0.0, h)


def _overlap(a: list[float], b: list[float] | None) -> bool:
    return b is not None and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_app_in_a_browser(page: Page, artifacts_dir: Path) -> None:
    """Filter by a country's name, see the map follow, click a marker and read its quotes."""
    p = page.page
    before = _wait_places(p, lambda n: n > 30, timeout=90)
    box = p.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Countries")
    box.locator("input").click()
    box.locator("input").fill("United States")
    p.keyboard.press("Enter")
    p.keyboard.press("Escape")
    after = _wait_places(p, lambda n: 0 < n < before)
    p.get_by_text(f"{after} places", exact=False).first.wait_for(timeout=30_000)
    assert p.get_by_text("United States (US)").count()  # the chosen country, by name

    p.wait_for_timeout(1500)  # let fitBounds' zoom animation finish
    frame = _map_frame(p)
    index = frame.evaluate(_UNCOVERED_MARKER)
    assert index >= 0, "no marker is visible and uncovered on the map"
    # force: Leaflet redraws SVG paths on every map move, which Playwright reads as "not stable".
    frame.locator(".geoapp-place").nth(index).click(force=True)
    p.get_by_text("Selected place").wait_for(timeout=30_000)
    shot(page, artifacts_dir, "app.png")


def test_map_fills_the_page_and_its_controls_leave_it_clear(page: Page) -> None:
    p = page.page
    _wait_places(p, lambda n: n > 30, timeout=90)
    frame = _map_frame(p)
    rects, main = _settled_layout(p, frame)
    m = rects["map"]
    width, height = m[2] - m[0], m[3] - m[1]
    assert width >= 0.9 * main["width"] and width >= 1000, (width, main)
    assert height >= 600
    covered = sum(_area(rects[k], m) for k in ("zoom", "filter", "layers", "legend"))
    assert covered / (width * height) < 0.15, rects


@pytest.mark.parametrize("corner", [(30, 30), (-30, 30)], ids=["top-left", "top-right"])
def test_popups_open_clear_of_the_controls(page: Page, corner: tuple[int, int]) -> None:
    p = page.page
    _wait_places(p, lambda n: n > 30, timeout=90)
    p.wait_for_timeout(1000)
    frame = _map_frame(p)
    frame.evaluate(_POPUP_AT, list(corner))
    frame.locator(".leaflet-popup").wait_for(timeout=10_000)
    p.wait_for_timeout(800)  # the auto-pan animation
    rects = frame.evaluate(_CONTROL_RECTS)
    popup = rects["popup"]
    for control in ("zoom", "filter", "layers", "legend"):
        # Clear of every control, or over one that has stepped back (faded) while the popup is open.
        assert not (_overlap(popup, rects[control]) and rects["front"][control]), (control, rects)
    assert popup[0] >= rects["map"][0] and popup[2] <= rects["map"][2] and popup[1] >= rects["map"][1]


def test_events_density_and_time_series_views(page: Page, artifacts_dir: Path) -> None:
    p = page.page
    _wait_places(p, lambda n: n > 30, timeout=90)

    page.tab("Events")
    p.get_by_text("dated by their sentence").wait_for(timeout=30_000)
    assert p.locator('[data-testid="stDataFrame"]').count() >= 2
    shot(page, artifacts_dir, "app-events.png")

    page.tab("Density")
    canvas = p.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.wait_for(timeout=30_000)
    p.wait_for_timeout(3000)  # deck.gl draws on the next frames
    png = canvas.screenshot()
    assert _colours(png) > 20, "the density map drew nothing"
    shot(page, artifacts_dir, "app-density.png")

    page.tab("Time series")
    p.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
    p.get_by_text("Events per type").click()
    p.get_by_text("undated events are not on the time axis").wait_for(timeout=30_000)
    shot(page, artifacts_dir, "app-time.png")


def _colours(png: bytes) -> int:
    """How many distinct colours a PNG holds (a blank canvas has one or two)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])


def test_map_download_is_made_when_clicked(page: Page) -> None:
    p = page.page
    _wait_places(p, lambda n: n > 30, timeout=90)
    with p.expect_download(timeout=60_000) as info:
        p.get_by_role("button", name="Map (HTML)").click()
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert info.value.suggested_filename == "geoapp-map.html"
    assert "geoappMapLayers" in html and "geoapp-place" in html
    assert external_resources(html) == []


def test_review_list_fixes_a_mention_in_one_click(browser: Any, tmp_path: Path, artifacts_dir: Path) -> None:
    with streamlit_server(tmp_path) as url:
        page = Page(browser, url)
        p = page.page
        _wait_places(p, lambda n: n > 30, timeout=90)
        page.tab("Review")
        p.get_by_text("mentions to review").wait_for(timeout=30_000)
        shot(page, artifacts_dir, "app-review.png")
        first = p.locator('[class*="st-key-rv_"][class*="_box"]').filter(has_text="unresolved").first
        mention = first.locator("strong").first.inner_text()
        first.get_by_role("button", name="✕ Not a place").click()
        p.get_by_text(f"Saved: {mention} → not a place").wait_for(timeout=60_000)
        page.close()


def test_hostile_pasted_text_stays_text(browser: Any, tmp_path: Path, hostile_text: str) -> None:
    with streamlit_server(tmp_path) as url:
        page = Page(browser, url)
        p = page.page
        p.get_by_text("Paste text").click()
        area = p.get_by_label("Article text (first line is the title)")
        markdown = ":red[alarm] [x](javascript:alert(5))"
        area.fill(f"{hostile_text}\n\nA tornado hit Paris, Texas. {hostile_text} {markdown}")
        area.press("Control+Enter")
        _wait_places(p, lambda n: n > 0)
        frame = _map_frame(p)
        frame.locator(".geoapp-place").first.click(force=True)
        p.get_by_text("Selected place").wait_for(timeout=30_000)
        p.wait_for_timeout(1000)
        assert frame.locator('img[src="x"]').count() == 0
        for view in ("Map", "Events", "Review"):
            page.tab(view)
            p.wait_for_timeout(2000)
            assert p.locator('img[src="x"]').count() == 0, view
            assert p.locator('a[href^="javascript"]').count() == 0, view
        assert p.get_by_text("<img src=x onerror=alert(3)>", exact=False).count() >= 1  # shown as text
        page.close()


#: A stand-in for ``geoapp.feeds`` (another branch): answers any URL with one fixed article.
FAKE_FEEDS = """
import sys, types

def articles_from_urls(urls, settings):
    from geoapp.model import Article
    text = "Flood in Dresden\\n\\nThe Elbe flooded Dresden and Pirna on Monday."
    return ([Article(id="fetched", title="Flood in Dresden", text=text, lang="en", url=urls[0],
                     published="2026-09-17", title_in_text=True)], [urls[-1] + ": HTTP 404"])

feeds = types.ModuleType("geoapp.feeds")
feeds.articles_from_urls = articles_from_urls
sys.modules["geoapp.feeds"] = feeds
"""


def test_url_box_fetches_through_geoapp_feeds(browser: Any, tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(FAKE_FEEDS, encoding="utf-8")
    with streamlit_server(tmp_path, PYTHONPATH=str(shim)) as url:
        page = Page(browser, url)
        p = page.page
        p.get_by_text("URLs or feeds").click()
        area = p.get_by_label("Article or feed URLs, one per line")
        area.fill("http://127.0.0.1:9/news\nhttp://127.0.0.1:9/missing")
        area.press("Control+Enter")
        p.get_by_role("button", name="Fetch").click()
        p.get_by_text("http://127.0.0.1:9/missing: HTTP 404").wait_for(timeout=60_000)
        _wait_places(p, lambda n: n > 0)
        assert p.get_by_text("Dresden").count()
        page.close()


@pytest.mark.skipif(not DEVNEWS.is_file(), reason="../shared/eval/devnews not present")
def test_a_multi_article_set(page: Page, tmp_path: Path, artifacts_dir: Path) -> None:
    """devnews' 24 real articles (12 of them dated by month only), loaded as a folder."""
    folder = tmp_path / "devnews"
    folder.mkdir()
    with (
        DEVNEWS.open(encoding="utf-8") as src,
        (folder / "articles.jsonl").open("w", encoding="utf-8") as out,
    ):
        for line in src:
            r = json.loads(line)
            record = {"id": r["id"], "title": r.get("title") or "", "text": r["text"], "lang": r["lang"],
                      "url": r.get("url"), "source": r.get("outlet"), "published": r.get("date")}  # fmt: skip
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    p = page.page
    _wait_places(p, lambda n: n > 30, timeout=90)
    p.get_by_text("Folder", exact=True).click()
    field = p.get_by_label("Folder or file path")
    field.fill(str(folder))
    field.press("Enter")
    p.get_by_text("24 of 24 articles").first.wait_for(timeout=120_000)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and _shown(p) <= 100:
        p.wait_for_timeout(500)
    assert _shown(p) > 100  # clustered: the markers on the map, not the clusters' bubbles
    picker = p.locator('[data-testid="stDateInput"] input').first.input_value()
    assert picker.replace("/", "-").startswith("2010-08-25"), picker  # the earliest of the 24
    shot(page, artifacts_dir, "app-multi.png", main_only=True)
    page.tab("Time series")
    p.get_by_text("Events per actor").click()
    p.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
    shot(page, artifacts_dir, "app-multi-time.png", main_only=True)
    page.tab("Density")
    p.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=30_000)
    p.wait_for_timeout(3000)
    shot(page, artifacts_dir, "app-multi-density.png", main_only=True)
