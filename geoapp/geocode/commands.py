"""The ``geocode`` and ``cache`` subcommands, as thin argparse layers over the geocode library.

Kept here rather than in ``geoapp/cli.py`` so the geocoding stage owns its own user interface and the
main CLI only calls :func:`register`. Each handler takes the parsed namespace and returns an exit code:
0 done, 1 some lookups failed or were skipped (or some imported records were refused), 2 the
configuration or the cache file is unusable. Every failure is one line on stderr, never a traceback;
a reader that stops early (``| head -1``) ends the command quietly (:func:`guard_broken_pipe`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from geoapp.geocode.cache import CacheError, GeocodeCache
from geoapp.geocode.errors import GeocodeSetupError
from geoapp.model import Candidate
from geoapp.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from geoapp.geocode.nominatim import LookupResult

#: Exit status after the reader of our output went away, as a shell reports a process killed by SIGPIPE.
EXIT_BROKEN_PIPE = 141
#: At most this many refused import records are listed one by one; the rest are counted.
MAX_LISTED_PROBLEMS = 20
_LANG = re.compile(r"[A-Za-z0-9,;=.*_ -]{0,100}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def guard_broken_pipe(run: Callable[[], int]) -> int:
    """Run a command and flush its output; if the reader has gone (``geoapp … | head -1``), end
    quietly with :data:`EXIT_BROKEN_PIPE` instead of a traceback.

    Why the flush inside and the redirect: output to a pipe is buffered, so the error often comes
    only at the interpreter's final flush, which would print "Exception ignored …"; pointing stdout
    at /dev/null after the first failure leaves nothing for that flush to fail on.
    """
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # stdout is not a real file (captured): nothing left to flush
            pass
        return EXIT_BROKEN_PIPE


def _limit(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 40:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to 40 (Nominatim's maximum), not {raw!r}"
        )
    return value


def _country(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", raw.strip()):
        raise argparse.ArgumentTypeError(f"must be a two-letter ISO country code such as DE, not {raw!r}")
    return raw.strip().upper()


def _lang(raw: str) -> str:
    if not _LANG.fullmatch(raw):
        raise argparse.ArgumentTypeError(f"must be language codes such as 'de' or 'de,en', not {raw[:40]!r}")
    return raw


def _days(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (0 <= value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number of days >= 0, not {raw!r}")
    return value


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
    p.add_argument("--lang", type=_lang, default="en", help="preferred language of the names (default: en)")
    p.add_argument(
        "--country",
        action="append",
        type=_country,
        metavar="CC",
        help="restrict to an ISO country code; repeat for several",
    )
    p.add_argument("--featuretype", choices=["country", "state", "city", "settlement"], default=None)
    p.add_argument(
        "--limit", type=_limit, default=10, help="at most this many candidates (1-40, default: 10)"
    )
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
    i = sub.add_parser("import", help="merge a JSONL export (newer entries win; bad records are refused)")
    i.add_argument("file")
    i.add_argument("--corrections", action="store_true", help="import user corrections instead")
    k = sub.add_parser("clear", help="delete cached answers (user corrections are kept)")
    k.add_argument(
        "--older-than", type=_days, default=None, metavar="DAYS", help="only entries older than this"
    )
    c.set_defaults(func=cmd_cache)


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    """The main CLI may put a ready ``Settings`` on ``args.settings``; otherwise read the environment."""
    base = getattr(args, "settings", None)
    if not isinstance(base, Settings):
        base = load_settings()
    return base.with_(cache_dir=getattr(args, "cache_dir", None), **overrides)


def _log_warnings() -> None:
    """Library warnings (a cache file set aside, the service unreachable) as one line each."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


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


