"""Build ``geoapp/data/countries.geojson.gz``, the offline fallback basemap of country outlines.

Why this exists: a map opened without internet (or saved "self-contained" for opsec) cannot load
tiles, and a blank grey canvas with dots on it is unreadable. Country outlines drawn as an ordinary
GeoJSON layer give the reader their bearings with no request at all.

Source: npm's ``world-atlas`` package (ISC licence, by Mike Bostock), which packages Natural Earth's
1:110m admin-0 countries (public domain) as TopoJSON. The package is fetched with ``npm pack`` into a
temporary folder (a package registry, never a CDN at run time), decoded by the small TopoJSON decoder
below, rounded, cut at the antimeridian (below), and written gzipped and reproducibly (fixed mtime) so
rebuilding gives identical bytes.

Why the cut: Natural Earth draws Chukotka (Russia) and Fiji as rings that step from 179.9° to
-180° and back. A web map joins those points straight across the whole world, a horizontal band
through every latitude the ring spans. Each such ring is unwrapped (longitudes made continuous),
clipped to the world's halves and shifted back, so every piece lies within ±180°. Rings around a
pole (Antarctica) are left as they are: they close along the map's edge and draw correctly.

Usage::

    python scripts/build_basemap.py [--version 2] [--scale 110m] [--digits 2] [--topojson FILE]

``--topojson`` skips npm and decodes a local ``countries-*.json`` (for offline rebuilds).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "geoapp" / "data" / "countries.geojson.gz"

CREDIT = (
    "Country outlines: Natural Earth 1:110m (public domain), via the world-atlas npm package "
    "(ISC licence, Mike Bostock)."
)


def fetch_topojson(version: str, scale: str) -> tuple[dict[str, Any], str]:
    """Download ``world-atlas@version`` with ``npm pack`` and return (topology, package version).

    ``npm pack`` is used instead of an HTTP fetch so the registry client handles mirrors, proxies
    and integrity checks the way the rest of the team's tooling does.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found: install Node.js/npm or pass --topojson FILE")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [npm, "pack", f"world-atlas@{version}", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
        tgz = Path(tmp) / proc.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tar:
            pkg = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
            member = tar.extractfile(f"package/countries-{scale}.json")
            if member is None:
                raise SystemExit(f"countries-{scale}.json missing from world-atlas@{version}")
            topo = json.load(io.TextIOWrapper(member, encoding="utf-8"))
    return topo, str(pkg.get("version", version))


def decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Turn TopoJSON arcs into absolute lon/lat positions.

    Quantized topologies store each arc as delta-encoded integers; the ``transform`` maps them back.
    """
    transform = topo.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topo["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for pos in arc:
                x += pos[0]
                y += pos[1]
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Stitch arcs into one ring; a negative index ``~i`` means arc ``i`` reversed.

    Consecutive arcs share their joining point, so every arc after the first drops its first point.
    """
    ring: list[tuple[float, float]] = []
    for k, index in enumerate(indexes):
        points = arcs[~index][::-1] if index < 0 else arcs[index]
        ring.extend(points if k == 0 else points[1:])
    return ring


def _round_ring(ring: list[tuple[float, float]], digits: int) -> list[list[float]] | None:
    """Round a ring and drop points that collapse onto their neighbour; None when degenerate."""
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, digits), round(y, digits)]
        if not out or out[-1] != point:
            out.append(point)
    if len(out) < 4 or out[0] != out[-1]:
        if len(out) >= 3 and out[0] != out[-1]:
            out.append(out[0])
        if len(out) < 4:
            return None
    return out


