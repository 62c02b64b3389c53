"""The whole path on the sample articles: actors and links from the real pipeline, and the map that
``geoapp map`` writes, opened in headless Chromium with the network cut off."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_map_browser import _open

from geoapp.articles import read_articles
from geoapp.cli import main
from geoapp.demonyms import find_demonyms
from geoapp.document import Doc
from geoapp.frames import filter_frames, links_frame, places_frame
from geoapp.pipeline import Geoparser

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_697af04ae4cd89d0.txt"
DOCS_SCREENSHOT = ROOT / "docs" / "map.png"


@pytest.fixture(scope="module")
def seed_result():
    (article,) = list(read_articles([SEED], []))
    return Geoparser().parse(article)


def test_sample_actors(seed_result):
    actors = {(am.actor.name, am.actor.kind, am.actor.country_code) for am in seed_result.actors}
    assert {
        ("Sergei Lawrow", "person", "RU"),
        ("Kim Jong-un", "person", "KP"),
        ("Choe Son-hui", "person", "KP"),
        ("KCNA", "organisation", "KP"),
        ("North Korea", "country", "KP"),  # "Nordkorea hat … unterstützt"
    } <= actors
    assert any(name == "Reuters" and kind == "organisation" for name, kind, _ in actors)
    # Ukraine is named but never acts; "russische Anstrengungen" is an adjective, not an actor
    assert not any(name == "Ukraine" for name, _, _ in actors)
    assert {kind for _, kind, _ in actors} <= {"person", "organisation", "country"}
    # "Kim betonte …" and "Treffens mit Kim": the surname alone is the same person, not a town.
    text = seed_result.article.text
    kim_alone = [am for am in seed_result.actors if am.mention.text == "Kim"]
    assert len(kim_alone) >= 2 and all(am.actor.name == "Kim Jong-un" for am in kim_alone)
    assert all(text[am.mention.start : am.mention.end] == am.mention.text for am in seed_result.actors)
    # "Wŏnsan Kalma", the resort, is no person
    assert all(am.actor.kind != "person" or "Wŏnsan" not in am.mention.text for am in seed_result.actors)


def test_sample_links(seed_result):
    """Every line drawn on the sample article is one a reader would draw, and the main ones are."""
    links = {(lk.actor.name, lk.place.name, lk.relation) for lk in seed_result.links}
    pairs = {(a, p) for a, p, _ in links}
    expected = {
        ("Sergei Lawrow", "Wŏnsan"),  # "In der … Küstenstadt Wŏnsan führte Lawrow Gespräche"
        ("Sergei Lawrow", "North Korea"),  # "zu einem dreitägigen Besuch in Nordkorea eingetroffen"
    }
    readers = expected | {
        ("Kim Jong-un", "Wŏnsan"),  # "… Gespräche mit Kim Jong-un"
        ("North Korea", "Kursk Oblast"),  # "Militäringenieure … in der russischen Region Kursk zu entsenden"
        ("North Korea", "Russia"),  # "… Truppen und Waffen bereitgestellt …, um Russland … zu unterstützen"
        ("Kim Jong-un", "North Korea"),  # his statement about what North Korea will do
        ("Kim Jong-un", "Wŏnsan Kalma"),  # "eröffnet … Wŏnsan Kalma und inspiziert dort"
    }
    assert expected <= pairs
    assert pairs <= readers, pairs - readers
    assert not any(a in ("KCNA", "Reuters", "Ukraine") for a, _ in pairs)  # reporters; no agent
    rel = {(a, p): r for a, p, r in links}
    assert rel[("Sergei Lawrow", "North Korea")] == "visit"
    assert rel[("Sergei Lawrow", "Wŏnsan")] in ("visit", "meeting")
    for lk in seed_result.links:
        s = lk.sentence
        assert seed_result.article.text[s.start : s.end] == s.text
        assert lk.relation != "mentioned with"


def test_no_demonym_among_places(seed_result):
    article = seed_result.article
    spans = [(d.start, d.end) for d in find_demonyms(Doc.from_article(article)) if d.field == "text"]
    assert spans  # "russische", "nordkoreanischen", "ost-koreanischen" …
    for pm in seed_result.places:
        assert not any(s < pm.mention.end and pm.mention.start < e for s, e in spans), pm.mention


def test_filter_by_actor_over_places_and_links(seed_result):
    places, links = places_frame([seed_result]), links_frame([seed_result])
    p, lk = filter_frames(places, links, actors=["sergei lawrow"])
    assert set(lk["actor"]) == {"Sergei Lawrow"}
    assert "Wŏnsan" in set(p["name"]) and "Kursk Oblast" not in set(p["name"])
    assert all(geom.geom_type == "LineString" for geom in lk.geometry)


@pytest.mark.browser
def test_cli_map_of_the_samples_in_a_browser(browser: Any, tmp_path: Path, artifacts_dir: Path, capsys):
    out = tmp_path / "map.html"
    assert main(["map", str(ROOT / "seeds"), "-o", str(out), "--self-contained"]) == 0
    results = [Geoparser().parse(a) for a in read_articles([ROOT / "seeds"], [])]
    links = links_frame(results)
    # One line per actor–place pair, however many sentences tie them.
    n_places, n_links = len(places_frame(results)), len(set(zip(links["actor"], links["place_key"])))
    assert n_links > 0
    context, page, seen = _open(browser, out.as_uri())
    try:
        page.wait_for_selector("path.geoapp-place", state="attached", timeout=15_000)
        assert page.locator("path.geoapp-place").count() == n_places
        assert page.locator("path.geoapp-link").count() == n_links
        legend = page.locator(".geoapp-legend")
        assert legend.is_visible()
        assert "Sergei Lawrow" in legend.inner_text()
        # Fire Leaflet's own click on a line (a thin line is a poor target for a mouse click);
        # the page lists its lines in window.geoapp.links.
        page.evaluate(
            """() => { const v = window.geoapp.links[0];
                 v.fire('click', {latlng: v.getLatLngs()[1]}); }"""
        )
        popup = page.locator(".geoapp-popup .leaflet-popup-content")
        popup.wait_for(state="visible", timeout=5_000)
        assert len(popup.locator("mark").all_inner_texts()) >= 1
        shot = artifacts_dir / "map_seeds.png"
        page.screenshot(path=str(shot))
        assert seen == {"aborted": [], "errors": [], "dialogs": []}
    finally:
        context.close()


@pytest.mark.browser
def test_cli_map_of_the_sample_article_screenshot(browser: Any, tmp_path: Path, artifacts_dir: Path):
    """The sample article alone, with its actor lines: the README's picture when asked for."""
    out = tmp_path / "sample.html"
    assert main(["map", str(SEED), "-o", str(out), "--self-contained"]) == 0
    context, page, seen = _open(browser, out.as_uri())
    try:
        page.wait_for_selector("path.geoapp-link", state="attached", timeout=15_000)
        assert page.locator(".geoapp-legend").is_visible()
        page.wait_for_timeout(300)
        shot = artifacts_dir / "map_sample_article.png"
        page.screenshot(path=str(shot))
        assert seen["errors"] == [] and seen["dialogs"] == []
        if os.environ.get("GEOAPP_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(shot, DOCS_SCREENSHOT)
    finally:
        context.close()
