"""Writers for results and frames: JSONL (the contract), GeoJSON, CSV. They compute nothing new.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so an
interrupted run never leaves half a file where a complete one was expected.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .model import Result

FORMATS = ("jsonl", "geojson", "csv")


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` all at once or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def to_jsonl(results: Iterable[Result]) -> str:
    """One JSON object per article, in input order (the JSONL contract)."""
    return "".join(json.dumps(r.to_record(), ensure_ascii=False) + "\n" for r in results)


def to_geojson(results: Iterable[Result]) -> str:
    """RFC 7946 FeatureCollection: one Point feature per resolved place mention (lon, lat order).

    Properties are the JSONL contract's place fields plus the article's id, title, url and date.
    """
    features = []
    for result in results:
        record = result.to_record()
        article = {k: record[k] for k in ("id", "title", "url", "published")}
        for place in record["places"]:
            if place["lat"] is None:
                continue
            props = {f"article_{k}": v for k, v in article.items()}
            props.update(place)
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [place["lon"], place["lat"]]},
                    "properties": props,
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


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


def render(results: list[Result], fmt: str) -> str:
    if fmt == "jsonl":
        return to_jsonl(results)
    if fmt == "geojson":
        return to_geojson(results)
    if fmt == "csv":
        return to_csv(results)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
