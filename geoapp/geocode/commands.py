"""The ``geocode`` and ``cache`` subcommands, as thin argparse layers over the geocode library.

Kept here rather than in ``geoapp/cli.py`` so the geocoding stage owns its own user interface and the
main CLI only calls :func:`register`. Each handler takes the parsed namespace and returns an exit code:
0 done, 1 some lookups failed, 2 the configuration or the cache file is unusable.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from geoapp.geocode.cache import CacheError, GeocodeCache
from geoapp.geocode.chain import OSM_ATTRIBUTION, GeocoderChain
from geoapp.geocode.nominatim import LookupResult, UserAgentError
from geoapp.model import Candidate
from geoapp.settings import Settings, load_settings


def register(subparsers: Any) -> None:
    """Add ``geocode`` and ``cache`` to the main CLI's ``add_subparsers()`` object."""
    p = subparsers.add_parser(
        "geocode",
        help="look up place names (gazetteer, cache, and Nominatim with --online)",
        description="Print each query's candidates with the source that answered and coordinates.",
    )
    p.add_argument("queries", nargs="+", metavar="QUERY", help="place names to look up")
    p.add_argument(
        "--online", action="store_true", help="also ask Nominatim (same as GEOAPP_GEOCODER=online)"
    )
    p.add_argument("--lang", default="en", help="preferred language of the names (default: en)")
    p.add_argument(
        "--country",
        action="append",
        metavar="CC",
        help="restrict to an ISO country code; repeat for several",
    )
    p.add_argument("--featuretype", choices=["country", "state", "city", "settlement"], default=None)
    p.add_argument("--limit", type=int, default=10, help="at most this many candidates (default: 10)")
    p.add_argument("--cache-dir", default=None, help="cache directory (default: GEOAPP_CACHE_DIR or cache/)")
    p.set_defaults(func=cmd_geocode)

    c = subparsers.add_parser("cache", help="inspect, export, import or clear the geocode cache")
    c.add_argument("--cache-dir", default=None, help="cache directory (default: GEOAPP_CACHE_DIR or cache/)")
    sub = c.add_subparsers(dest="cache_command", required=True, metavar="{stats,export,import,clear}")
    s = sub.add_parser("stats", help="rows, found / not found, size, age range")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    e = sub.add_parser("export", help="write the cache as JSONL (atomically)")
    e.add_argument("file")
    e.add_argument("--corrections", action="store_true", help="export the user corrections instead")
    i = sub.add_parser("import", help="merge a JSONL export (newer entries win)")
    i.add_argument("file")
    i.add_argument("--corrections", action="store_true", help="import user corrections instead")
    k = sub.add_parser("clear", help="delete cached answers (user corrections are kept)")
    k.add_argument(
        "--older-than", type=float, default=None, metavar="DAYS", help="only entries older than this"
    )
    c.set_defaults(func=cmd_cache)


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    """The main CLI may put a ready ``Settings`` on ``args.settings``; otherwise read the environment."""
    base = getattr(args, "settings", None)
    if not isinstance(base, Settings):
        base = load_settings()
    return base.with_(cache_dir=getattr(args, "cache_dir", None), **overrides)


class _EmptyGazetteer:
    """Stands in when the gazetteer cannot be loaded, so the cache and Nominatim still answer."""

    def candidates(self, key: str) -> list[Candidate]:
        return []


def _default_gazetteer() -> Any:
    """Load the shipped gazetteer lazily: importing it costs time and is not needed for ``cache``."""
    try:
        from geoapp.gazetteer import Gazetteer
    except ImportError as exc:
        print(f"warning: gazetteer unavailable ({exc}); using cache/Nominatim only", file=sys.stderr)
        return _EmptyGazetteer()
    return Gazetteer.default()


def _format(result: LookupResult, query: str) -> list[str]:
    head = f"{query}  [{result.source}, {result.status}"
    # A skip's reason is the run-wide offline notice, logged once; repeating it per query is noise.
    head += f": {result.error}]" if result.error and result.status == "error" else "]"
    lines = [head]
    for n, c in enumerate(result.candidates, 1):
        lines.append(
            f"  {n:2d}. {c.name}  {c.lat:.5f}, {c.lon:.5f}  {c.country_code or '--'}  {c.feature}"
            f"  {c.feature_code}  source={c.source}  importance={c.importance:.2f}"
        )
    return lines


def cmd_geocode(args: argparse.Namespace) -> int:
    """``geoapp geocode QUERY… [--online]``: print candidates per query; 1 if any lookup failed."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    settings = _settings(args, geocoder="online" if args.online else None)
    try:
        chain = GeocoderChain(_default_gazetteer(), settings)
    except (UserAgentError, CacheError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = False
    for query in args.queries:
        result = chain.lookup(
            query, lang=args.lang, country_codes=args.country, featuretype=args.featuretype, limit=args.limit
        )
        failed |= result.status == "error"
        print("\n".join(_format(result, query)))
    if chain.attribution_needed:
        print(f"Data {OSM_ATTRIBUTION} (via Nominatim)")
    return 1 if failed else 0


def cmd_cache(args: argparse.Namespace) -> int:
    """``geoapp cache stats|export FILE|import FILE|clear [--older-than DAYS]``."""
    settings = _settings(args)
    try:
        cache = GeocodeCache.from_settings(settings)
    except CacheError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for notice in cache.notices:
        print(f"warning: {notice}", file=sys.stderr)
    with cache:
        command = args.cache_command
        if command == "stats":
            stats = cache.stats()
            if args.json:
                print(json.dumps(stats, ensure_ascii=False))
            else:
                width = max(len(k) for k in stats)
                for key, value in stats.items():
                    print(f"{key:<{width}}  {value}")
        elif command == "export":
            if args.corrections:
                print(f"exported {cache.export_corrections(args.file)} corrections to {args.file}")
            else:
                print(f"exported {cache.export_jsonl(args.file)} answers to {args.file}")
        elif command == "import":
            try:
                n = cache.import_corrections(args.file) if args.corrections else cache.import_jsonl(args.file)
            except (OSError, ValueError, KeyError) as exc:
                print(f"error: cannot import {args.file}: {exc}", file=sys.stderr)
                return 2
            print(f"imported {n} {'corrections' if args.corrections else 'answers'} from {args.file}")
        elif command == "clear":
            n = cache.clear(older_than=args.older_than)
            scope = f" older than {args.older_than:g} days" if args.older_than is not None else ""
            print(f"deleted {n} answers{scope}")
    return 0
