"""The curated table of natural features, disputed territories and informal regions.

Why a hand-made table: the data packages the gazetteer is built from (``scripts/build_gazetteer.py``)
carry countries, first-level regions and populated places only, and no installed package names seas,
rivers, mountain ranges, occupied territories or well-known crossings with coordinates. News names
them all the time ("Schwarzes Meer", "Gazastreifen", "Berg-Karabach", "Strait of Hormuz"), so they
are curated by hand as data in ``data/features.tsv`` and merged into the gazetteer by the build.

This module reads the table (for the build) and validates it (``scripts/check_features.py`` and the
tests): every row parses, ids are unique and sorted, names are not shared by accident, and every
point is where it claims to be against the shipped Natural Earth country outlines. See
``docs/gazetteer.md``, "The curated feature table".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from geoapp.text import name_key

DATA = Path(__file__).resolve().parent / "data"
TABLE = DATA / "features.tsv"
OUTLINES = DATA / "countries.geojson.gz"

COLUMNS = (
    "id", "name_en", "name_de", "aliases", "type", "lat", "lon", "bbox", "country", "parent", "source",
    "check",
)  # fmt: skip

#: Every type the table may use, and the gazetteer feature it becomes: territories whose status or
#: borders are political (disputed, occupied, informal regions) are ``region``s, like first-level
#: regions; everything physical or built is a ``feature``.
TYPES: dict[str, str] = {
    **dict.fromkeys(("region", "disputed", "occupied"), "region"),
    **dict.fromkeys(
        "ocean sea gulf bay strait canal river lake delta mountains mountain volcano glacier pass desert"
        " plain plateau valley peninsula cape island archipelago landmark crossing".split(),
        "feature",
    ),
}
#: Types whose point must lie in the water, outside every country outline.
WATER_TYPES = frozenset({"ocean", "sea", "gulf", "bay", "strait"})
#: Types whose point must lie on land (inside an outline or within :data:`NEAR_KM` of one). Islands
#: are left out: most are too small for the 1:110m outlines.
LAND_TYPES = frozenset(
    "region disputed occupied delta mountains mountain volcano glacier pass desert plain plateau valley"
    " peninsula landmark crossing".split()
)
#: Tokens of the ``check`` column: an exception to one check, each with its reason ("on-land:
#: narrower than the 1:110m coastline"). ``shared-name`` allows a key two entries share on purpose.
EXCEPTIONS = frozenset({"on-land", "at-sea", "off-outline", "shared-name"})
#: How far a point may lie outside its country's (or any) outline: the 1:110m outlines cut coasts
#: and small countries by tens of kilometres.
NEAR_KM = 50.0
#: Outline features with no ISO numeric code, joined to the state the project's conventions place
#: them in (de jure, as ``devnews`` annotates: Northern Cyprus CY, Somaliland SO; Kosovo XK).
UNNUMBERED_OUTLINES = {"N. Cyprus": "CY", "Somaliland": "SO", "Kosovo": "XK"}
#: Curated ids live in their own space: negative, nine digits and more, so that no code can take
#: them for a GeoNames id (GeoNames ids are positive and below 20 million).
ID_BASE = 1_000_000_000

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_curated(geonameid: int | None) -> bool:
    """Whether a gazetteer id is a curated feature's (negative, see :data:`ID_BASE`)."""
    return geonameid is not None and geonameid < 0


