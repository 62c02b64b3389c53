"""Seconds to read hostile inputs of growing size, printed as a table: the readers must be linear.

    python benchmarks/reader_scaling.py [--sizes 1 2 4 8] [--repeat 3]

Each input is written to a temporary file of about N MB and read through
:func:`geoapp.articles.read_articles` (decoding, format, JSON, HTML, lone-surrogate cleaning,
duplicate ids). ``x/1MB`` is the time at the largest size divided by the time at the smallest: a
linear reader shows about the ratio of the sizes (8 for 1 → 8 MB), a quadratic one its square.
Times are this process's CPU time (``time.process_time``), best of ``--repeat`` rounds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from geoapp.articles import ArticleError, read_articles

MB = 1_000_000


def _repeat(unit: str, size: int) -> str:
    return unit * (size // len(unit))


#: name → (suffix, a function giving the file's text for a size in characters)
CASES: dict[str, tuple[str, Callable[[int], str]]] = {
    "JSONL: one huge line": (
        ".jsonl",
        lambda n: json.dumps({"id": "big", "lang": "de", "text": _repeat("In Köln regnet es. ", n)}),
    ),
    "JSONL: every line broken": (".jsonl", lambda n: _repeat("1,Berlin,52.5\n", n)),
    "JSONL: lone surrogates": (
        ".jsonl",
        lambda n: json.dumps({"id": "s", "lang": "de", "text": _repeat("Rom \ud800 ", n // 2)}),
    ),
    "HTML: news-like": (".html", lambda n: _repeat("<p>In <b>Berlin</b> &amp; Paris regnet es.</p>\n", n)),
    'HTML: "<a" repeated': (".html", lambda n: _repeat("<a", n)),
    'HTML: "<!--" repeated': (".html", lambda n: "<p>Rom</p>" + _repeat("<!--", n)),
    'HTML: "<a b=\'" repeated': (".html", lambda n: "<p>Rom</p>" + _repeat("<a b='", n)),
    "HTML: nested <svg>": (".html", lambda n: _repeat("<svg>", n // 2) + _repeat("</p>", n // 2) + "<p>Rom"),
    "text: one line": (".txt", lambda n: _repeat("Der Regen in Köln ist nicht neu. ", n)),
}


def read_seconds(path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        errors: list[ArticleError] = []
        start = time.process_time()
        for _article in read_articles([path], errors):
            pass
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8], help="sizes in MB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    header = ["input"] + [f"{s} MB s" for s in sizes] + [f"x/{sizes[0]}MB"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    with tempfile.TemporaryDirectory(prefix="geoapp-bench-") as tmp:
        for name, (suffix, make) in CASES.items():
            path = Path(tmp) / f"input{suffix}"
            times = []
            for size in sizes:
                path.write_text(make(size * MB), encoding="utf-8")
                times.append(read_seconds(path, args.repeat))
            ratio = times[-1] / max(times[0], 1e-9)
            cells = [name] + [f"{t:.3f}" for t in times] + [f"{ratio:.1f}"]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
