"""Writers for results and frames: JSONL (the contract), GeoJSON, CSV, ACLED-like CSV, GeoParquet.

They compute nothing new. Every file is written atomically (a temporary file in the same folder,
then ``os.replace``), so an interrupted run never leaves half a file where a complete one was
expected.

GeoJSON and GeoParquet hold the same rows (one per resolved place mention) with the same
properties, so a table read from either is the same table; the ACLED-like CSV has one row per
place per article, in the column names analysts know from ACLED exports (see :data:`ACLED_COLUMNS`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from .fileio import atomic_write
from .model import Result

FORMATS = ("jsonl", "geojson", "csv", "acled", "geoparquet")
#: Formats that :func:`render` returns as text; GeoParquet is binary and needs a file (or bytes).
TEXT_FORMATS = ("jsonl", "geojson", "csv", "acled")


def to_jsonl(results: Iterable[Result]) -> str:
    """One JSON object per article, in input order (the JSONL contract)."""
    return "".join(json.dumps(r.to_record(), ensure_ascii=False) + "\n" for r in results)


def _feature_rows(results: Iterable[Result]) -> list[tuple[dict, float, float]]:
    """(properties, lon, lat) per resolved place mention: the rows of GeoJSON and GeoParquet alike.

    Properties are the JSONL contract's place fields plus the article's id, title, url and date.
    """
    rows = []
    for result in results:
        record = result.to_record()
        article = {k: record[k] for k in ("id", "title", "url", "published")}
        for place in record["places"]:
            if place["lat"] is None or place["lon"] is None:
                continue
            props = {f"article_{k}": v for k, v in article.items()}
            props.update(place)
            rows.append((props, place["lon"], place["lat"]))
    return rows


def to_geojson(results: Iterable[Result]) -> str:
    """RFC 7946 FeatureCollection: one Point feature per resolved place mention (lon, lat order).

    Properties are the JSONL contract's place fields plus the article's id, title, url and date.
    """
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props,
        }
        for props, lon, lat in _feature_rows(results)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def places_geodataframe(results: Iterable[Result]):  # -> geopandas.GeoDataFrame (imported lazily)
    """The GeoJSON rows as a GeoDataFrame in EPSG:4326, columns in a fixed order.

    Optional contract fields (``field``, ``flags``) become columns for every row (null where a
    mention lacks them): Parquet needs one schema for the whole table. ``flags`` is stored as
    ``;``-joined text, which every Parquet reader can show.
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    rows = _feature_rows(results)
    columns = ["article_id", "article_title", "article_url", "article_published"]
    columns += ["start", "end", "text", "name", "lat", "lon", "country_code", "feature", "geonameid"]
    columns += ["source", "field", "flags"]
    records = []
    for props, _lon, _lat in rows:
        record = {c: props.get(c) for c in columns}
        if isinstance(record["flags"], list):
            record["flags"] = ";".join(record["flags"])
        records.append(record)
    frame = pd.DataFrame(records, columns=columns)
    frame["geonameid"] = frame["geonameid"].astype("Int64")
    for col in ("start", "end"):
        frame[col] = frame[col].astype("int64")
    for col in ("lat", "lon"):
        frame[col] = frame[col].astype("float64")
    geometry = [Point(lon, lat) for _props, lon, lat in rows]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def to_geoparquet_bytes(results: Iterable[Result]) -> bytes:
    """GeoParquet (geopandas ``to_parquet``) of :func:`places_geodataframe`, as bytes (downloads)."""
    buffer = io.BytesIO()
    places_geodataframe(results).to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_geoparquet(results: Iterable[Result], path: str | Path) -> Path:
    """Write the GeoParquet file atomically: all of it or, on failure, the old file untouched."""
    return atomic_write(path, to_geoparquet_bytes(results))


CSV_COLUMNS = [
    "article_id",
    "title",
    "url",
    "published",
    "mention",
    "start",
    "end",
    "place",
    "feature",
    "admin1",
    "country",
    "latitude",
    "longitude",
    "geonameid",
    "source",
    "actors",
    "quote",
]


