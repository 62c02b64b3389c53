"""What reading the web costs and gives: body extraction per page, and a feed cold, warm and stale.

Why: ``docs/ingest.md`` promises that extraction is cheap next to the pipeline, that politeness (one
request per second per site) is what a first run of a feed costs, and that a rerun asks nothing.
The pages are the test suite's made-up news pages (tests/news_pages.py) and the site is its loopback
fake (tests/web_server.py), so nothing leaves 127.0.0.1.

Run: ``python benchmarks/ingest_speed.py [--items 5] [--delay 1.0] [--repeat 20]``

Extraction times are this process's CPU time, best of ``--repeat`` rounds; fetch times are wall
clock (they are mostly the polite delay).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from news_pages import (  # noqa: E402
    BODY_PLACES_DE,
    BODY_PLACES_EN,
    CLUTTER_PLACES_DE,
    CLUTTER_PLACES_EN,
    news_page_de,
    news_page_en,
)
from web_server import FakeSite  # noqa: E402

from geoapp import pagetext  # noqa: E402
from geoapp.articles import ArticleError, DuplicateIds  # noqa: E402
from geoapp.feeds import WebReader  # noqa: E402
from geoapp.fetch import Fetcher  # noqa: E402
from geoapp.htmltext import html_to_text  # noqa: E402
from geoapp.settings import Settings  # noqa: E402


def best_ms(func, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return best * 1000


def padded(page: str) -> str:
    """``page`` grown to the size of a real news site's page: inline scripts and tracking (200 kB),
    a mega-menu of 400 links, 60 reader comments."""
    script = "<script>window.__STATE__ = " + '{"k": "' + "x" * 199_000 + '"};</script>'
    links = "".join(f"<li><a href='/r/{i}'>Ressort {i}</a></li>" for i in range(400))
    menu = f"<nav class='mega'><ul>{links}"
    comments = "".join(f"<div class='comment'><p>Leser {i}: Ein Kommentar.</p></div>" for i in range(60))
    return page.replace("<body>", f"<body>{script}{menu}</ul></nav>").replace(
        "</main>", f"<section class='comments'>{comments}</section></main>"
    )


def feed_xml(site: FakeSite, links: list[str]) -> bytes:
    date = "Tue, 06 Feb 2024 07:30:00 GMT"
    items = "".join(
        f"<item><title>Item {i}</title><link>{link}</link><pubDate>{date}</pubDate></item>"
        for i, link in enumerate(links)
    )
    channel = f"<channel><title>Feed</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=5, help="items in the feed")
    ap.add_argument("--delay", type=float, default=Settings().fetch_delay_seconds, help="per-site delay (s)")
    ap.add_argument("--repeat", type=int, default=20, help="rounds of each extraction, best taken")
    args = ap.parse_args(argv)

    pages = (
        ("German news page", news_page_de(), BODY_PLACES_DE, CLUTTER_PLACES_DE),
        ("English news page", news_page_en(), BODY_PLACES_EN, CLUTTER_PLACES_EN),
    )
    print("| page | reader | article places kept | menu/sidebar/footer places let in |")
    print("|---|---|---|---|")
    for name, page, body, clutter in pages:
        for reader, text in (
            ("trafilatura", pagetext.extract_page(page).text),
            ("visible text (fallback)", html_to_text(page)[1]),
        ):
            kept = sum(p in text for p in body)
            leaked = sum(p in text for p in clutter)
            print(f"| {name} | {reader} | {kept}/{len(body)} | {leaked}/{len(clutter)} |")

    print()
    print("| page | size | trafilatura ms | visible-text ms |")
    print("|---|---|---|---|")
    timed = [(name, page) for name, page, _, _ in pages]
    timed.append(("German news page, padded", padded(news_page_de())))
    for name, page in timed:
        extract = best_ms(lambda page=page: pagetext.extract_page(page), args.repeat)
        visible = best_ms(lambda page=page: html_to_text(page), args.repeat)
        print(f"| {name} | {len(page) / 1000:.1f} kB | {extract:.1f} | {visible:.2f} |")
    worst = "<div><p>In Rom regnet es.</p><a href='/x'>Paris</a></div>" * (pagetext.MAX_EXTRACT_TAGS // 6)
    extract = best_ms(lambda: pagetext.extract_page(worst), 1)
    visible = best_ms(lambda: html_to_text(worst), 1)
    size = f"{len(worst) / 1000:.0f} kB"
    label = f"hostile: {worst.count('<')} tags, just under the limit"
    print(f"| {label} | {size} | {extract:.0f} | {visible:.1f} |")

    print()
    print(f"| feed of {args.items} items, delay {args.delay:g} s | requests | seconds | articles |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp, FakeSite() as site:
        links = [site.add(f"/a{i}", news_page_de(title=f"Bericht {i}")) for i in range(args.items)]
        feed = site.add("/feed", feed_xml(site, links), content_type="application/rss+xml", etag='"1"')
        settings = Settings(
            cache_dir=Path(tmp),
            user_agent="geoapp-benchmark/0.1 (benchmark@example.org)",
            fetch_delay_seconds=args.delay,
        )
        clock = [time.time()]
        stale = settings.feed_ttl_minutes * 60 + 60
        runs = (("first run", 0.0), ("rerun (cache)", 0.0), ("rerun after the feed's TTL", stale))
        for label, advance in runs:
            clock[0] += advance
            with WebReader(settings, fetcher=Fetcher(settings, clock=lambda: clock[0])) as reader:
                problems: list[ArticleError] = []
                start = time.monotonic()
                articles = list(reader.read(feed, problems, DuplicateIds()))
                elapsed = time.monotonic() - start
                print(f"| {label} | {reader.fetcher.requests_made} | {elapsed:.2f} | {len(articles)} |")
        statuses = [r.headers.get("If-None-Match") for r in site.requests if r.path == "/feed"]
        print(f"\nfeed requests: {len(statuses)}, conditional: {sum(s is not None for s in statuses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
