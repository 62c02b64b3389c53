"""The ``geoapp`` command: a thin layer of argument parsing and progress over :mod:`geoapp.pipeline`.

Exit codes: 0 all inputs went through; 1 some input could not be read (each problem printed as one
line naming the file); 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .articles import ArticleError, DuplicateIds, expand_paths, read_path
from .inputfiles import is_url
from .model import NEEDS_REVIEW, Result

if TYPE_CHECKING:
    from .frames import NameMatch

EPILOG = "Docs: README.md. Data: GeoNames (CC BY 4.0), Unicode CLDR, Natural Earth."


class CliError(Exception):
    """A problem with how geoapp was called or configured: printed as one line, exit code 2."""


class Problems:
    """Input problems, each printed as one line the moment it is found, and counted.

    The readers report into anything with an ``append`` method; printing at once (instead of
    collecting a list for the end) keeps memory flat on a stream of 200,000 articles and puts every
    problem above the final summary line. Warnings (``ArticleError.warning``) are printed too but
    do not by themselves make the run fail.
    """

    def __init__(self) -> None:
        self.errors = 0
        self.warnings = 0

    def append(self, problem: ArticleError) -> None:
        if getattr(problem, "warning", False):
            self.warnings += 1
        else:
            self.errors += 1
        print(f"geoapp: {problem}", file=sys.stderr)

    def __len__(self) -> int:
        return self.errors + self.warnings

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def _progress(items: list, label: str) -> Iterable:
    """A progress bar on a terminal when there are many inputs; plain iteration otherwise."""
    if len(items) < 20 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="file", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _count(text: str) -> int:
    """A whole number >= 1, for argparse."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text!r}")
    return int(text)


def make_settings(args: argparse.Namespace):
    """The settings for these arguments; a bad setting or user agent is a :class:`CliError`."""
    from .settings import check_settings, load_settings

    try:
        settings = load_settings(
            geocoder=getattr(args, "geocoder", None),
            actors_file=getattr(args, "actors", None),
            cooccurrence=getattr(args, "cooccurrence", None) or None,
        )
        if getattr(args, "user_agent", None) is not None:
            named = settings.with_(user_agent=args.user_agent)
            settings = check_settings(named, {"user_agent": "--user-agent"})
        return settings
    except (ValueError, OSError) as exc:
        raise CliError(_one_line(exc)) from None


def make_parser(args: argparse.Namespace):
    """The pipeline for these arguments; a bad setting, registry or user agent is a :class:`CliError`."""
    from .pipeline import Geoparser

    settings = make_settings(args)
    try:
        return Geoparser(settings)
    except (ValueError, OSError) as exc:
        raise CliError(_one_line(exc)) from None


def make_engine(args: argparse.Namespace):
    """What parses for ``extract``: this process for ``--workers 1``, worker processes otherwise."""
    from .engines import ProcessEngine, SerialEngine, default_workers

    workers = args.workers or default_workers()
    if workers == 1:
        engine = SerialEngine(make_parser(args))
        if getattr(args, "own_process", False):
            from .engines import settle_heap

            settle_heap()
        return engine
    return ProcessEngine(make_settings(args), workers)


def _web_reader(urls: list[str], parser, max_items: int | None):
    """A reader for the web addresses ``urls`` (``max_items`` per feed, None for the default), or
    None when there are none; imported only then, so a run on files loads no HTTP code.

    A User-Agent the sites must not see is a :class:`CliError` before anything is fetched: one line,
    not the same line for every address.
    """
    if not urls:
        return None
    from .feeds import DEFAULT_MAX_ITEMS, WebReader
    from .fetch import user_agent_problem

    problem = user_agent_problem(parser.settings.user_agent, urls)
    if problem is not None:
        raise CliError(problem)
    return WebReader(parser.settings, max_items=DEFAULT_MAX_ITEMS if max_items is None else max_items)


def parse_inputs(
    paths: list[str], parser, problems: Problems, *, max_items: int | None = None
) -> Iterator[Result]:
    """Results of every article under ``paths`` (files, folders, ``-`` and web addresses of pages
    and feeds), one at a time, in input order. ``max_items`` bounds the items read per feed.

    ``parser`` is a :class:`~geoapp.pipeline.Geoparser` or an engine of :mod:`geoapp.engines`,
    whose article that could not be parsed is reported here as one error line.
    """
    web = _web_reader([p for p in paths if is_url(p)], parser, max_items)
    errors_before = len(problems)
    inputs: list[Path | str] = []
    for raw in paths:
        if is_url(raw):
            inputs.append(raw)
        else:
            inputs.extend(expand_paths([raw], problems))
    if not inputs and len(problems) == errors_before:
        problems.append(ArticleError(" ".join(paths), "no readable article files found"))

    def articles() -> Iterator:
        ids = DuplicateIds()  # ids only: memory stays flat on a long stream
        try:
            for item in _progress(inputs, "articles"):
                if isinstance(item, str):
                    yield from web.read(item, problems, ids)
                else:
                    yield from read_path(item, problems, ids)
        finally:
            if web is not None:
                for notice in web.fetcher.notices:
                    problems.append(ArticleError("web", notice, warning=True))
                web.close()

    for outcome in parser.parse_many(articles()):
        if isinstance(outcome, Result):
            yield outcome
        else:
            problems.append(outcome.problem())


