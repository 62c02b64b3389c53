"""geoapp's Streamlit app: load articles, filter, read the quotes behind each place, fix places, download.

Run with ``streamlit run app.py`` (see docs/app.md). A thin layer: extraction, filtering, maps,
corrections and exports are all in the ``geoapp`` library, so the CLI and the app agree.

Why the caching: the gazetteer (a second to load) is one ``st.cache_resource`` per cache dir; the
extraction of a set of articles is one ``st.cache_data`` entry keyed on the articles' *content* and
on the fixes stored for them, so moving a filter slider reruns only filtering and drawing, while a
saved fix (or an edited article) re-extracts.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from geoapp import assets, export
from geoapp.articles import UPLOAD_SUFFIXES, article_from_text, read_folder, read_uploads
from geoapp.corrections import (
    ReadOnlyCorrections,
    candidate_record,
    corrections_fingerprint,
    drop_record,
    place_record,
    save_correction,
)
from geoapp.frames import filter_frames, filter_results, links_frame, places_frame, published_date
from geoapp.geocode.cache import CACHE_FILENAME, CacheError, GeocodeCache
from geoapp.maps import build_map, map_html
from geoapp.model import PLACE_FEATURES, Article, Candidate, Result
from geoapp.pipeline import Geoparser
from geoapp.settings import Settings, load_settings
from geoapp.text import name_key

SEEDS = Path(__file__).resolve().parent / "seeds"
UPLOAD_TYPES = [suffix.lstrip(".") for suffix in UPLOAD_SUFFIXES]
SOURCES = ["Sample articles", "Folder", "Upload files", "Paste text"]
#: st_folium sends back only the clicked object, so panning and zooming never rerun the script.
RETURNED_OBJECTS = ["last_object_clicked"]


# -- loading and extraction -----------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the gazetteer …")
def parser(cache_dir: str) -> Geoparser:
    """One parser per cache dir (the gazetteer itself is shared); it reads fixes from that dir."""
    settings = load_settings(cache_dir=Path(cache_dir))
    return Geoparser(settings, corrections=ReadOnlyCorrections.from_settings(settings))


def content_key(articles: list[Article]) -> str:
    """A digest of everything extraction reads, so equal inputs share one cache entry."""
    digest = hashlib.sha1()
    for a in articles:
        fields = [a.id, a.title, a.text, a.lang, a.url, a.source, a.published, a.title_in_text]
        digest.update(json.dumps(fields, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


@st.cache_data(show_spinner="Finding places …", max_entries=16)
def analyse(key: str, cache_dir: str, _articles: tuple[Article, ...]) -> tuple[list[Result], Any, Any]:
    """Results and their frames; ``key`` (content + fixes) stands for the unhashed ``_articles``."""
    gp = parser(cache_dir)
    results = [gp.parse(a) for a in _articles]
    return results, places_frame(results), links_frame(results)


# -- the map ----------------------------------------------------------------------------------------


def show_map(places: Any, links: Any) -> dict[str, Any] | None:
    """Draw the map; return what st_folium reports clicked (None with the static fallback)."""
    m = build_map(places, links, title=None, tiles=None)
    try:
        from streamlit_folium import st_folium

        assets.localize_as_data_uris(m)
    except Exception:  # no streamlit-folium, or an asset missing: the plain embedded page still works
        components.html(map_html(build_map(places, links, title=None, tiles=None)), height=560)
        return None
    return st_folium(m, key="map", height=560, returned_objects=RETURNED_OBJECTS)


def clicked_row(places: pd.DataFrame, clicked: dict[str, Any] | None) -> int | None:
    """The index of the place row at the clicked marker (nearest within a small tolerance)."""
    obj = (clicked or {}).get("last_object_clicked")
    if not obj or places.empty:
        return None
    try:
        lat, lon = float(obj["lat"]), float(obj["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    dist = (places["lat"] - lat).abs() + (places["lon"] - lon).abs()
    best = dist.idxmin()
    return int(best) if dist[best] < 1e-3 else None


# -- widgets ----------------------------------------------------------------------------------------


def choose_articles() -> tuple[list[Article], list[str]]:
    """The sidebar's source picker: samples, a folder, uploads or pasted text."""
    source = st.sidebar.radio("Articles from", SOURCES, key="source")
    if source == "Sample articles":
        return read_folder(str(SEEDS))
    if source == "Folder":
        path = st.sidebar.text_input("Folder or file path", key="folder", placeholder="/path/to/articles")
        return read_folder(path) if path.strip() else ([], [])
    if source == "Upload files":
        uploads = st.sidebar.file_uploader(
            "Article files", type=UPLOAD_TYPES, accept_multiple_files=True, key="uploads"
        )
        return read_uploads([(f.name, f.getvalue()) for f in uploads or []])
    text = st.sidebar.text_area("Article text (first line is the title)", height=250, key="pasted")
    return ([article_from_text(text)], []) if text.strip() else ([], [])


