"""What reading the web costs: body extraction per page, and a feed fetched cold, warm and stale.

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

from news_pages import news_page_de, news_page_en  # noqa: E402
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

    print("| page | size | trafilatura ms | visible-text ms |")
    print("|---|---|---|---|")
    pagetext.extract_page(news_page_de())  # imports trafilatura outside the timing
    for name, page in (("German news page", news_page_de()), ("English news page", news_page_en())):
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
