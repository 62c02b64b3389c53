"""Articles per second of ``geoapp extract`` on one core, on N worker processes and on Dask, beside
geotext on the same texts in the same run, with cold start and peak memory; printed as a table.

    python benchmarks/throughput.py                     # 2,000 articles, all cores
    python benchmarks/throughput.py --articles 5000 --workers 2 --repeat 5

Every measurement is a fresh process timed from the outside, as a user runs it: ``geoapp extract``
(``python -m geoapp.cli``) writing JSONL (GeoParquet for Dask), and a small geotext script that reads
the same JSONL and runs ``GeoText`` on every text. Text: the GeoWebNews and devnews articles of
``../shared/eval`` cycled with fresh ids (real news, German and English), else the seed articles.

What to read: the ratio columns, not the seconds (other work on the machine moves the seconds,
and moves both sides of a ratio alike). ``marginal`` is the rate after start-up: (N - 1) articles
over the run's time less the one-article cold start. ``CPU s`` is the CPU time of the run and all
its processes: what parallel work costs beyond one core. Peak memory is the largest process (the
main one, or one worker). The machine line says how many cores two busy processes really get at
the start and at the end: on a shared machine that bounds what N workers can gain. geotext (MIT,
``pip install 'geoapp[bench]'``) is a gazetteer matcher without disambiguation: a yardstick for
speed, not for what is found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_697af04ae4cd89d0.txt"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scaling import source_texts, table  # noqa: E402  (the same texts as the scaling benchmark)

#: Runs a command's main() in this child and prints the peak memory of it and of its children.
_GEOAPP = (
    "import resource, sys\n"
    "from geoapp.cli import main\n"
    "if __name__ == '__main__':\n"
    "    code = main()  # reads sys.argv, as the command does\n"
    "    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime\n"
    "    print('peak_kb', max(own.ru_maxrss, kids.ru_maxrss), cpu, file=sys.stderr)\n"
    "    sys.exit(code)\n"
)
_GEOTEXT = (
    "import json, resource, sys\n"
    "from geotext import GeoText\n"
    "found = 0\n"
    "with open(sys.argv[1], encoding='utf-8') as fh:\n"
    "    for line in fh:\n"
    "        found += len(GeoText(json.loads(line)['text']).cities)\n"
    "print('found', found)\n"
    "own = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print('peak_kb', own.ru_maxrss, own.ru_utime + own.ru_stime, file=sys.stderr)\n"
)
#: Two busy processes for a moment: how many cores this run can really have (a shared machine may
#: give a session less than it has).
_BURN = (
    "import multiprocessing as mp, time\n"
    "def burn(seconds):\n"
    "    start, cpu = time.perf_counter(), time.process_time()\n"
    "    while time.perf_counter() - start < seconds:\n"
    "        pass\n"
    "    return time.process_time() - cpu\n"
    "if __name__ == '__main__':\n"
    "    with mp.get_context('fork').Pool(2) as pool:\n"
    "        print(sum(pool.map(burn, [3.0, 3.0])) / 3.0)\n"
)


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """(seconds, peak MB, CPU seconds of it and its children) of one child process."""
    env = {**os.environ, "GEOAPP_GEOCODER": "offline"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed:\n{proc.stderr[-2000:]}")
    peak = [line.split() for line in proc.stderr.splitlines() if line.startswith("peak_kb")][-1]
    return seconds, int(peak[1]) / 1024, float(peak[2])


def cores_available() -> float:
    """Core-seconds per second that two busy processes get right now (2.0 on an idle 2-core machine)."""
    return float(subprocess.run([sys.executable, "-c", _BURN], capture_output=True, text=True).stdout)


def geoapp(*args: str) -> list[str]:
    return [sys.executable, "-c", _GEOAPP, "extract", *args]


def median_time(cmd: list[str], repeat: int) -> float:
    return statistics.median(timed(cmd)[0] for _ in range(repeat))


def write_input(texts: list[str], count: int, folder: Path) -> tuple[Path, Path]:
    """The stream of ``count`` articles, and one article alone (for the cold start)."""
    stream, one = folder / "stream.jsonl", folder / "one.jsonl"
    with stream.open("w", encoding="utf-8") as fh:
        for i in range(count):
            fh.write(json.dumps({"id": f"a{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")
    one.write_text(json.dumps({"id": "a0", "text": texts[0]}, ensure_ascii=False) + "\n", "utf-8")
    return stream, one


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each cold start (the median is shown)")
    ap.add_argument("--rounds", type=int, default=1, help="runs of each engine, in rotation (median shown)")
    ap.add_argument("--no-dask", action="store_true", help="leave out the Dask engine")
    args = ap.parse_args(argv)
    try:
        import geotext  # noqa: F401
    except ImportError:
        print("geotext is not installed: pip install 'geoapp[bench]'", file=sys.stderr)
        return 2
    dask = not args.no_dask
    if dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            dask = False
    texts, origin = source_texts()
    chars = sum(len(texts[i % len(texts)]) for i in range(args.articles)) / args.articles
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"load average {load:.1f} at the start; two busy processes get {cores_available():.2f} cores")
    print(f"input: {args.articles:,} articles from {origin} ({len(texts)} distinct, cycled with fresh ids), "
          f"{chars:,.0f} characters on average")
    n = args.articles
    with tempfile.TemporaryDirectory(prefix="geoapp-throughput-") as tmp:
        folder = Path(tmp)
        stream, one = write_input(texts, n, folder)
        out = str(folder / "out.jsonl")
        cold_geoapp = median_time(geoapp(str(SEED), "--workers", "1", "-o", out), args.repeat)
        cold_one = median_time(geoapp(str(one), "--workers", "1", "-o", out), args.repeat)
        cold_geotext = median_time([sys.executable, "-c", _GEOTEXT, str(one)], args.repeat)
        commands = {
            "geotext": ([sys.executable, "-c", _GEOTEXT, str(stream)], cold_geotext),
            "geoapp, 1 core": (geoapp(str(stream), "--workers", "1", "-o", out), cold_one),
        }
        if args.workers > 1:
            commands[f"geoapp, {args.workers} workers"] = (
                geoapp(str(stream), "--workers", str(args.workers), "-o", out), cold_one)
        if dask:
            dask_args = ("--engine", "dask", "--workers", str(args.workers), "--format", "geoparquet", "-o")
            cold_dask = median_time(geoapp(str(one), *dask_args, str(folder / "one-ds")), 1)
            commands[f"geoapp, Dask ({args.workers} workers)"] = (
                geoapp(str(stream), *dask_args, str(folder / "ds")), cold_dask)
        # Rounds in rotation, so that a burst of other work on the machine hits every run alike.
        times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (cmd, _cold) in commands.items():
                times[name].append(timed(cmd))
        runs = {name: (statistics.median(t for t, _, _ in got), max(m for _, m, _ in got),
                       statistics.median(c for _, _, c in got), commands[name][1])
                for name, got in times.items()}
    base = n / runs["geotext"][0]
    single = n / runs["geoapp, 1 core"][0]
    rows = []
    for name, (seconds, peak, cpu, cold) in runs.items():
        rate = n / seconds
        marginal = f"{(n - 1) / (seconds - cold):,.0f}" if seconds > cold else "–"
        rows.append((name, f"{seconds:.1f}", f"{cpu:.1f}", f"{rate:,.0f}", marginal, f"{cold:.2f}",
                     f"{peak:,.0f}", f"{rate / base:.2f}", f"{rate / single:.2f}"))
    head = ("run", "seconds", "CPU s", "articles/s", "marginal/s", "cold start s", "peak MB", "× geotext",
            "× 1 core")
    print(f"\nmedian of {args.rounds} round(s) in rotation; cold start: median of {args.repeat}")
    print(table(head, rows))
    print(f"\ncold start of `geoapp extract {SEED.relative_to(ROOT)} -o FILE` (median of {args.repeat}): "
          f"{cold_geoapp:.2f} s; load average {os.getloadavg()[0]:.1f} at the end; two busy processes get "
          f"{cores_available():.2f} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