def sidebar_filters(places: pd.DataFrame, links: pd.DataFrame, articles: list[Article]) -> dict[str, Any]:
    """Filter widgets over what the loaded articles contain; returns ``filter_frames`` arguments."""
    sb = st.sidebar
    sb.header("Filters")
    labels = {a.id: f"{a.title[:60] or a.id} ({a.lang})" for a in articles}
    chosen = sb.multiselect(
        "Articles", list(labels), default=list(labels), format_func=labels.get, key="articles"
    )
    actors = sb.multiselect("Actors", sorted(set(links["actor"])), key="actors")
    countries = sb.multiselect(
        "Countries", sorted({c for c in places["country_code"] if isinstance(c, str)}), key="countries"
    )
    present = set(places["feature"])
    features = sb.multiselect("Place types", [f for f in PLACE_FEATURES if f in present], key="features")
    days = sorted({d for d in (published_date(a.published) for a in articles) if d is not None})
    date_from = date_to = None
    include_undated = True
    if days:
        picked = sb.date_input(
            "Published between",
            value=(days[0], days[-1]),
            min_value=days[0],
            max_value=days[-1],
            key="dates",
        )
        if isinstance(picked, (tuple, list)) and picked:
            date_from, date_to = picked[0], picked[-1]
        elif isinstance(picked, date):
            date_from = date_to = picked
        include_undated = sb.checkbox("Include undated articles", value=True, key="undated")
    min_mentions = int(sb.number_input("Minimum mentions", min_value=1, value=1, step=1, key="min_mentions"))
    return {
        # An empty article selection means "none", not "no filter".
        "articles": chosen if chosen else ["\x00none"],
        "actors": actors,
        "countries": countries,
        "features": features,
        "date_from": date_from,
        "date_to": date_to,
        "include_undated": include_undated,
        "min_mentions": min_mentions,
    }


def show_quotes(row: pd.Series) -> None:
    """A place's quotes as plain text with the mention in bold (Markdown-escaped)."""
    st.markdown(
        f"**{_md(row['name'])}** · {_md(row['feature'])} · {_md(row['country_code'] or '')} · "
        f"{row['lat']:.4f}, {row['lon']:.4f} · source: {_md(row['source'])}"
    )
    st.caption(f"{_md(row['article_title'])} ({_md(row['published'] or 'undated')})")
    for quote in row["quotes"]:
        sentence, spans, parts, pos = quote["sentence"], sorted(quote["highlights"]), [], 0
        for s, e in spans:
            if s < pos:
                continue
            parts.append(_md(sentence[pos:s]) + "**" + _md(sentence[s:e]) + "**")
            pos = e
        parts.append(_md(sentence[pos:]))
        st.markdown("> " + "".join(parts).replace("\n", " "))


