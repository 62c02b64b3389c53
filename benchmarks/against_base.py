"""CPU seconds of ``geoapp extract`` on one core, this tree against another (the base), in turns.

    git archive b52c605 | (mkdir -p /tmp/base && tar -x -C /tmp/base)
    python benchmarks/against_base.py --base /tmp/base --articles 2000 --rounds 3

Why CPU seconds in turns: on a shared machine wall time measures the other work; the child's user +
system CPU moves much less, and running base and this tree alternately puts both under the same
load. Each run is a fresh ``python -m geoapp.cli extract`` of one tree (its own ``PYTHONPATH``,
offline, a warm cache folder of its own) on the same JSONL stream: the GeoWebNews and devnews texts
of ``../shared/eval`` cycled with fresh ids (else ``seeds/``). The one-article run gives the start-up;
the marginal rate is (N − 1) / (CPU of N − CPU of one). A tree whose ``extract`` has no
``--workers`` flag (older than issue 13) runs on one core anyway.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scaling import source_texts, table  # noqa: E402


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_extract(tree: Path, cache: Path, source: Path, out: Path) -> float:
    """CPU seconds of one ``extract`` of ``tree`` (the child and any process it started)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "GEOAPP_GEOCODER": "offline",
           "GEOAPP_CACHE_DIR": str(cache)}
    cli = (tree / "geoapp" / "cli.py").read_text("utf-8")
    workers = ["--workers", "1"] if "--workers" in cli else []
    cmd = [sys.executable, "-m", "geoapp.cli", "extract", str(source), *workers, "-o", str(out)]
    before = child_cpu()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{tree}: extract failed:\n{proc.stderr[-2000:]}")
    return child_cpu() - before


def write_stream(path: Path, texts: list[str], n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="a checkout of the commit to compare with")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each tree, alternated (median shown)")
    args = ap.parse_args(argv)
    texts, origin = source_texts()
    trees = {"base": args.base.resolve(), "this tree": ROOT}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        one, many = work / "one.jsonl", work / "many.jsonl"
        write_stream(one, texts, 1)
        write_stream(many, texts, args.articles)
        caches = {name: work / f"cache-{k}" for k, name in enumerate(trees)}
        for name, tree in trees.items():  # warm each tree's cache folder (gazetteer copies etc.)
            caches[name].mkdir()
            run_extract(tree, caches[name], one, work / "warm.jsonl")
        cpu: dict[str, dict[str, list[float]]] = {name: {"one": [], "many": []} for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                cpu[name]["one"].append(run_extract(tree, caches[name], one, work / "o1.jsonl"))
                cpu[name]["many"].append(run_extract(tree, caches[name], many, work / "o2.jsonl"))
    rows = []
    for name in trees:
        start = statistics.median(cpu[name]["one"])
        total = statistics.median(cpu[name]["many"])
        marginal = (args.articles - 1) / max(total - start, 1e-9)
        rows.append([name, f"{args.articles:,}", f"{total:.2f}", f"{start:.2f}", f"{marginal:.0f}"])
    print(f"input: {args.articles:,} articles from {origin}; median of {args.rounds} alternated rounds")
    print(table(["tree", "articles", "CPU s", "start-up CPU s", "marginal articles per CPU s"], rows))
    base_rate, this_rate = (float(r[-1]) for r in rows)
    print(f"this tree / base: {this_rate / base_rate:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
