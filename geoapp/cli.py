"""The ``geoapp`` command: a thin layer of argument parsing and progress over :mod:`geoapp.pipeline`.

Exit codes: 0 all inputs went through; 1 some input could not be read (each problem printed as one
line naming the file); 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import __version__
from .articles import ArticleError, expand_paths, read_path
from .model import Result

EPILOG = "Docs: README.md. Data: GeoNames (CC BY 4.0), Unicode CLDR, Natural Earth."


def _progress(items: list, label: str) -> Iterable:
    """A progress bar on a terminal when there are many inputs; plain iteration otherwise."""
    if len(items) < 20 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="file", file=sys.stderr)


def _parse_inputs(paths: list[str], args: argparse.Namespace) -> tuple[list[Result], list[ArticleError]]:
    from .pipeline import Geoparser
    from .settings import load_settings

    settings = load_settings(
        geocoder=getattr(args, "geocoder", None), actors_file=getattr(args, "actors", None)
    )
    parser = Geoparser(settings)
    errors: list[ArticleError] = []
    files = expand_paths(paths)
    if not files:
        errors.append(ArticleError(" ".join(paths), "no readable article files found"))

    def articles() -> Iterator:
        for path in _progress(files, "articles"):
            yield from read_path(path, errors)

    results = list(parser.parse_many(articles()))
    return results, errors


def _report(errors: list[ArticleError]) -> int:
    for error in errors:
        print(f"geoapp: {error}", file=sys.stderr)
    return 1 if errors else 0


def cmd_extract(args: argparse.Namespace) -> int:
    from .export import atomic_write, render, write_geoparquet

    to_file = bool(args.output and args.output != "-")
    if args.format == "geoparquet" and not to_file:
        # Checked before any parsing: binary Parquet on a terminal or pipe is never what was meant.
        print("geoapp: --format geoparquet writes a binary file: give -o FILE", file=sys.stderr)
        return 2
    results, errors = _parse_inputs(args.paths, args)
    if args.format == "geoparquet":
        write_geoparquet(results, args.output)
    elif to_file:
        atomic_write(args.output, render(results, args.format))
    else:
        sys.stdout.write(render(results, args.format))
    if to_file:
        n_places = sum(len(r.places) for r in results)
        print(
            f"geoapp: wrote {len(results)} articles, {n_places} place mentions to {args.output}",
            file=sys.stderr,
        )
    return _report(errors)


def cmd_map(args: argparse.Namespace) -> int:
    from .frames import filter_frames, links_frame, places_frame
    from .maps import build_map, save_map

    results, errors = _parse_inputs(args.paths, args)
    places, links = places_frame(results), links_frame(results)
    places, links = filter_frames(places, links, articles=args.article, actors=args.actor)
    if places.empty and (args.article or args.actor):
        errors.append(ArticleError(" ".join(args.paths), "no places left after --article/--actor filters"))
    title = results[0].article.title if len(results) == 1 else f"geoapp: {len(results)} articles"
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
    return _report(errors)


def build_parser() -> argparse.ArgumentParser:
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
            help="article files (.txt .md .html .json .jsonl), folders of them, or - for stdin",
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
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: standard output)")
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

    from .evaluation.runner import register as register_eval
    from .geocode.commands import register as register_geocode

    register_geocode(sub)
    register_eval(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("geoapp: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
