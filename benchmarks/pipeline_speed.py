"""Speed and memory of the main path, printed as a table.

    python benchmarks/pipeline_speed.py [--articles 200]

Measures: cold start of ``geoapp extract`` on the sample article (a fresh process, as a user runs it);
gazetteer load time and the process's peak memory; articles per second on N articles (the sample
articles repeated with varied ids) after the load, on one core.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_697af04ae4cd89d0.txt"


def cold_start() -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "geoapp.cli", "extract", str(SEED)],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def in_process(n_articles: int) -> dict:
    from dataclasses import replace

    from geoapp.articles import read_articles
    from geoapp.gazetteer import Gazetteer
    from geoapp.pipeline import Geoparser

    t0 = time.perf_counter()
    gazetteer = Gazetteer.load()
    load_s = time.perf_counter() - t0
    parser = Geoparser(gazetteer=gazetteer)
    samples = list(read_articles([ROOT / "seeds"], []))
    articles = [replace(samples[i % len(samples)], id=f"a{i}") for i in range(n_articles)]
    parser.parse(articles[0])  # first call fills the word-frequency caches; measured apart
    t1 = time.perf_counter()
    n_places = sum(len(parser.parse(a).places) for a in articles)
    parse_s = time.perf_counter() - t1
    chars = sum(len(a.text) for a in articles)
    return {
        "load_s": load_s,
        "articles": n_articles,
        "parse_s": parse_s,
        "articles_per_s": n_articles / parse_s,
        "chars_per_s": chars / parse_s,
        "places": n_places,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    cold = cold_start()
    stats = in_process(args.articles)
    stats["cold_start_extract_s"] = cold
    if args.json:
        print(json.dumps(stats, indent=2))
        return
    rows = [
        ("cold start: geoapp extract <sample> (s)", f"{cold:.2f}"),
        ("gazetteer load (s)", f"{stats['load_s']:.2f}"),
        ("peak memory of the process (MB)", f"{stats['peak_rss_mb']:.0f}"),
        (f"articles per second ({stats['articles']} articles, one core)", f"{stats['articles_per_s']:.0f}"),
        ("characters per second", f"{stats['chars_per_s']:,.0f}"),
        ("place mentions found", f"{stats['places']}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  -----")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
