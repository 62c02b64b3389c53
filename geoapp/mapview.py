"""Where a map looks: which 360° of longitude it shows, lines cut at its edges, and the view it opens on.

Why a module of its own: a web map is a flat strip of longitudes, and news is not. A line from
Washington to Tokyo across the Pacific, or a place on each side of the 180° meridian (Fiji, Samoa,
Chukotka), either runs off the strip's edge or draws a band across the whole world. And a map that
fits every point opens on the whole world when one article of fifty mentions Antarctica. These
pure functions decide the strip, cut lines at its edges and pick a view robust to such outliers;
:mod:`geoapp.maps` draws what they return.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LatLon = tuple[float, float]

#: Below this many points the view fits them all: with a handful, none is an outlier.
ROBUST_MIN_POINTS = 20
#: With more, up to this share of the points may be left out of the opening view: the most
#: isolated ones, and only those with no other point within :data:`ISOLATION_DEGREES`.
OUTLIER_SHARE = 0.05
ISOLATION_DEGREES = 10.0
#: The opening view never reaches further towards the poles than this (Mercator's empty polar
#: space would otherwise fill the picture) unless every point lies beyond.
VIEW_LATITUDES = (-58.0, 76.0)
#: The strip moves off the usual -180…180 only when that saves at least this many degrees of width.
SHIFT_SAVING = 30.0


def wrap_lon(lon: float, west: float = -180.0) -> float:
    """``lon`` moved by whole turns into ``[west, west + 360)``."""
    return lon - 360.0 * math.floor((lon - west) / 360.0)


def central_west(lons: Sequence[float]) -> float:
    """The western edge of the strip the map shows: -180 unless the data straddle the antimeridian.

    The points' longitudes are put on a circle; the strip is cut in the widest empty gap between
    them. Usually that gap contains 180° (the Pacific between Asia and the Americas) and the map
    keeps its familiar -180…180. When the points sit on both sides of 180° with a wider gap
    elsewhere (Fiji and Samoa; Russia's Far East and Alaska), the cut moves there, so the points
    are drawn side by side instead of at the two ends of the world.
    """
    xs = sorted({wrap_lon(x) for x in lons if math.isfinite(x)})
    if len(xs) < 2:
        return -180.0
    widest, cut = max((b - a, (a + b) / 2) for a, b in zip(xs, xs[1:]))
    around = xs[0] + 360.0 - xs[-1]  # the gap that holds 180°
    if widest - around < SHIFT_SAVING:
        return -180.0
    return float(round(cut / 5.0) * 5.0)


@dataclass(frozen=True)
class WrappedLine:
    """A line cut at the strip's edges: ``pieces`` of (lat, lon), and the two points around its middle
    (``arrow``: lat, lon, lat, lon) that place and turn its arrowhead."""

    pieces: list[list[LatLon]]
    arrow: tuple[float, float, float, float]


def _continuous(coords: Sequence[LatLon]) -> list[LatLon]:
    """Longitudes made continuous: each step takes the short way (at most 180°)."""
    out = [(float(coords[0][0]), float(coords[0][1]))]
    for lat, lon in coords[1:]:
        prev = out[-1][1]
        lon = float(lon)
        lon -= 360.0 * round((lon - prev) / 360.0)
        out.append((float(lat), lon))
    return out


def wrap_line(coords: Sequence[LatLon], west: float = -180.0) -> WrappedLine:
    """A line (lat, lon points, its end at the place) within the strip ``[west, west + 360)``.

    The line is made continuous, moved by whole turns so that its end (the place, where the marker
    is) lies in the strip, and cut where it leaves the strip; the part beyond continues from the
    opposite edge. So a line always takes the short way and never crosses the whole map.
    """
    pts = _continuous(coords)
    turn = math.floor((pts[-1][1] - west) / 360.0)
    pts = [(lat, lon - 360.0 * turn) for lat, lon in pts]

    def strip(lon: float) -> int:
        return math.floor((lon - west) / 360.0)

    pieces: list[list[LatLon]] = [[]]
    for k, (lat, lon) in enumerate(pts):
        if k:
            plat, plon = pts[k - 1]
            before, after = strip(plon), strip(lon)
            if before != after:
                edge = west + 360.0 * max(before, after)
                lat_at = plat + (lat - plat) * (edge - plon) / (lon - plon)
                pieces[-1].append((lat_at, edge - 360.0 * before))
                pieces.append([(lat_at, edge - 360.0 * after)])
        pieces[-1].append((lat, lon - 360.0 * strip(lon)))
    pieces = [p for p in pieces if len(p) >= 2]
    mid = max(1, math.ceil((len(pts) - 1) / 2))
    (alat, alon), (blat, blon) = pts[mid - 1], pts[mid]
    shift = 360.0 * strip((alon + blon) / 2)
    return WrappedLine(pieces, (alat, alon - shift, blat, blon - shift))


def outliers(points: Sequence[LatLon]) -> set[int]:
    """Indexes of the points the opening view may leave out: lone mentions far from any other.

    A point is a candidate when no other point lies in its 10°×10° grid cell or the eight around
    it (so nothing within 10°, about 1,100 km). Of these, at most :data:`OUTLIER_SHARE` of all
    points are taken, farthest from their nearest neighbour first. Five places of one article in
    California are not outliers of a map of Europe; one mention of Antarctica is.
    """
    n = len(points)
    limit = int(OUTLIER_SHARE * n)
    if n < ROBUST_MIN_POINTS or limit == 0:
        return set()
    size = ISOLATION_DEGREES
    cells: dict[tuple[int, int], int] = {}
    keys = [(math.floor(lat / size), math.floor(lon / size)) for lat, lon in points]
    for key in keys:
        cells[key] = cells.get(key, 0) + 1
    lone = [
        i
        for i, (cy, cx) in enumerate(keys)
        if sum(cells.get((cy + dy, cx + dx), 0) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) == 1
    ]

    if not lone:
        return set()
    spots = set(points)  # a lone point is alone in its spot too, so it is measured against the others

    def nearest(i: int) -> float:
        lat, lon = points[i]
        scale = math.cos(math.radians(lat))
        return min(math.hypot(lat - p[0], (lon - p[1]) * scale) for p in spots if p != points[i])

    return set(sorted(lone, key=nearest, reverse=True)[:limit])


def fit_extent(points: Sequence[LatLon]) -> tuple[LatLon, LatLon] | None:
    """The view a map opens on: ``((south, west), (north, east))``, or None without points.

    Longitudes are taken as given (already within the map's strip, see :func:`central_west`). The
    view holds every point but the :func:`outliers`, which stay on the map a zoom-out away without
    deciding the picture. Latitudes are cut to :data:`VIEW_LATITUDES`: world-wide data show the
    inhabited world, not Mercator's stretched polar emptiness.
    """
    pts = [(lat, lon) for lat, lon in points if math.isfinite(lat) and math.isfinite(lon)]
    if not pts:
        return None
    left_out = outliers(pts)
    kept = [p for i, p in enumerate(pts) if i not in left_out]
    south, north = min(p[0] for p in kept), max(p[0] for p in kept)
    west, east = min(p[1] for p in kept), max(p[1] for p in kept)
    floor, ceiling = VIEW_LATITUDES
    if north > floor:
        south = max(south, floor)
    if south < ceiling:
        north = min(north, ceiling)
    return (south, west), (north, east)