def to_csv(results: Iterable[Result]) -> str:
    """One row per place mention, unresolved ones with empty coordinates, quote = its sentence."""
    from .text import sentence_of, sentences

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for result in results:
        a = result.article
        spans = sentences(a.text)
        linked: dict[str, list[str]] = {}
        for link in result.links:
            linked.setdefault(link.place.key, [])
            if link.actor.name not in linked[link.place.key]:
                linked[link.place.key].append(link.actor.name)
        for pm in result.places:
            m, p = pm.mention, pm.place
            if m.field == "title":
                quote = a.title
            else:
                s, e = sentence_of(spans, m.start)
                quote = a.text[s:e]
            writer.writerow(
                [
                    a.id,
                    a.title,
                    a.url or "",
                    a.published or "",
                    m.text,
                    m.start,
                    m.end,
                    p.name if p else "",
                    p.feature if p else "",
                    (p.admin1 or "") if p else "",
                    (p.country_code or "") if p else "",
                    p.lat if p else "",
                    p.lon if p else "",
                    (p.geonameid or "") if p else "",
                    p.source if p else "",
                    "; ".join(linked.get(p.key, [])) if p else "",
                    quote,
                ]
            )
    return out.getvalue()


#: ACLED-like columns: one row per place per article (what ACLED's event rows look like to a reader).
ACLED_COLUMNS = [
    "article_id",
    "title",
    "url",
    "published",
    "place",
    "admin1",
    "country",
    "latitude",
    "longitude",
    "geo_precision",
    "actors",
    "quote",
]

#: ACLED's geo_precision codes by place type: 1 a town or point, 2 a region (part of a country),
#: 3 a whole country or larger. Unknown types count as points: they were resolved to coordinates.
GEO_PRECISION = {"city": 1, "feature": 1, "other": 1, "region": 2, "country": 3, "continent": 3}


def _country_name(code: str | None) -> str:
    """The English country name for an ISO alpha-2 code (from the gazetteer), else the code itself."""
    if not code:
        return ""
    try:
        from .gazetteer import Gazetteer

        entry = Gazetteer.default().country(code)
    except Exception:  # a name is a nicety; the code is still right
        entry = None
    return entry.name if entry is not None else code


def to_acled_csv(results: Iterable[Result]) -> str:
    """ACLED-like CSV: one row per resolved place per article.

    ``quote`` is the first sentence that mentions the place (the title when only the title
    does), ``actors`` the actors linked to the place in that article joined by ``"; "``,
    ``geo_precision`` follows :data:`GEO_PRECISION`, ``country`` is the country's English name.
    """
    from .text import sentence_of, sentences

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ACLED_COLUMNS)
    names: dict[str, str] = {}
    for result in results:
        a = result.article
        spans = sentences(a.text)
        linked: dict[str, list[str]] = {}
        for link in result.links:
            actors = linked.setdefault(link.place.key, [])
            if link.actor.name not in actors:
                actors.append(link.actor.name)
        seen: set[str] = set()
        for pm in result.places:
            m, p = pm.mention, pm.place
            if p is None or p.lat is None or p.lon is None or p.key in seen:
                continue
            seen.add(p.key)
            if m.field == "title":
                quote = a.title
            else:
                s, e = sentence_of(spans, m.start)
                quote = a.text[s:e]
            code = p.country_code or ""
            if code not in names:
                names[code] = _country_name(code)
            writer.writerow(
                [
                    a.id,
                    a.title,
                    a.url or "",
                    a.published or "",
                    p.name,
                    p.admin1 or "",
                    names[code],
                    p.lat,
                    p.lon,
                    GEO_PRECISION.get(p.feature or "other", 1),
                    "; ".join(linked.get(p.key, [])),
                    quote.strip(),
                ]
            )
    return out.getvalue()


def render(results: list[Result], fmt: str) -> str:
    """The text formats; GeoParquet is binary: use :func:`write_geoparquet` or :func:`to_geoparquet_bytes`."""
    if fmt == "jsonl":
        return to_jsonl(results)
    if fmt == "geojson":
        return to_geojson(results)
    if fmt == "csv":
        return to_csv(results)
    if fmt == "acled":
        return to_acled_csv(results)
    if fmt == "geoparquet":
        raise ValueError("geoparquet is binary: use write_geoparquet() or to_geoparquet_bytes()")
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