@dataclass(frozen=True)
class Feature:
    """One row of the table; ``checks`` maps an exception token to its reason."""

    id: str
    name_en: str
    name_de: str
    aliases: tuple[str, ...]
    type: str
    lat: float
    lon: float
    bbox: tuple[float, float, float, float] | None
    country: str | None
    parent: str | None
    source: str
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The gazetteer feature: ``region`` or ``feature`` (see :data:`TYPES`)."""
        return TYPES[self.type]

    @property
    def gazetteer_id(self) -> int:
        """A stable negative id from the slug, so rows can be added without renumbering others."""
        digest = hashlib.sha256(self.id.encode("utf-8")).digest()
        return -(ID_BASE + int.from_bytes(digest[:4], "big") % ID_BASE)

    def names(self) -> Iterator[str]:
        """The English and German names, then the aliases (empty ones left out)."""
        yield from (n for n in (self.name_en, self.name_de, *self.aliases) if n)


class TableError(ValueError):
    """A row of the table that cannot be read at all."""


def parse_row(line_no: int, cells: list[str]) -> Feature:
    """One row as a :class:`Feature`; raises :class:`TableError` when a cell cannot be parsed."""
    if len(cells) != len(COLUMNS):
        raise TableError(f"line {line_no}: {len(cells)} cells, expected {len(COLUMNS)}")
    row = dict(zip(COLUMNS, cells, strict=True))
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
        bbox = tuple(float(x) for x in row["bbox"].split(",")) if row["bbox"] else None
    except ValueError as exc:
        raise TableError(f"line {line_no}: {exc}") from None
    if bbox is not None and len(bbox) != 4:
        raise TableError(f"line {line_no}: bbox needs south,west,north,east")
    checks: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in row["check"].split(";"))):
        token, _, reason = part.partition(":")
        checks[token.strip()] = reason.strip()
    return Feature(
        id=row["id"],
        name_en=row["name_en"],
        name_de=row["name_de"],
        aliases=tuple(a for a in row["aliases"].split("|") if a) if row["aliases"] else (),
        type=row["type"],
        lat=lat,
        lon=lon,
        bbox=bbox,  # type: ignore[arg-type]
        country=row["country"] or None,
        parent=row["parent"] or None,
        source=row["source"],
        checks=checks,
    )


def read_table(path: Path = TABLE) -> list[Feature]:
    """All rows of the table, in file order (the header is checked, not returned)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise TableError(f"{path}: header must be {' '.join(COLUMNS)}")
    return [parse_row(i, line.split("\t")) for i, line in enumerate(lines[1:], start=2)]


# ---------------------------------------------------------------------------------------------
# Validation


