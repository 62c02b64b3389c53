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
import math
import re
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from .fileio import AtomicFile
from .model import Result

FORMATS = ("jsonl", "geojson", "csv", "acled", "geoparquet")
#: Formats that :func:`render` returns as text; GeoParquet is binary and needs a file (or bytes).
TEXT_FORMATS = ("jsonl", "geojson", "csv", "acled")


def to_jsonl(results: Iterable[Result]) -> str:
    """One JSON object per article, in input order (the JSONL contract)."""
    return "".join(map(jsonl_line, results))


def jsonl_line(result: Result) -> str:
    """One article's line of the JSONL contract."""
    return json.dumps(result.to_record(), ensure_ascii=False) + "\n"


def feature_rows(result: Result) -> Iterator[tuple[dict, float, float]]:
    """(properties, lon, lat) per resolved place mention of one article: the rows of GeoJSON and
    GeoParquet alike. Properties are the JSONL contract's place fields plus the article's id,
    title, url and date."""
    record = result.to_record()
    article = {f"article_{k}": record[k] for k in ("id", "title", "url", "published")}
    for place in record["places"]:
        if place["lat"] is None or place["lon"] is None:
            continue
        yield {**article, **place}, place["lon"], place["lat"]


def geojson_feature(props: dict, lon: float, lat: float) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def to_geojson(results: Iterable[Result]) -> str:
    """RFC 7946 FeatureCollection: one Point feature per resolved place mention (lon, lat order)."""
    out = io.StringIO()
    writer = ResultWriter("geojson", out)
    for result in results:
        writer.write(result)
    writer.finish()
    return out.getvalue()


#: GeoParquet columns beside ``geometry``, in order (one schema for every row and every batch).
PARQUET_COLUMNS = (
    "article_id", "article_title", "article_url", "article_published",
    "start", "end", "text", "name", "lat", "lon", "country_code", "feature", "geonameid",
    "source", "field", "flags",
)
_INT_COLUMNS = {"start", "end", "geonameid"}
_FLOAT_COLUMNS = {"lat", "lon"}


def _parquet_schema():
    import pyarrow as pa

    fields = [
        pa.field(name, pa.int64() if name in _INT_COLUMNS else pa.float64() if name in _FLOAT_COLUMNS
                 else pa.string())
        for name in PARQUET_COLUMNS
    ]
    return pa.schema([*fields, pa.field("geometry", pa.binary())])


def _geo_metadata(bbox: list[float]) -> bytes:
    """GeoParquet 1.0 file metadata: one WKB point column in WGS 84 (lon, lat), with its bbox."""
    meta = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": ["Point"],
                "crs": _wgs84_projjson(),
                "bbox": bbox,
            }
        },
    }
    return json.dumps(meta).encode("utf-8")


def _wgs84_projjson() -> dict:
    """EPSG:4326 as PROJJSON, the form GeoParquet stores (from pyproj, which geopandas brings)."""
    from pyproj import CRS

    return CRS.from_epsg(4326).to_json_dict()


class GeoParquetWriter:
    """GeoParquet written in row batches, so memory stays flat however many articles stream through.

    Built on pyarrow alone (points as WKB, the ``geo`` metadata written here): a GeoDataFrame of the
    whole run would hold every row at once. GeoPandas, DuckDB and Spark read the file as one table.
    """

    BATCH_ROWS = 20_000

    def __init__(self, sink) -> None:
        import pyarrow.parquet as pq

        self._schema = _parquet_schema()
        self._sink = sink
        self._pq = pq
        self._rows: list[tuple[dict, float, float]] = []
        self._bbox = [math.inf, math.inf, -math.inf, -math.inf]
        self._tables: list = []
        self._writer = None
        self.rows = 0

    def write(self, result: Result) -> None:
        self._rows.extend(feature_rows(result))
        if len(self._rows) >= self.BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if not self._rows:
            return
        columns: dict[str, list] = {name: [] for name in PARQUET_COLUMNS}
        geometry = []
        box = self._bbox
        for props, lon, lat in self._rows:
            for name in PARQUET_COLUMNS:
                value = props.get(name)
                if name == "flags" and isinstance(value, list):
                    value = ";".join(value)
                columns[name].append(value)
            geometry.append(struct.pack("<BIdd", 1, 1, lon, lat))
            box[0], box[1] = min(box[0], lon), min(box[1], lat)
            box[2], box[3] = max(box[2], lon), max(box[3], lat)
        table = pa.table({**columns, "geometry": geometry}, schema=self._schema)
        self.rows += len(self._rows)
        self._rows = []
        if self._writer is None:
            # The geo metadata (with the final bbox) must be in the schema the writer is opened with,
            # so the first batch waits for the second or for finish(): one batch in memory at most.
            self._tables.append(table)
            if len(self._tables) < 2:
                return
        self._open_and_drain()

    def _open_and_drain(self) -> None:
        if self._writer is None:
            bbox = [round(v, 6) for v in self._bbox] if self.rows else []
            schema = self._schema.with_metadata({b"geo": _geo_metadata(bbox)})
            self._writer = self._pq.ParquetWriter(self._sink, schema)
        for table in self._tables:
            self._writer.write_table(table.replace_schema_metadata(self._writer.schema.metadata))
        self._tables = []

    def finish(self) -> None:
        self._flush()
        self._open_and_drain()
        self._writer.close()


def to_geoparquet_bytes(results: Iterable[Result]) -> bytes:
    """The GeoParquet file of :class:`GeoParquetWriter` as bytes (the app's download)."""
    buffer = io.BytesIO()
    writer = GeoParquetWriter(buffer)
    for result in results:
        writer.write(result)
    writer.finish()
    return buffer.getvalue()