def decode_geometry(
    geom: dict[str, Any], arcs: list[list[tuple[float, float]]], digits: int
) -> dict[str, Any] | None:
    """Decode one TopoJSON (Multi)Polygon into a GeoJSON geometry (other types are not outlines)."""
    kind = geom.get("type")
    if kind == "Polygon":
        polygons = [geom["arcs"]]
    elif kind == "MultiPolygon":
        polygons = geom["arcs"]
    else:
        return None
    result = []
    for polygon in polygons:
        rings = [_round_ring(_ring(r, arcs), digits) for r in polygon]
        if rings and rings[0] is not None:
            result.append([r for r in rings if r is not None])
    if not result:
        return None
    if len(result) == 1:
        return {"type": "Polygon", "coordinates": result[0]}
    return {"type": "MultiPolygon", "coordinates": result}


def _unwrap(ring: list[list[float]]) -> list[list[float]]:
    """The ring with longitudes made continuous (a step of more than 180° becomes the short way)."""
    out = [list(ring[0])]
    for x, y in ring[1:]:
        prev = out[-1][0]
        while x - prev > 180:
            x -= 360
        while x - prev < -180:
            x += 360
        out.append([x, y])
    return out


def split_antimeridian(geometry: dict[str, Any], digits: int) -> dict[str, Any]:
    """A (Multi)Polygon whose rings that cross ±180° are cut there, each piece within ±180°."""
    from shapely.geometry import Polygon, box, mapping
    from shapely.validation import make_valid

    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    out: list[list[list[list[float]]]] = []
    for polygon in polygons:
        outer = _unwrap(polygon[0])
        crosses = any(abs(a[0] - b[0]) > 180 for a, b in zip(polygon[0], polygon[0][1:]))
        if not crosses or abs(outer[0][0] - outer[-1][0]) > 1e-9:
            out.append(polygon)  # within ±180°, or a ring around a pole
            continue
        holes = [_unwrap(h) for h in polygon[1:]]
        shape = make_valid(Polygon(outer, holes))
        for shift in (-360.0, 0.0, 360.0):
            window = box(-180 - shift, -90, 180 - shift, 90)
            piece = shape.intersection(window)
            if piece.is_empty:
                continue
            geoms = getattr(piece, "geoms", [piece])
            for part in geoms:
                if part.geom_type != "Polygon" or part.area == 0:
                    continue
                rings = mapping(part)["coordinates"]
                moved = [[(x + shift, y) for x, y in ring] for ring in rings]
                rounded = [r for r in (_round_ring(ring, digits) for ring in moved) if r is not None]
                if rounded:
                    out.append(rounded)
    if len(out) == 1:
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def topology_to_geojson(topo: dict[str, Any], obj: str = "countries", digits: int = 2) -> dict[str, Any]:
    """Decode the named object of a topology into a GeoJSON FeatureCollection."""
    arcs = decode_arcs(topo)
    features = []
    for geom in topo["objects"][obj]["geometries"]:
        geometry = decode_geometry(geom, arcs, digits)
        if geometry is None:
            continue
        geometry = split_antimeridian(geometry, digits)
        props = geom.get("properties") or {}
        features.append(
            {
                "type": "Feature",
                "id": geom.get("id"),
                "properties": {"name": props.get("name"), "iso_n3": geom.get("id")},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> int:
    """Fetch, decode and write the basemap; prints size and feature count."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", default="2", help="world-atlas version or range (default 2)")
    ap.add_argument("--scale", default="110m", choices=["110m", "50m", "10m"])
    ap.add_argument("--digits", type=int, default=2, help="decimal places kept (default 2, ≈1 km)")
    ap.add_argument("--topojson", type=Path, help="decode this local file instead of running npm")
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args(argv)

    if args.topojson:
        topo = json.loads(args.topojson.read_text(encoding="utf-8"))
        version = "local"
    else:
        topo, version = fetch_topojson(args.version, args.scale)
    collection = topology_to_geojson(topo, digits=args.digits)
    collection["metadata"] = {
        "source": f"world-atlas@{version} countries-{args.scale}.json",
        "credit": CREDIT,
    }
    payload = json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(payload)
    tmp.replace(args.output)
    print(
        f"{args.output}: {len(collection['features'])} countries, "
        f"{len(payload) / 1024:.0f} KiB json, {args.output.stat().st_size / 1024:.0f} KiB gzipped",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
