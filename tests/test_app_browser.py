"""The app in a real headless Chromium against ``streamlit run`` on a loopback port, network cut.

The test starts the server itself (with its own ``GEOAPP_CACHE_DIR``), lets the page reach only
127.0.0.1 (and data: URIs, which never leave the browser), changes a filter in the sidebar, sees
the map and the table follow, clicks a marker and sees its quotes, and saves a screenshot to
``tests/artifacts/app.png`` (and to ``docs/app.png`` when ``GEOAPP_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """A ``streamlit run app.py`` server on a free loopback port; stopped (by its pid) afterwards."""
    pytest.importorskip("streamlit")
    port = _free_port()
    env = dict(os.environ)
    env.update(
        GEOAPP_CACHE_DIR=str(tmp_path / "cache"),
        GEOAPP_GEOCODER="offline",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",  # no metrics request from the page
    )
    log = open(tmp_path / "streamlit.log", "wb")
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
                pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text()[-2000:])
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


def _map_frame(page: Any) -> Any:
    """The st_folium component's frame (the one that holds the Leaflet map)."""
    for frame in page.frames:
        try:
            if frame.locator(".leaflet-container").count():
                return frame
        except Exception:  # a frame navigating away
            continue
    return None


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


def test_app_in_a_browser(browser: Any, app_url: str, artifacts_dir: Path) -> None:
    blocked: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("geoapp — places in the news").wait_for(timeout=60_000)
    before = _wait_places(page, lambda n: n > 30, timeout=90)

    # Country filter: open the multiselect, pick US, close it.
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Countries")
    box.locator("input").click()
    box.locator("input").fill("US")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    after = _wait_places(page, lambda n: 0 < n < before)
    caption = page.get_by_text(f"{after} places", exact=False)
    caption.first.wait_for(timeout=30_000)

    # Clicking a marker selects its row: the quotes behind it appear under the map.
    page.wait_for_timeout(1500)  # let fitBounds' zoom animation finish
    frame = _map_frame(page)
    index = frame.evaluate(_UNCOVERED_MARKER)
    assert index >= 0, "no marker is visible and uncovered on the map"
    # force: Leaflet redraws SVG paths on every map move, which Playwright reads as "not stable".
    frame.locator(".geoapp-place").nth(index).click(force=True)
    page.get_by_text("Selected place").wait_for(timeout=30_000)

    page.wait_for_timeout(500)
    shot = artifacts_dir / "app.png"
    page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("GEOAPP_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "app.png")
    context.close()
    assert blocked == [], f"the app page tried to reach the internet: {blocked}"