def _md(value: Any) -> str:
    """Escape Markdown (and HTML) in article text shown with st.markdown."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    for ch in "\\`*_{}[]()#+-.!|<>~$":
        text = text.replace(ch, "\\" + ch)
    return text


def downloads(results: list[Result], places: Any, links: Any) -> None:
    """Download buttons for what is on screen: HTML map, GeoJSON, CSV, GeoParquet when available."""
    shown = filter_results(results, places, links)
    cols = st.columns(4)
    page = map_html(build_map(places, links, title="geoapp", tiles=None), self_contained=True)
    cols[0].download_button(
        "Map (HTML)", page, "geoapp-map.html", "text/html", key="dl_html", on_click="ignore"
    )
    cols[1].download_button(
        "GeoJSON",
        export.to_geojson(shown),
        "geoapp-places.geojson",
        "application/geo+json",
        key="dl_geojson",
        on_click="ignore",
    )
    cols[2].download_button(
        "CSV",
        export.to_acled_csv(shown),
        "geoapp-places.csv",
        "text/csv",
        key="dl_csv",
        on_click="ignore",
    )
    cols[3].download_button(
        "GeoParquet",
        export.to_geoparquet_bytes(shown),
        "geoapp-places.parquet",
        "application/octet-stream",
        key="dl_parquet",
        on_click="ignore",
    )


def candidate_label(c: Candidate) -> str:
    """Enough to tell 20 Washingtons apart: region, country, type, population, coordinates."""
    where = ", ".join(x for x in (c.admin1, c.country_code) if x)
    return f"{c.name} — {where} ({c.feature}, pop. {c.population:,}) {c.lat:.3f}, {c.lon:.3f}"


def corrections_panel(settings: Settings, gp: Geoparser, results: list[Result]) -> None:
    """Re-assign a mention to another candidate or to coordinates, or drop it; stored for every run."""
    by_id = {r.article.id: r for r in results}
    aid = st.selectbox(
        "Article", list(by_id), format_func=lambda i: by_id[i].article.title[:80] or i, key="fix_article"
    )
    result = by_id[aid]
    mentions = result.places
    if not mentions:
        st.info("No place mentions in this article.")
        return

    def label(i: int) -> str:
        pm = mentions[i]
        m, p = pm.mention, pm.place
        where = f"{m.field} {m.start}–{m.end}"
        target = f"{p.name}, {p.country_code or '--'} [{p.source}]" if p else "unresolved"
        return f"{m.text} ({where}) → {target}"

    index = st.selectbox("Mention", range(len(mentions)), format_func=label, key="fix_mention")
    pm = mentions[index]
    action = st.radio(
        "Fix",
        ["Another gazetteer candidate", "Coordinates", "Not a place (drop)"],
        key="fix_action",
        horizontal=True,
    )
    record: dict[str, Any] | None = None
    was = pm.place.name if pm.place else None
    if action == "Another gazetteer candidate":
        keys = [name_key(pm.mention.text)] + ([name_key(pm.place.name)] if pm.place else [])
        seen: set[Any] = set()
        cands = []
        for key in keys:
            for c in gp.gazetteer.candidates(key):
                ident = c.geonameid or (c.name, c.lat, c.lon)
                if ident not in seen:
                    seen.add(ident)
                    cands.append(c)
        if not cands:
            st.info("The gazetteer has no other candidate for this name; type coordinates instead.")
        else:
            pick = st.selectbox(
                "Candidate",
                range(len(cands)),
                format_func=lambda i: candidate_label(cands[i]),
                key="fix_candidate",
            )
            record = candidate_record(cands[pick], was=was)
    elif action == "Coordinates":
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Name", value=pm.mention.text, key="fix_name")
        here = pm.place
        lat = c2.number_input("Latitude", -90.0, 90.0, value=here.lat if here else 0.0, key="fix_lat")
        lon = c3.number_input("Longitude", -180.0, 180.0, value=here.lon if here else 0.0, key="fix_lon")
        c4, c5 = st.columns(2)
        feature = c4.selectbox("Type", PLACE_FEATURES, index=PLACE_FEATURES.index("city"), key="fix_feature")
        cc = c5.text_input("Country code", value=(here.country_code or "") if here else "", key="fix_cc")
        try:
            record = place_record(name, lat, lon, country_code=cc, feature=feature, was=was)
        except ValueError as exc:
            st.error(str(exc))
    else:
        record = drop_record()
    if st.button("Save fix", key="fix_save", disabled=record is None) and record is not None:
        try:
            save_correction(settings.cache_dir, pm.mention, aid, record)
        except (OSError, CacheError) as exc:
            st.error(f"Fix not saved: {exc}")
            return
        st.session_state["flash"] = f"Saved: {pm.mention.text} → " + (
            "not a place" if record.get("action") == "drop" else str(record["name"])
        )
        st.rerun()
    fixes_table(settings, set(by_id))


def fixes_table(settings: Settings, article_ids: set[str]) -> None:
    """The stored fixes of the loaded articles, and export/import of all fixes as JSONL."""
    store = ReadOnlyCorrections.from_settings(settings)
    fixes = store.list_corrections()
    store.close()
    shown = [c for c in fixes if c.article_id in article_ids]
    if shown:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "article_id": c.article_id,
                        "field": c.field,
                        "start": c.start,
                        "end": c.end,
                        "text": c.text,
                        "fix": "drop" if c.place.get("action") == "drop" else c.place.get("name"),
                        "lat": c.place.get("lat"),
                        "lon": c.place.get("lon"),
                    }
                    for c in shown
                ]
            ),
            hide_index=True,
            key="fixes_table",
        )
    lines = "".join(json.dumps(c.to_record(), ensure_ascii=False, sort_keys=True) + "\n" for c in fixes)
    st.download_button(
        f"Export all fixes ({len(fixes)}, JSONL)",
        lines,
        "geoapp-fixes.jsonl",
        "application/jsonl",
        key="fix_export",
        disabled=not fixes,
        on_click="ignore",
    )
    upload = st.file_uploader("Import fixes (JSONL)", type=["jsonl"], key="fix_import")
    if upload is not None and st.session_state.get("fix_imported") != upload.file_id:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "fixes.jsonl"
            path.write_bytes(upload.getvalue())
            try:
                with GeocodeCache(Path(settings.cache_dir) / CACHE_FILENAME) as cache:
                    n = cache.import_corrections(path)
            except (OSError, ValueError, KeyError, CacheError) as exc:
                st.error(f"{upload.name}: not imported ({exc})")
                return
        st.session_state["fix_imported"] = upload.file_id
        st.session_state["flash"] = f"Imported {n} fixes from {upload.name}"
        st.rerun()


# -- page -------------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title="geoapp", layout="wide")
    st.title("geoapp — places in the news")
    settings = load_settings()
    cache_dir = str(settings.cache_dir)
    articles, errors = choose_articles()
    for message in errors:
        st.error(message)
    if flash := st.session_state.pop("flash", None):
        st.success(flash)
    if not articles:
        st.info("Choose sample articles, a folder, upload files, or paste some text.")
        return
    gp = parser(cache_dir)
    key = content_key(articles) + corrections_fingerprint(gp.corrections, [a.id for a in articles])
    results, all_places, all_links = analyse(key, cache_dir, tuple(articles))
    criteria = sidebar_filters(all_places, all_links, articles)
    places, links = filter_frames(all_places, all_links, **criteria)
    n_mentions = int(places["mentions"].sum()) if not places.empty else 0
    st.caption(
        f"{places['article_id'].nunique()} of {len(results)} articles · {len(places)} places · "
        f"{n_mentions} mentions · {len(links)} links",
        help="Counts after the sidebar filters.",
    )
    if places.empty:
        st.info("No places match the chosen articles and filters.")
    else:
        clicked = show_map(places, links)
        selected = clicked_row(places, clicked)
        if selected is not None:
            st.subheader("Selected place")
            show_quotes(places.loc[selected])
        st.subheader("Places")
        columns = ["article_id", "name", "feature", "country_code", "lat", "lon", "mentions", "source"]
        table = places[columns + ["actors", "why"]].copy()
        table.insert(0, "selected", [i == selected for i in table.index])
        table["actors"] = table["actors"].map(lambda a: ", ".join(a))
        if selected is not None:
            table = pd.concat([table.loc[[selected]], table.drop(index=selected)])
        st.dataframe(table, hide_index=True, key="places_table")
        st.subheader("Links")
        st.dataframe(
            links[["article_id", "actor", "actor_kind", "place", "relation", "sentence"]],
            hide_index=True,
            key="links_table",
        )
        st.subheader("Downloads")
        downloads(results, places, links)
    with st.expander("Fix a place (stored in the cache and applied on every later run, CLI included)"):
        corrections_panel(settings, parser(cache_dir), results)


main()
