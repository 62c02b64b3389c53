"""Validate ``geoapp/data/features.tsv``, the curated table of natural features and regions.

Why: the table is written by hand from knowledge, so every point is checked against the shipped
Natural Earth country outlines before the gazetteer build takes it in: a point in or near its
country, seas and straits off land, mountains, regions and landmarks on land, boxes around their
points, names not shared by two entries unless meant. Exceptions are marked per row in the
``check`` column with a reason. Run ``python scripts/check_features.py``; exit status 1 on errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp.features import OUTLINES, TABLE, TYPES, Outlines, read_table, validate  # noqa: E402
from geoapp.gazetteer import Gazetteer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table", nargs="?", type=Path, default=TABLE)
    ap.add_argument("-v", "--verbose", action="store_true", help="list shared names and exceptions")
    ap.add_argument(
        "--outlines",
        type=Path,
        default=OUTLINES,
        help="country outlines as gzipped GeoJSON (default: the shipped 1:110m file; a 1:50m file from "
        "'scripts/build_basemap.py --scale 50m -o FILE' checks small islands too)",
    )
    args = ap.parse_args(argv)
    features = read_table(args.table)
    gaz = Gazetteer.default()
    codes = {f.country for f in features if f.country}
    countries = {cc for cc in codes if gaz.country(cc) is not None}
    report = validate(features, Outlines(args.outlines), known_countries=countries)
    print(f"{len(features)} entries in {args.table}")
    for kind in ("feature", "region"):
        types = sorted((t for t in report.counts if TYPES.get(t) == kind), key=lambda t: -report.counts[t])
        total = sum(report.counts[t] for t in types)
        print(f"  {kind:8s} {total:4d}: " + ", ".join(f"{t} {report.counts[t]}" for t in types))
    print(
        f"country outline checks: {report.checked_country} passed or excused; "
        f"{len(report.unchecked_country)} without an outline (too small for 1:110m)"
    )
    print(f"justified exceptions: {len(report.exceptions)}; names shared on purpose: {len(report.shared)}")
    if args.verbose:
        for line in report.exceptions:
            print(f"  exception  {line}")
        for key, owners in report.shared.items():
            print(f"  shared     {key!r}: {', '.join(owners)}")
        if report.unchecked_country:
            print("  no outline: " + ", ".join(report.unchecked_country))
    for note in report.notes:
        print(f"note  {note}")
    for err in report.errors:
        print(f"ERROR {err}")
    print("OK" if report.ok else f"{len(report.errors)} errors")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