def write_geoparquet(results: Iterable[Result], path: str | Path) -> Path:
    """Write the GeoParquet file atomically: all of it or, on failure, the old file untouched."""
    with AtomicFile(path, "wb") as out:
        writer = GeoParquetWriter(out.fh)
        for result in results:
            writer.write(result)
        writer.finish()
    return out.target


def places_geodataframe(results: Iterable[Result]):  # -> geopandas.GeoDataFrame (imported lazily)
    """The GeoParquet rows as a GeoDataFrame in EPSG:4326 (for the app and for tests)."""
    import geopandas as gpd

    return gpd.read_parquet(io.BytesIO(to_geoparquet_bytes(results)))


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


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that no spreadsheet will run as a formula (OWASP's CSV-injection advice).

    Article text is untrusted: a title ``=HYPERLINK("http://evil", "click")`` or ``@SUM(…)`` would
    run when an analyst opens the export in Excel or LibreOffice. Text cells starting with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return get a leading apostrophe, which spreadsheets
    show as text and hide. Numbers we write (coordinates, offsets) are not text and stay as they
    are, and so does text that is a plain number ("-3.5"), which no spreadsheet reads as a formula.
    """
    if not isinstance(value, str) or not value or value[0] not in _FORMULA_STARTS:
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


_FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _linked_actors(result: Result) -> dict[str, list[str]]:
    """Actor names linked to each place key of one article, in first-seen order."""
    linked: dict[str, list[str]] = {}
    for link in result.links:
        actors = linked.setdefault(link.place.key, [])
        if link.actor.name not in actors:
            actors.append(link.actor.name)
    return linked


def _quote(article, spans, mention) -> str:
    """The sentence of a mention (the title for a title mention)."""
    from .text import sentence_of

    if mention.field == "title":
        return article.title
    s, e = sentence_of(spans, mention.start)
    return article.text[s:e]


def csv_rows(result: Result) -> Iterator[list]:
    """One CSV row per place mention (unresolved ones with empty coordinates), quote = its sentence."""
    from .text import sentences

    a = result.article
    spans = sentences(a.text)
    linked = _linked_actors(result)
    for pm in result.places:
        m, p = pm.mention, pm.place
        yield [
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
            _quote(a, spans, m),
        ]


def to_csv(results: Iterable[Result]) -> str:
    """One row per place mention, unresolved ones with empty coordinates, quote = its sentence."""
    return _render_text(results, "csv")


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


def acled_rows(result: Result, names: dict[str, str] | None = None) -> Iterator[list]:
    """ACLED-like rows of one article: one per resolved place.

    ``quote`` is the first sentence that mentions the place (the title when only the title
    does), ``actors`` the actors linked to the place in that article joined by ``"; "``,
    ``geo_precision`` follows :data:`GEO_PRECISION`, ``country`` is the country's English name
    (``names`` memoises them across articles).
    """
    from .text import sentences

    names = {} if names is None else names
    a = result.article
    spans = sentences(a.text)
    linked = _linked_actors(result)
    seen: set[str] = set()
    for pm in result.places:
        m, p = pm.mention, pm.place
        if p is None or p.lat is None or p.lon is None or p.key in seen:
            continue
        seen.add(p.key)
        code = p.country_code or ""
        if code not in names:
            names[code] = _country_name(code)
        yield [
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
            _quote(a, spans, m).strip(),
        ]


def to_acled_csv(results: Iterable[Result]) -> str:
    """ACLED-like CSV: one row per resolved place per article (see :func:`acled_rows`)."""
    return _render_text(results, "acled")


class ResultWriter:
    """Streams results to a text stream in one of :data:`TEXT_FORMATS`, one article at a time.

    Nothing of an article is kept once it is written, so a run over 200,000 articles holds one
    article in memory, not the batch. :meth:`finish` closes what the format needs closed (the
    GeoJSON FeatureCollection); ``count`` says how many articles were written.
    """

    def __init__(self, fmt: str, out: IO[str]) -> None:
        if fmt not in TEXT_FORMATS:
            raise ValueError(f"unknown text format {fmt!r}; choose one of {', '.join(TEXT_FORMATS)}")
        self.fmt, self.out, self.count = fmt, out, 0
        self._names: dict[str, str] = {}
        self._first_feature = True
        self._csv = csv.writer(out) if fmt in ("csv", "acled") else None
        if fmt == "csv":
            self._csv.writerow(CSV_COLUMNS)
        elif fmt == "acled":
            self._csv.writerow(ACLED_COLUMNS)
        elif fmt == "geojson":
            out.write('{"type": "FeatureCollection", "features": [')

    def write(self, result: Result) -> None:
        self.count += 1
        if self.fmt == "jsonl":
            self.out.write(jsonl_line(result))
        elif self.fmt == "geojson":
            for props, lon, lat in feature_rows(result):
                self.out.write(("" if self._first_feature else ", ") + json.dumps(
                    geojson_feature(props, lon, lat), ensure_ascii=False))
                self._first_feature = False
        else:
            rows = csv_rows(result) if self.fmt == "csv" else acled_rows(result, self._names)
            self._csv.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)

    def finish(self) -> None:
        if self.fmt == "geojson":
            self.out.write("]}")


def _render_text(results: Iterable[Result], fmt: str) -> str:
    out = io.StringIO()
    writer = ResultWriter(fmt, out)
    for result in results:
        writer.write(result)
    writer.finish()
    return out.getvalue()


def render(results: Iterable[Result], fmt: str) -> str:
    """The text formats; GeoParquet is binary: use :func:`write_geoparquet` or :func:`to_geoparquet_bytes`."""
    if fmt == "geoparquet":
        raise ValueError("geoparquet is binary: use write_geoparquet() or to_geoparquet_bytes()")
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return _render_text(results, fmt)
