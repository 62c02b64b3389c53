"""How fast cached lookups are, and how fast Nominatim is actually asked, measured offline.

Why: the issue's closing note must report both numbers, and they answer the two questions users ask:
"does the cache make re-runs fast?" (lookups per second from a warm SQLite file) and "does the rate
limit really hold?" (requests per second seen by a server, with the default 1 s delay). The server is
the test suite's loopback fake, so nothing leaves 127.0.0.1.

Run: ``python benchmarks/geocode_cache.py [--lookups 20000] [--requests 5] [--delay 1.0]``
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

from nominatim_server import FakeNominatim  # noqa: E402

from geoapp.geocode.cache import GeocodeCache  # noqa: E402
from geoapp.geocode.nominatim import NominatimGeocoder  # noqa: E402
from geoapp.settings import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lookups", type=int, default=20_000, help="cached lookups to time")
    ap.add_argument("--requests", type=int, default=5, help="uncached requests to time")
    ap.add_argument("--delay", type=float, default=Settings().min_delay_seconds, help="min delay (s)")
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

    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'measure':<{width[0]}}  {'value':>{width[1]}}  note")
    for name, value, note in rows:
        print(f"{name:<{width[0]}}  {value:>{width[1]}}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