class ReviewCount:
    """Counts the place mentions flagged :data:`~geoapp.model.NEEDS_REVIEW` (and how many of them
    are unresolved) in the results passing through, for one summary line at the end of a run."""

    def __init__(self) -> None:
        self.flagged = 0
        self.unresolved = 0

    def count(self, results: Iterable[Result]) -> Iterator[Result]:
        for result in results:
            for pm in result.places:
                if NEEDS_REVIEW in pm.flags:
                    self.flagged += 1
                    self.unresolved += pm.place is None
            yield result

    def report(self) -> None:
        if self.flagged:
            print(
                f"geoapp: {self.flagged} place mentions need review ({self.unresolved} unresolved); "
                f"see the {NEEDS_REVIEW} flag",
                file=sys.stderr,
            )


def cmd_extract(args: argparse.Namespace) -> int:
    from .export import GeoParquetWriter, ResultWriter
    from .fileio import AtomicFile, check_output_path

    if args.workers is not None and args.workers < 1:
        print("geoapp: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.engine == "dask":
        return cmd_extract_dask(args)
    if args.scheduler or args.partition_mb is not None:
        print("geoapp: --scheduler and --partition-mb are for --engine dask", file=sys.stderr)
        return 2
    to_file = bool(args.output and args.output != "-")
    if args.format == "geoparquet" and not to_file:
        # Checked before any parsing: binary Parquet on a terminal or pipe is never what was meant.
        print("geoapp: --format geoparquet writes a binary file: give -o FILE", file=sys.stderr)
        return 2
    if to_file:
        check_output_path(args.output)
    parser = make_engine(args)
    problems = Problems()
    review = ReviewCount()
    results = review.count(parse_inputs(args.paths, parser, problems, max_items=args.max_items))
    n_articles = n_places = 0
    if not to_file:
        writer = ResultWriter(args.format, sys.stdout)
        for result in results:
            writer.write(result)
        writer.finish()
        sys.stdout.flush()
        online = _online_problem(parser)
        review.report()
        return max(problems.exit_code, online)
    with AtomicFile(args.output, "wb" if args.format == "geoparquet" else "w") as out:
        parquet = args.format == "geoparquet"
        writer = GeoParquetWriter(out.fh) if parquet else ResultWriter(args.format, out.fh)
        for result in results:
            writer.write(result)
            n_articles += 1
            n_places += len(result.places)
        if n_articles == 0:
            # An old good output must not be replaced by an empty one.
            out.discard()
        else:
            writer.finish()
    if n_articles == 0:
        print(f"geoapp: nothing written to {args.output}: no article could be read", file=sys.stderr)
        return 1
    online = _online_problem(parser)
    print(f"geoapp: wrote {n_articles} articles, {n_places} place mentions to {args.output}", file=sys.stderr)
    review.report()
    return max(problems.exit_code, online)


def cmd_extract_dask(args: argparse.Namespace) -> int:
    """``--engine dask``: the same per-article parse on a Dask cluster, a GeoParquet dataset out."""
    if args.format != "geoparquet" or not args.output or args.output == "-":
        print("geoapp: --engine dask writes a partitioned dataset: give --format geoparquet -o DIR",
              file=sys.stderr)
        return 2
    if args.partition_mb is not None and args.partition_mb <= 0:
        print("geoapp: --partition-mb must be a number > 0", file=sys.stderr)
        return 2
    from .dask_engine import DaskMissing, run_dask

    settings = make_settings(args)
    problems = Problems()
    try:
        summary = run_dask(
            args.paths, args.output, settings, problems,
            scheduler=args.scheduler, workers=args.workers, partition_mb=args.partition_mb,
        )
    except DaskMissing as exc:
        print(f"geoapp: {exc}", file=sys.stderr)
        return 2
    if summary.articles == 0:
        print(f"geoapp: nothing written to {args.output}: no article could be read", file=sys.stderr)
        return 1
    online = 0
    if summary.lookup_problem:
        print(f"geoapp: {summary.lookup_problem}", file=sys.stderr)
        online = 1 if summary.skipped_lookups else 0
    print(
        f"geoapp: wrote {summary.articles} articles, {summary.rows} place points in {summary.files} "
        f"files to {args.output}",
        file=sys.stderr,
    )
    return max(problems.exit_code, online)


def _online_problem(parser) -> int:
    """One line when online lookups were skipped or failed; exit code 1 when any was skipped, since
    the user asked for them explicitly (``--geocoder online``)."""
    chain = getattr(parser, "chain", None)
    problem = chain.problem() if chain is not None else None
    if problem:
        print(f"geoapp: {problem}", file=sys.stderr)
        return 1 if chain.skipped_lookups else 0
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from .fileio import check_output_path
    from .frames import filter_frames, links_frame, match_actors, match_articles, places_frame
    from .maps import build_map, save_map

    check_output_path(args.output)
    parser = make_parser(args)
    problems = Problems()
    review = ReviewCount()
    results = list(review.count(parse_inputs(args.paths, parser, problems, max_items=args.max_items)))
    if not results:
        print(f"geoapp: no map written to {args.output}: no article could be read", file=sys.stderr)
        return 1
    online = _online_problem(parser)
    places, links = places_frame(results), links_frame(results)
    # --article and --actor are matched the way the app matches them (geoapp.frames): ids exactly or
    # folded, actors by any alias, surname, case or accent; a miss names the closest candidates.
    titles = {r.article.id: r.article.title for r in results}
    article_matches = match_articles(args.article or (), titles, titles)
    known = {am.actor.name: am.actor.kind for r in results for am in r.actors}
    actor_matches = match_actors(args.actor or (), known, parser.registry)
    missing = [f"no article with id {m.wanted!r}{_hint(m)}" for m in article_matches if not m.names]
    missing += [f"no actor {m.wanted!r} in these articles{_hint(m)}" for m in actor_matches if not m.names]
    for m in actor_matches:
        if m.names and m.names != [m.wanted]:
            print(f"geoapp: --actor {m.wanted!r} is {', '.join(m.names)}", file=sys.stderr)
    articles = [name for m in article_matches for name in m.names] or None
    actors = [name for m in actor_matches for name in m.names] or None
    if not missing:
        places, links = filter_frames(
            places, links, articles=articles, actors=actors, registry=parser.registry
        )
        if places.empty and (articles or actors):
            missing.append("no places left after the --article/--actor filters")
    if missing:
        # One line per problem, the last saying that nothing was written (the old map stays).
        for line in missing[:-1]:
            print(f"geoapp: {line}", file=sys.stderr)
        print(f"geoapp: {missing[-1]}; no map written to {args.output}", file=sys.stderr)
        return 1
    # The heading: the actors of an --actor filter, else the title of a one-article map (also the
    # page's <title>). Below it, or instead of it, the page names what the reader's filters show
    # ("N articles", or the one article's title).
    shown = list(dict.fromkeys(places["article_id"]))
    title = (titles.get(shown[0]) or shown[0]) if len(shown) == 1 else None
    if actors:
        title = ", ".join(dict.fromkeys(actors))
    # A self-contained map is for work that must not call out: no tiles unless asked for by name.
    tiles = args.tiles or (None if args.self_contained else "openstreetmap")
    if args.no_tiles:
        tiles = None
    m = build_map(places, links, title=title, tiles=tiles)
    path = save_map(m, args.output, self_contained=args.self_contained)
    print(f"geoapp: map of {len(places)} places and {len(links)} links written to {path}", file=sys.stderr)
    print(
        f"geoapp: open {path.resolve().as_uri()} in a browser; for the app: streamlit run app.py",
        file=sys.stderr,
    )
    review.report()
    return max(problems.exit_code, online)


def _hint(match: NameMatch) -> str:
    return f"; closest: {', '.join(match.closest)}" if match.closest else ""


#: Commands defined in this module. A run of one of them needs no other command's definitions, so
#: :func:`main` leaves out the geocode and eval commands, whose definitions import their modules
#: (the evaluation harness and the geocode cache: ~65 ms of a one-article ``extract``).
_OWN_COMMANDS = frozenset({"extract", "map"})


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; ``only`` one of :data:`_OWN_COMMANDS` leaves out the commands
    defined elsewhere (parsing ``only``'s own arguments is the same with or without them)."""
    parser = argparse.ArgumentParser(
        prog="geoapp",
        description="Find the places (and actors) in news articles, offline, and map them.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"geoapp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="article files (.txt .md .html .json .jsonl), folders of them, - for stdin, or web "
            "addresses (http/https) of article pages and RSS/Atom feeds",
        )
        p.add_argument(
            "--user-agent",
            metavar="TEXT",
            help="who is asking, sent with every web request (default GEOAPP_USER_AGENT): your "
            "application and a contact, e.g. 'myteam-geoapp/0.1 (me@example.org)'",
        )
        p.add_argument(
            "--max-items",
            type=_count,
            metavar="N",
            help="items read per feed (default 50)",
        )
        p.add_argument(
            "--geocoder",
            choices=["offline", "online"],
            help="offline: gazetteer and cache only (default, or GEOAPP_GEOCODER); "
            "online: also ask Nominatim for what the gazetteer lacks",
        )
        p.add_argument(
            "--actors",
            type=Path,
            metavar="FILE",
            help="your own actor registry (YAML), merged over the shipped one",
        )
        p.add_argument(
            "--cooccurrence",
            action="store_true",
            help='also link every actor and place named in one sentence ("mentioned with"); '
            "off by default: co-occurrence is no evidence",
        )

    from .partitions import DEFAULT_PARTITION_MB

    p = sub.add_parser(
        "extract",
        help="write places (and actors, links) per article",
        description="Extract place mentions with offsets and coordinates from articles.",
    )
    inputs(p)
    p.add_argument(
        "--format",
        choices=["jsonl", "geojson", "csv", "acled", "geoparquet"],
        default="jsonl",
        help="jsonl: one object per article (the stable contract, default); geojson: one point "
        "per resolved mention (RFC 7946); csv: one row per mention; acled: ACLED-like CSV, one "
        "row per place per article; geoparquet: the geojson rows as GeoParquet (needs -o FILE)",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE",
        help="output file (default: standard output); a folder for --engine dask",
    )
    p.add_argument(
        "--workers", type=int, metavar="N",
        help=f"processes that parse in parallel (default {default_cores()}: one per core; 1: parse in "
        "this process); with --engine dask, the workers of the local cluster",
    )
    p.add_argument(
        "--engine", choices=["processes", "dask"], default="processes",
        help="processes: this machine's cores (default); dask: a Dask cluster (pip install "
        "'geoapp[scale]'), reading JSONL and Parquet shards as partitions and writing one "
        "GeoParquet file per partition into the folder -o (needs --format geoparquet)",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="with --engine dask: the scheduler of a running cluster (tcp://host:8786); "
        "default: a local cluster of --workers processes",
    )
    p.add_argument(
        "--partition-mb", type=float, metavar="MB",
        help="with --engine dask: split JSONL files into partitions of about this many MB "
        f"(default {DEFAULT_PARTITION_MB:g})",
    )
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser(
        "map",
        help="write an interactive HTML map",
        description="Build a Leaflet map of the places (and actor links) in the articles.",
    )
    inputs(p)
    p.add_argument("-o", "--output", metavar="FILE", default="map.html", help="HTML file (default map.html)")
    p.add_argument("--article", action="append", metavar="ID", help="only this article (repeatable)")
    p.add_argument(
        "--actor", action="append", metavar="NAME", help="only this actor's links and places (repeatable)"
    )
    p.add_argument(
        "--self-contained",
        action="store_true",
        help="inline Leaflet and all assets: one file that makes no external request",
    )
    p.add_argument(
        "--tiles",
        metavar="NAME|URL",
        help="tile layer shown when online (default openstreetmap, none with --self-contained); "
        "the offline country outlines are always drawn underneath",
    )
    p.add_argument("--no-tiles", action="store_true", help="no tile layer at all (no external requests)")
    p.set_defaults(func=cmd_map)

    if only in _OWN_COMMANDS:
        return parser
    from .evaluation.runner import register as register_eval
    from .geocode.commands import register as register_geocode

    register_geocode(sub)
    register_eval(sub)
    return parser


def default_cores() -> int:
    from .engines import default_workers

    return default_workers()


def main(argv: list[str] | None = None) -> int:
    from .engines import EngineError
    from .fileio import OutputError, terminate_cleanly

    args_in = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=args_in[0] if args_in else None)
    args = parser.parse_args(args_in)
    # Run as the command (no argv given): the process is geoapp's own, and extract may tune its
    # garbage collector (engines.settle_heap); a caller passing argv (tests, scripts) keeps its own.
    args.own_process = argv is None
    terminate_cleanly()
    try:
        return args.func(args)
    except (CliError, OutputError) as exc:
        print(f"geoapp: {exc}", file=sys.stderr)
        return 2
    except EngineError as exc:
        print(f"geoapp: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("geoapp: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``geoapp … | head``): stop quietly; further writes (including the
        # interpreter's final flush) go to /dev/null instead of raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
