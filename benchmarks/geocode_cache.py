"""How fast cached lookups are, and how fast Nominatim is actually asked, measured offline.

Why: the issue's closing note must report both numbers, and they answer the two questions users ask:
"does the cache make re-runs fast?" (lookups per second from a warm SQLite file) and "does the rate
limit really hold?" (requests per second seen by a server, with the default 1 s delay), also when
several ``geoapp geocode --online`` processes share one cache folder (each process a real
``python -m geoapp.cli`` run of this checkout, all asking the same names in different orders, so
a process that does not coordinate sends more than 1 request per second and asks names twice).
The server is the test suite's loopback fake, so nothing leaves 127.0.0.1.

Run: ``python benchmarks/geocode_cache.py [--lookups 20000] [--requests 5] [--delay 1.0]
[--processes 1 2 4] [--names 12] [--latency 0.2]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from nominatim_server import FakeNominatim  # noqa: E402

from geoapp.geocode.cache import GeocodeCache  # noqa: E402
from geoapp.geocode.nominatim import NominatimGeocoder  # noqa: E402
from geoapp.settings import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lookups", type=int, default=20_000, help="cached lookups to time")
    ap.add_argument("--requests", type=int, default=5, help="uncached requests to time")
    ap.add_argument("--delay", type=float, default=Settings().min_delay_seconds, help="min delay (s)")
    ap.add_argument("--processes", type=int, nargs="*", default=[1, 2, 4], help="process counts to run")
    ap.add_argument("--names", type=int, default=12, help="uncached names each process asks")
    ap.add_argument("--latency", type=float, default=0.2, help="seconds the fake server takes per answer")
    args = ap.parse_args(argv)

    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp, FakeNominatim() as server:
        settings = Settings(
            geocoder="online",
            nominatim_url=server.url,
            user_agent="geoapp-benchmark/0.1 (benchmark@example.org)",
            cache_dir=Path(tmp),
            min_delay_seconds=args.delay,
        )
        with GeocodeCache(Path(tmp) / "geocode.sqlite") as cache:
            geo = NominatimGeocoder(settings, cache)

            # 1. the request rate against the local server, uncached queries, default delay
            queries = ["Kalma", "Wonsan Kalma", "Kangwon", "Lehrter Bahnhof"]
            queries += [f"Nowhere {i}" for i in range(max(0, args.requests - len(queries)))]
            queries = queries[: args.requests]
            start = time.perf_counter()
            for q in queries:
                geo.candidates(q)
            elapsed = time.perf_counter() - start
            times = [r.time for r in server.search_requests]
            span = times[-1] - times[0] if len(times) > 1 else float("nan")
            gaps = [b - a for a, b in zip(times, times[1:])]
            rows.append(("uncached requests", f"{len(times)}", f"{elapsed:.2f} s wall"))
            rows.append(
                ("request rate at server", f"{(len(times) - 1) / span:.3f} req/s", f"delay {args.delay:g} s")
            )
            rows.append(("min gap between requests", f"{min(gaps):.3f} s" if gaps else "-", "seen by server"))

            # 2. cached lookups from the warm file (these never wait for the limiter)
            before = len(server.search_requests)
            start = time.perf_counter()
            for i in range(args.lookups):
                geo.candidates(queries[i % len(queries)])
            elapsed = time.perf_counter() - start
            assert len(server.search_requests) == before, "a cached lookup reached the server"
            rows.append(
                ("cached lookups", f"{args.lookups / elapsed:,.0f} /s", f"{args.lookups} in {elapsed:.2f} s")
            )

            # 3. the raw cache get, without candidate mapping
            params = {"provider": "nominatim", "endpoint": server.url, "lang": "en"}
            cache.put("bench", params, [{"lat": "1", "lon": "2"}])
            start = time.perf_counter()
            for _ in range(args.lookups):
                cache.get("bench", params)
            elapsed = time.perf_counter() - start
            rows.append(("GeocodeCache.get", f"{args.lookups / elapsed:,.0f} /s", "warm SQLite, WAL"))

    for n in args.processes:
        rows.extend(multi_process_rows(n, args.names, args.delay, args.latency))

    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'measure':<{width[0]}}  {'value':>{width[1]}}  note")
    for name, value, note in rows:
        print(f"{name:<{width[0]}}  {value:>{width[1]}}  {note}")
    return 0


def multi_process_rows(
    processes: int, names: int, delay: float, latency: float
) -> list[tuple[str, str, str]]:
    """``processes`` CLI runs on one fresh cache folder, each asking the same ``names`` uncached
    names (rotated, so they collide); what the server saw: the request rate and repeated questions."""
    pool = [f"Qxz hamlet {i}" for i in range(names)]
    with tempfile.TemporaryDirectory() as tmp, FakeNominatim(latency=latency) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GEOAPP_")}
        env.update(
            GEOAPP_NOMINATIM_URL=server.url,
            GEOAPP_USER_AGENT="geoapp-benchmark/0.1 (benchmark@example.org)",
            GEOAPP_CACHE_DIR=tmp,
            GEOAPP_MIN_DELAY=f"{delay}",
        )
        step = max(1, names // max(processes, 1))
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "geoapp.cli",
                    "geocode",
                    "--online",
                    *(pool[i * step :] + pool[: i * step]),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(processes)
        ]
        for p in procs:
            p.wait(timeout=600)
        queries = server.queries
        gaps = server.gaps()
    span = sum(gaps)
    rate = f"{(len(queries) - 1) / span:.3f} req/s" if span > 0 else "-"
    label = f"{processes} process{'es' if processes > 1 else ''}"
    note = f"{len(queries)} requests for {names} names, delay {delay:g} s"
    note += f", min gap {min(gaps, default=0):.3f} s"
    return [
        (f"{label}: rate at server", rate, note),
        (f"{label}: repeated questions", f"{len(queries) - len(set(queries))}", "same name asked again"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
