"""How the map holds up at 2,000 articles / 10,000 place mentions: build time, file size, first render.

Why synthetic frames: parsing 2,000 real articles would measure the pipeline, not the map. The rows
are made directly in the shape of ``geoapp.frames`` (places_frame/links_frame), at real places:
cities of the shipped gazetteer drawn by population, so crowds form where they form in the news
(big cities), with one quote per row, ~40 actors with homes at capitals and one or two links per
article along great circles, and publication dates over a year.

    python benchmarks/map_scale.py                # 2,000 articles, 10,000 mentions
    python benchmarks/map_scale.py --baseline     # also one folium CircleMarker per place, as before
    python benchmarks/map_scale.py --articles 200 --mentions 1000

First render: headless Debian chromium (every non-file request aborted) from navigation until the
page's script has run and cluster icons or markers are in the DOM; "filter" is one search-box
query and one actor toggle, timed inside the page.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geoapp import maps
from geoapp.frames import great_circle_line

GAZETTEER = Path(maps.__file__).resolve().parent / "data" / "gazetteer.tsv.gz"
FIELDS = ["geonameid", "name", "lat", "lon", "country_code", "feature", "code", "population", "admin1", "imp"]
VERBS = ("reported fighting near", "sent aid to", "held talks in", "warned about", "evacuated people from")


def _cities(min_population: int = 100_000) -> pd.DataFrame:
    """Gazetteer rows (cities, regions, countries) to draw places from; the header line is skipped."""
    frame = pd.read_csv(
        GAZETTEER,
        sep="\t",
        skiprows=1,
        names=FIELDS,
        quoting=3,
        keep_default_na=False,
        na_values=[""],
        dtype={"country_code": str, "admin1": str, "code": str, "feature": str},
        low_memory=False,
    )
    frame = frame[frame["feature"].isin(["city", "region", "country"])]
    return frame[(frame["population"].fillna(0) >= min_population) | (frame["feature"] == "country")]


def synth_frames(n_articles: int, n_mentions: int, seed: int = 0) -> tuple[Any, Any]:
    """Places and links frames of ``n_articles`` articles holding ``n_mentions`` place rows in total."""
    rng = random.Random(seed)
    pool = _cities()
    weights = (pool["population"].fillna(1e6).clip(upper=2e7) ** 0.7).tolist()
    picks = pool.sample(n=n_mentions, replace=True, weights=weights, random_state=seed)
    countries = pool[pool["feature"] == "country"].sample(n=40, random_state=seed)
    actors = [
        (f"Actor {i} ({cc})", lat, lon)
        for i, (cc, lat, lon) in enumerate(zip(countries["country_code"], countries["lat"], countries["lon"]))
    ]
    start = date(2024, 1, 1)
    places, links = [], []
    per_article = [n_mentions // n_articles] * n_articles
    for i in range(n_mentions - sum(per_article)):
        per_article[i] += 1
    rows = iter(picks.itertuples(index=False))
    for a in range(n_articles):
        aid = f"art{a:05d}"
        title = f"Report {a}: events in the region"
        published = (start + timedelta(days=rng.randrange(365))).isoformat()
        article_actors = rng.sample(actors, rng.randint(1, 2))
        for k in range(per_article[a]):
            place = next(rows)
            verb = rng.choice(VERBS)
            sentence = f"On {published}, {article_actors[0][0]} {verb} {place.name}, officials said."
            at = sentence.index(place.name)
            linked = [act[0] for act in article_actors] if k == 0 else []
            places.append(
                {
                    "article_id": aid,
                    "article_title": title,
                    "article_url": f"https://news.example/{aid}",
                    "published": published,
                    "place_key": f"gn:{place.geonameid}",
                    "name": place.name,
                    "feature": place.feature,
                    "country_code": place.country_code,
                    "admin1": None if pd.isna(place.admin1) else place.admin1,
                    "lat": float(place.lat),
                    "lon": float(place.lon),
                    "geonameid": int(place.geonameid),
                    "source": "gazetteer",
                    "why": "largest place of this name",
                    "mentions": rng.choice((1, 1, 1, 2, 3)),
                    "quotes": [{"sentence": sentence, "highlights": [[at, at + len(place.name)]]}],
                    "actors": linked,
                    "geometry": Point(float(place.lon), float(place.lat)),
                }
            )
            for name, hlat, hlon in article_actors if k == 0 else []:
                links.append(
                    {
                        "article_id": aid,
                        "article_title": title,
                        "actor": name,
                        "actor_kind": "country",
                        "actor_country": None,
                        "place_key": f"gn:{place.geonameid}",
                        "place": place.name,
                        "relation": verb.split()[0],
                        "sentence": sentence,
                        "highlights": [[at, at + len(place.name)]],
                        "start": 0,
                        "end": len(sentence),
                        "geometry": great_circle_line(hlon, hlat, float(place.lon), float(place.lat)),
                    }
                )
    return gpd.GeoDataFrame(places, crs="EPSG:4326"), gpd.GeoDataFrame(links, crs="EPSG:4326")


def baseline_html(places: Any, links: Any) -> str:
    """The previous design, for comparison: one folium CircleMarker (and popup element) per place."""
    import folium

    m = folium.Map(location=[20, 0], zoom_start=2, tiles=None)
    for row in maps._rows(places):
        marker = folium.CircleMarker(
            location=(row["lat"], row["lon"]), radius=maps._radius(row["mentions"]), class_name="geoapp-place"
        )
        marker.add_child(maps.BindTooltip(row["name"]))
        marker.add_child(maps.BindPopup(maps.place_popup_html(row)))
        marker.add_to(m)
    for row in maps._rows(links):
        line = folium.PolyLine(maps._line(row["geometry"]), class_name="geoapp-link")
        line.add_child(maps.BindPopup(maps.link_popup_html(row)))
        line.add_to(m)
    return maps.map_html(m)


def first_render(path: Path) -> dict[str, float]:
    """Seconds to the first drawn clusters/markers in headless chromium, and two filter timings (ms)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            t0 = time.perf_counter()
            page.goto(path.as_uri(), wait_until="commit")
            page.wait_for_function(
                "() => window.geoapp && window.geoapp.ready &&"
                " document.querySelectorAll('.marker-cluster, path.geoapp-place').length > 0",
                timeout=120_000,
                polling=50,
            )
            first = time.perf_counter() - t0
            search_ms = page.evaluate(
                "() => { const g = window.geoapp, t = performance.now(); g.setQuery('san');"
                " const d = performance.now() - t; g.setQuery(''); return d; }"
            )
            toggle_ms = page.evaluate(
                "() => { const g = window.geoapp, t = performance.now(); g.toggleActor(0, false);"
                " const d = performance.now() - t; g.toggleActor(0, true); return d; }"
            )
            clusters = page.locator(".marker-cluster").count()
            if errors:
                raise RuntimeError(f"page errors: {errors[:3]}")
            return {"first": first, "search_ms": search_ms, "toggle_ms": toggle_ms, "clusters": clusters}
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--mentions", type=int, default=10000)
    ap.add_argument("--baseline", action="store_true", help="also measure one folium marker per place")
    ap.add_argument("--no-browser", action="store_true", help="skip the headless chromium measurement")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    places, links = synth_frames(args.articles, args.mentions)
    synth = time.perf_counter() - t
    print(
        f"frames: {len(places)} place rows, {len(links)} links, {places['article_id'].nunique()} articles "
        f"({synth:.1f} s to synthesise)",
        file=sys.stderr,
    )

    table: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        m = maps.build_map(places, links, title="scale test", tiles=None)
        built = time.perf_counter() - t
        t = time.perf_counter()
        path = maps.save_map(m, Path(tmp) / "scale.html", self_contained=True)
        saved = time.perf_counter() - t
        raw = path.read_bytes()
        table += [
            ("place rows / links / articles", f"{len(places):,} / {len(links):,} / {args.articles:,}"),
            ("build_map (frames → folium map)", f"{built:.2f} s"),
            ("save_map (render, inline assets, write)", f"{saved:.2f} s"),
            (
                "HTML size, self-contained",
                f"{len(raw) / 1e6:.2f} MB ({len(gzip.compress(raw)) / 1e6:.2f} MB gzipped)",
            ),
        ]
        if not args.no_browser:
            r = first_render(path)
            table += [
                ("first render, headless chromium", f"{r['first']:.2f} s ({r['clusters']} cluster icons)"),
                ("search box query (in page)", f"{r['search_ms']:.0f} ms"),
                ("actor toggle (in page)", f"{r['toggle_ms']:.0f} ms"),
            ]
        if args.baseline:
            t = time.perf_counter()
            page = baseline_html(places, links)
            base = time.perf_counter() - t
            table += [
                ("baseline: folium marker per place, build+render", f"{base:.2f} s"),
                ("baseline: HTML size", f"{len(page.encode()) / 1e6:.2f} MB"),
            ]
    width = max(len(k) for k, _ in table)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for key, value in table:
        print(f"| {key.ljust(width)} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