@dataclass
class Report:
    """What :func:`validate` found: ``errors`` fail the check, ``notes`` are for the reader."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shared: dict[str, list[str]] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    checked_country: int = 0
    unchecked_country: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _in_bbox(f: Feature) -> bool:
    assert f.bbox is not None
    south, west, north, east = f.bbox
    in_lon = west <= f.lon <= east if west <= east else (f.lon >= west or f.lon <= east)  # across 180°
    return south <= f.lat <= north and in_lon


class Outlines:
    """The shipped Natural Earth outlines by ISO alpha-2 code, with distance tests in kilometres."""

    def __init__(self, path: Path = OUTLINES) -> None:
        from babel.core import get_global
        from shapely import prepared
        from shapely.geometry import shape
        from shapely.ops import unary_union

        numeric = {k: v[0] for k, v in get_global("territory_aliases").items() if k.isdigit() and v}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
        parts: dict[str, list] = defaultdict(list)
        for feat in data["features"]:
            props = feat.get("properties") or {}
            code = numeric.get(str(props.get("iso_n3") or "").zfill(3))
            code = code or UNNUMBERED_OUTLINES.get(props.get("name"))
            if code and feat.get("geometry"):
                parts[code].extend(_split_at_antimeridian(shape(feat["geometry"])))
        self.shapes = {cc: unary_union(geoms) for cc, geoms in parts.items()}
        self._prepared = {cc: prepared.prep(g) for cc, g in self.shapes.items()}
        self._land = unary_union(list(self.shapes.values()))

    def country_at(self, lat: float, lon: float) -> str | None:
        """The code of the outline containing the point, if any (for messages)."""
        from shapely.geometry import Point

        pt = Point(lon, lat)
        return next((cc for cc, g in self._prepared.items() if g.contains(pt)), None)

    def km_outside(self, lat: float, lon: float, cc: str | None = None) -> float | None:
        """0 inside the outline of ``cc`` (any outline when None), else the distance to its edge
        in km; None when ``cc`` has no outline (too small for the 1:110m file)."""
        from shapely.geometry import Point
        from shapely.ops import nearest_points

        pt = Point(lon, lat)
        if cc is None:
            geom = self._land
            if geom.contains(pt):
                return 0.0
        else:
            if cc not in self.shapes:
                return None
            if self._prepared[cc].contains(pt):
                return 0.0
            geom = self.shapes[cc]
        near = nearest_points(geom, pt)[0]
        return _km((lat, lon), (near.y, near.x))

    def nearest(self, lat: float, lon: float) -> tuple[str, float]:
        """The country whose outline is nearest to the point, and how far (km) it is."""
        return min(((cc, self.km_outside(lat, lon, cc) or 0.0) for cc in self.shapes), key=lambda t: t[1])


def _split_at_antimeridian(geom) -> list:
    """Valid polygons of an outline whose rings jump from 180° to -180° (Russia, Fiji): such a ring
    read in the plane encloses the rest of the world. It is unwrapped to 0–360°, cut at 180° and the
    eastern part moved back. A ring around the pole (Antarctica) stays as wide unwrapped: it is
    closed through the pole instead."""
    from shapely import make_valid
    from shapely.affinity import translate
    from shapely.geometry import Polygon, box

    def unwrap(coords) -> list[tuple[float, float]]:
        return [(x + 360 if x < 0 else x, y) for x, y in coords]

    def via_pole(coords) -> list[tuple[float, float]]:
        """A ring around the pole, closed along the 180° meridian down to the pole and back."""
        ring: list[tuple[float, float]] = []
        for (x0, y0), (x1, _) in zip(coords, coords[1:]):
            ring.append((x0, y0))
            if abs(x0) == 180 and x1 == -x0:
                pole = -90.0 if y0 < 0 else 90.0
                ring += [(x0, pole), (x1, pole)]
        return ring

    out = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.bounds[2] - poly.bounds[0] > 180:
            moved = Polygon(unwrap(poly.exterior.coords), [unwrap(r.coords) for r in poly.interiors])
            if moved.bounds[2] - moved.bounds[0] <= 180:
                moved = make_valid(moved)
                out.append(moved.intersection(box(0, -90, 180, 90)))
                out.append(translate(moved.intersection(box(180, -90, 360, 90)), -360))
                continue
            poly = Polygon(via_pole(list(poly.exterior.coords)), [r.coords for r in poly.interiors])
        out.append(make_valid(poly))
    return out


def validate(
    features: list[Feature], outlines: Outlines | None = None, known_countries: set[str] | None = None
) -> Report:
    """Check the table; with ``outlines``, also where each point lies (see module docstring).

    ``known_countries`` are the ISO alpha-2 codes a ``country`` cell may use (the gazetteer's
    countries); when None, only the shape of the code is checked.
    """
    rep = Report()
    ids = [f.id for f in features]
    if ids != sorted(ids):
        rep.errors.append("rows are not sorted by id")
    seen: set[str] = set()
    by_gid: dict[int, str] = {}
    keys: dict[str, set[str]] = defaultdict(set)
    for f in features:
        where = f"{f.id}"
        if f.id in seen:
            rep.errors.append(f"{where}: duplicate id")
        seen.add(f.id)
        other = by_gid.setdefault(f.gazetteer_id, f.id)
        if other != f.id:
            rep.errors.append(f"{where}: gazetteer id collides with {other}")
        if not _SLUG.match(f.id):
            rep.errors.append(f"{where}: id is not a lower-case slug")
        if not f.name_en:
            rep.errors.append(f"{where}: no English name")
        if f.type not in TYPES:
            rep.errors.append(f"{where}: unknown type {f.type!r}")
        if not (-90 <= f.lat <= 90 and -180 <= f.lon <= 180):
            rep.errors.append(f"{where}: lat/lon out of range ({f.lat}, {f.lon})")
        if f.bbox is not None:
            south, west, north, east = f.bbox
            if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
                rep.errors.append(f"{where}: malformed bbox {f.bbox}")
            elif not _in_bbox(f):
                rep.errors.append(f"{where}: point ({f.lat}, {f.lon}) outside its bbox {f.bbox}")
        if f.country is not None and (
            not re.fullmatch(r"[A-Z]{2}", f.country)
            or (known_countries is not None and f.country not in known_countries)
        ):
            rep.errors.append(f"{where}: unknown country code {f.country!r}")
        for token, reason in f.checks.items():
            if token not in EXCEPTIONS or not reason:
                rep.errors.append(f"{where}: check {token!r} needs a known token and a reason")
        for name in f.names():
            if name != name.strip() or "\t" in name or not name_key(name):
                rep.errors.append(f"{where}: malformed name {name!r}")
            keys[name_key(name)].add(f.id)
        rep.counts[f.type] = rep.counts.get(f.type, 0) + 1
    for f in features:
        if f.parent is not None and f.parent not in seen:
            rep.errors.append(f"{f.id}: parent {f.parent!r} is not an id of the table")
    by_id = {f.id: f for f in features}
    for key, owners in sorted(keys.items()):
        if len(owners) > 1:
            rep.shared[key] = sorted(owners)
            if not all("shared-name" in by_id[o].checks for o in owners):
                owners_text = ", ".join(sorted(owners))
                rep.errors.append(f"name {key!r} shared by {owners_text} (mark shared-name if meant)")
    if outlines is not None:
        used = _check_places(features, outlines, rep)
        used |= {(o, "shared-name") for owners in rep.shared.values() for o in owners}
        for f in features:
            for token in f.checks:
                if (f.id, token) not in used:
                    rep.notes.append(f"{f.id}: exception {token!r} not needed with these outlines")
    return rep


def _check_places(features: list[Feature], outlines: Outlines, rep: Report) -> set[tuple[str, str]]:
    """Points against outlines: in (or near) their country, seas off land, land features on land.
    Returns the (id, exception token) pairs that excused a failure."""
    used: set[tuple[str, str]] = set()
    for f in features:
        if f.country is not None:
            off = outlines.km_outside(f.lat, f.lon, f.country)
            if off is None:
                rep.unchecked_country.append(f"{f.id} ({f.country})")
            else:
                rep.checked_country += 1
                if f.type in WATER_TYPES and off > NEAR_KM:
                    # a bay or sea of one country (Hudson Bay, Bohai) may lie far from any coast:
                    # its country's must then be the nearest one
                    nearest, km = outlines.nearest(f.lat, f.lon)
                    if nearest == f.country or off <= km + NEAR_KM:
                        off = 0.0
                if off > NEAR_KM:
                    inside = outlines.country_at(f.lat, f.lon)
                    where = f" (inside {inside})" if inside else ""
                    _fail(rep, f, "off-outline", f"{off:.0f} km outside the {f.country} outline{where}", used)
        if f.type in WATER_TYPES:
            if outlines.km_outside(f.lat, f.lon) == 0.0:
                _fail(rep, f, "on-land", "point of a water body lies inside a country outline", used)
        elif f.type in LAND_TYPES:
            off = outlines.km_outside(f.lat, f.lon)
            if off is not None and off > NEAR_KM:
                _fail(rep, f, "at-sea", f"point of a land feature lies {off:.0f} km off every outline", used)
    return used


def _fail(rep: Report, f: Feature, token: str, message: str, used: set[tuple[str, str]]) -> None:
    """An error, unless the row marks this check as a justified exception."""
    if token in f.checks:
        rep.exceptions.append(f"{f.id}: {token}: {f.checks[token]} ({message})")
        used.add((f.id, token))
    else:
        rep.errors.append(f"{f.id}: {message}")
