"""Time and peak memory of ``geoapp extract`` against article size and article count, printed as tables.

    python benchmarks/scaling.py                                  # sizes 0.1-10 MB, counts 1k-20k
    python benchmarks/scaling.py --sizes 0.1,1,5 --counts 1000,200000

Each measurement is a fresh ``geoapp extract`` process (``python -m geoapp.cli``) writing JSONL to a
file, timed from the outside; the child reports its own peak resident memory (``getrusage``).
Text: the GeoWebNews and devnews articles of ``../shared/eval`` when present (real news, German and
English), else the sample articles in ``seeds/``. A big article is those texts joined and repeated
up to the size; a stream of N articles cycles through them with fresh ids.

What to read: seconds per MB must stay flat as the article grows (no quadratic stage), and peak
memory must not grow with the number of articles (the CLI streams: one article in memory at a
time). The start-up (gazetteer load, imports) is in every row; the one-article row shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def source_texts() -> tuple[list[str], str]:
    """Real news texts to build inputs from, and where they came from."""
    from geoapp.evaluation.corpora import EvalDataMissing, load_dataset

    texts: list[str] = []
    try:
        texts = [d.text for d in load_dataset("gwn")]
        devnews = Path(ROOT.parent / "shared" / "eval" / "devnews" / "articles.jsonl")
        if devnews.exists():
            texts += [json.loads(line)["text"] for line in devnews.read_text("utf-8").splitlines() if line]
        return texts, "GeoWebNews + devnews (../shared/eval)"
    except (EvalDataMissing, KeyError, OSError):
        from geoapp.articles import read_articles

        return [a.text for a in read_articles([ROOT / "seeds"], [])], "seeds/"


#: Runs the CLI in a child and prints the peak memory of its largest process (itself or one of the
#: worker processes ``extract`` starts on a long input) last on stderr.
_CHILD = (
    "import resource, sys\n"
    "from geoapp.cli import main\n"
    "code = main()  # reads sys.argv, as the command does\n"
    "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print('peak_kb', max(own, kids), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_extract(path: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one ``geoapp extract`` process on ``path``."""
    out = path.with_suffix(".out.jsonl")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, "extract", str(path), "-o", str(out)], cwd=ROOT,
                          stderr=subprocess.PIPE, text=True, env={**os.environ, "GEOAPP_GEOCODER": "offline"})
    if proc.returncode not in (0, 1):  # 1: some input line was refused, the rest went through
        raise RuntimeError(f"geoapp extract failed on {path}:\n{proc.stderr[-2000:]}")
    seconds = time.perf_counter() - t0
    peak_kb = int(proc.stderr.strip().splitlines()[-1].split()[-1])
    out.unlink(missing_ok=True)
    return seconds, peak_kb / 1024


def by_size(texts: list[str], sizes_mb: list[float], folder: Path) -> list[tuple]:
    joined = "\n\n".join(texts)
    rows = []
    for mb in sizes_mb:
        n = int(mb * 1_000_000)
        text = (joined * (n // len(joined) + 1))[:n]
        path = folder / f"size_{mb}.jsonl"
        path.write_text(json.dumps({"id": "big", "text": text, "lang": "en"}) + "\n", "utf-8")
        seconds, peak = run_extract(path)
        rows.append((f"{mb:g} MB", f"{seconds:.1f}", f"{seconds / mb:.1f}", f"{peak:.0f}"))
        path.unlink()
    return rows


def by_count(texts: list[str], counts: list[int], folder: Path) -> list[tuple]:
    rows = []
    for count in counts:
        path = folder / f"count_{count}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for i in range(count):
                fh.write(json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}) + "\n")
        seconds, peak = run_extract(path)
        rows.append((f"{count:,}", f"{seconds:.1f}", f"{count / seconds:.0f}", f"{peak:.0f}"))
        path.unlink()
    return rows


def table(head: tuple[str, ...], rows: list[tuple]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="0.1,1,5,10", help="article sizes in MB (comma-separated)")
    ap.add_argument("--counts", default="1000,5000,20000", help="article counts (comma-separated)")
    args = ap.parse_args(argv)
    texts, origin = source_texts()
    print(f"text: {origin}; {len(texts)} distinct articles; machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="geoapp-scaling-") as tmp:
        folder = Path(tmp)
        if args.sizes:
            sizes = sorted(float(s) for s in args.sizes.split(","))
            print("\nOne article of growing size (one process each):")
            print(table(("size", "seconds", "s per MB", "peak MB"), by_size(texts, sizes, folder)))
        if args.counts:
            counts = sorted(int(c) for c in args.counts.split(","))
            print("\nA stream of N articles (one process each):")
            print(table(("articles", "seconds", "articles/s", "peak MB"), by_count(texts, counts, folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