def _shown(text: str) -> str:
    """Text as it can be printed on one line of a terminal: bytes that were not text (from the
    command line) and control characters (a server's escape sequences, line breaks) escaped."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _format(result: LookupResult, query: str) -> list[str]:
    head = f"{_shown(query)}  [{result.source}, {result.status}"
    # A skip's reason is the run-wide offline notice, logged once; repeating it per query is noise.
    head += f": {_shown(result.error)}]" if result.error and result.status == "error" else "]"
    lines = [head]
    for n, c in enumerate(result.candidates, 1):
        lines.append(
            f"  {n:2d}. {_shown(c.name)}  {c.lat:.5f}, {c.lon:.5f}  {c.country_code or '--'}  {c.feature}"
            f"  {_shown(c.feature_code)}  source={c.source}  importance={c.importance:.2f}"
        )
    return lines


def cmd_geocode(args: argparse.Namespace) -> int:
    """``geoapp geocode QUERY… [--online]``: print candidates per query.

    Exit 1 when any lookup failed, or when ``--online`` was asked for and the service could not be
    reached (the last line says how many lookups were skipped); 2 when online lookups cannot start.
    """
    return guard_broken_pipe(lambda: _geocode(args))


def _geocode(args: argparse.Namespace) -> int:
    # Here, not at the top: the chain brings geopy and requests, which every other command (and
    # ``geoapp extract``, which registers this one) would otherwise import for nothing.
    from geoapp.geocode.chain import OSM_ATTRIBUTION, GeocoderChain

    _log_warnings()
    try:
        settings = _settings(args, geocoder="online" if args.online else None)
        chain = GeocoderChain(_default_gazetteer(), settings)
    except (SettingsError, GeocodeSetupError) as exc:
        return _fail(str(exc))
    failed = False
    for query in args.queries:
        result = chain.lookup(
            query, lang=args.lang, country_codes=args.country, featuretype=args.featuretype, limit=args.limit
        )
        failed |= result.status == "error"
        print("\n".join(_format(result, query)), flush=True)
    if chain.attribution_needed:
        print(f"Data {OSM_ATTRIBUTION} (via Nominatim)")
    problem = chain.problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if failed or chain.skipped_lookups else 0


def cmd_cache(args: argparse.Namespace) -> int:
    """``geoapp cache stats|export FILE|import FILE|clear [--older-than DAYS]``.

    The file is checked on opening (SQLite's ``quick_check``): a damaged one is repaired first,
    keeping every row that can still be read, so ``stats`` and ``export`` see what is left.
    """
    return guard_broken_pipe(lambda: _cache(args))


def _cache(args: argparse.Namespace) -> int:
    _log_warnings()
    try:
        cache = GeocodeCache.from_settings(_settings(args), verify=True)
    except (SettingsError, GeocodeSetupError) as exc:
        return _fail(str(exc))
    with cache:
        try:
            return _cache_command(cache, args)
        except CacheError as exc:
            return _fail(str(exc))
        except sqlite3.Error as exc:
            return _fail(f"geocode cache {cache.path}: {exc}")


def _cache_command(cache: GeocodeCache, args: argparse.Namespace) -> int:
    command = args.cache_command
    what = "corrections" if getattr(args, "corrections", False) else "answers"
    problems: list[str] = []
    if command == "stats":
        stats = cache.stats()
        if args.json:
            print(json.dumps(stats, ensure_ascii=False))
        else:
            width = max(len(k) for k in stats)
            for key, value in stats.items():
                print(f"{key:<{width}}  {value}")
    elif command == "export":
        try:
            if args.corrections:
                n = cache.export_corrections(args.file, problems)
            else:
                n = cache.export_jsonl(args.file, problems)
        except OSError as exc:
            return _fail(f"cannot write {args.file}: {exc.strerror or exc}")
        _print_problems(problems, "left out")
        print(f"exported {n} {what} to {args.file}" + (f"; left out {len(problems)}" if problems else ""))
    elif command == "import":
        try:
            if args.corrections:
                n = cache.import_corrections(args.file, problems)
            else:
                n = cache.import_jsonl(args.file, problems)
        except OSError as exc:
            return _fail(f"cannot import {args.file}: {exc.strerror or exc}")
        _print_problems(problems, "refused")
        print(
            f"imported {n} {what} from {args.file}"
            + (f"; refused {len(problems)} records" if problems else "")
        )
        return 1 if problems else 0
    elif command == "clear":
        n = cache.clear(older_than=args.older_than)
        scope = f" older than {args.older_than:g} days" if args.older_than is not None else ""
        print(f"deleted {n} answers{scope}")
    return 0


def _print_problems(problems: list[str], label: str) -> None:
    for line in problems[:MAX_LISTED_PROBLEMS]:
        print(f"{label}: {line}", file=sys.stderr)
    if len(problems) > MAX_LISTED_PROBLEMS:
        print(f"{label}: … and {len(problems) - MAX_LISTED_PROBLEMS} more", file=sys.stderr)
