"""Benchmark of the offline gazetteer: cold load, memory, size and look-up speed.

Why in a fresh subprocess: a cold ``Gazetteer.load()`` (imports, decompression, splitting) is what
a user's first ``geoapp extract`` pays; measuring inside a warm interpreter would hide it.
Run ``python benchmarks/gazetteer_load.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CHILD = r"""
import json, resource, time
t0 = time.perf_counter()
from geoapp.gazetteer import Gazetteer
g = Gazetteer.load()
t1 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "entries": len(g), "keys": g.n_keys}))
"""

KEYS = [
    "pjongjang",
    "kursk",
    "russland",
    "nordkorea",
    "ukraine",
    "moskau",
    "berlin",
    "paris",
    "die",
    "und",
    "sonntag",
    "washington",
    "new york",
    "xyzzy",
    "the",
    "region",
    "mehr",
    "kiew",
]


def main() -> int:
    from geoapp.gazetteer import DEFAULT_PATH, Gazetteer

    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        runs.append(json.loads(out.stdout))
    g = Gazetteer.load()
    n = 200_000
    t = time.perf_counter()
    for i in range(n):
        g.has(KEYS[i % len(KEYS)])
    has_us = (time.perf_counter() - t) / n * 1e6
    t = time.perf_counter()
    for i in range(n):
        g.candidates(KEYS[i % len(KEYS)])
    cand_us = (time.perf_counter() - t) / n * 1e6
    rows = [
        ("file", f"{DEFAULT_PATH.name} {DEFAULT_PATH.stat().st_size / 1e6:.1f} MB"),
        (
            "cold load (fresh process, best/worst of 3)",
            f"{min(r['load_s'] for r in runs):.2f} / {max(r['load_s'] for r in runs):.2f} s",
        ),
        ("peak RSS after load", f"{max(r['peak_rss_mb'] for r in runs):.0f} MB"),
        ("entries / keys", f"{runs[0]['entries']:,} / {runs[0]['keys']:,}"),
        ("has(key)", f"{has_us:.2f} µs"),
        ("candidates(key) (warm)", f"{cand_us:.2f} µs"),
    ]
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
