"""geoapp's Streamlit app: load articles, filter, read the evidence, review and fix places, download.

Run with ``streamlit run app.py`` (see docs/app.md). A thin layer: extraction, filtering, maps,
dates, event types, the review list, corrections and exports are all in the ``geoapp`` library,
so the CLI and the app agree.

Why the caching: the gazetteer (a second to load) is one ``st.cache_resource`` per cache dir; each
article's extraction is one ``st.cache_data`` entry keyed on its *content* and on the fixes stored
for it, and the frames of a set of articles one more, so moving a filter slider reruns only
filtering and drawing, while a saved fix (or an edited article) re-extracts that article alone.

Why the views are stateful tabs (``on_change="rerun"``): only the open tab runs, so the Leaflet map
is built once per rerun, and only when it is shown; the density map, the time series and the
review list cost nothing until asked for.
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
from geoapp.events import (
    EVENT_TYPES,
    counts_over_time,
    event_label,
    event_type,
    filter_event_types,
    present_types,
    relation_name,
    time_unit,
)
from geoapp.frames import filter_frames, filter_results, links_frame, places_frame, published_date
from geoapp.geocode.cache import CACHE_FILENAME, CacheError, Correction, GeocodeCache
from geoapp.maps import build_map, load_basemap, map_html
from geoapp.model import PLACE_FEATURES, Article, Candidate, Mention, Result
from geoapp.pipeline import Geoparser
from geoapp.review import ReviewItem, other_candidates, review_items
from geoapp.settings import Settings, load_settings
from geoapp.text import name_key

SEEDS = Path(__file__).resolve().parent / "seeds"
UPLOAD_TYPES = [suffix.lstrip(".") for suffix in UPLOAD_SUFFIXES]
SOURCES = ["Sample articles", "Folder", "Upload files", "Paste text", "URLs or feeds"]
#: st_folium sends back only the clicked object, so panning and zooming never rerun the script.
RETURNED_OBJECTS = ["last_object_clicked"]
#: Tall enough to read a region at a glance in a 1,000-px window, leaving the tab bar in view.
MAP_HEIGHT = 640
VIEWS = ["Map", "Events", "Density", "Time series", "Review"]
#: The time series' periods (``geoapp.events.time_unit``) as the axis names them.
PERIOD_NAMES = {"D": "day", "W-MON": "week (from Monday)", "MS": "month"}
#: Hexagon colours, few to many mentions (ColorBrewer YlOrRd without its palest step, which would
#: vanish on the pale outlines where most cells hold a mention or two).
DENSITY_COLORS = [
    [254, 217, 118],
    [254, 178, 76],
    [253, 141, 60],
    [252, 78, 42],
    [227, 26, 28],
    [177, 0, 38],
]
#: Less empty space above the title and beside the map: the map is the page.
PAGE_CSS = "<style>[data-testid='stMainBlockContainer']{padding:2.5rem 2.5rem 4rem}</style>"
#: Review items shown per page: each has its own buttons, and hundreds would make every rerun slow.
REVIEW_PAGE = 15


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


class _Listed:
    """The fixes of one article, already read: one query serves the cache keys of every article."""

    def __init__(self, fixes: list[Correction]) -> None:
        self.fixes = fixes

    def list_corrections(self, article_id: str | None = None) -> list[Correction]:
        return [c for c in self.fixes if article_id is None or c.article_id == article_id]


def article_keys(gp: Geoparser, articles: list[Article]) -> list[str]:
    """Per article, a key of its content and of the fixes stored for it: a saved fix changes the
    key of its own article only, so only that article is extracted again."""
    fixes = gp.corrections.list_corrections() if gp.corrections is not None else []
    by_article: dict[str, list[Correction]] = {}
    for fix in fixes:
        by_article.setdefault(fix.article_id, []).append(fix)
    return [
        content_key([a]) + corrections_fingerprint(_Listed(by_article.get(a.id, [])), [a.id])
        for a in articles
    ]


@st.cache_data(show_spinner=False, max_entries=5000)
def parse_one(key: str, cache_dir: str, _article: Article) -> Result:
    """One article's result; ``key`` (its content + its fixes) stands for the unhashed ``_article``."""
    return parser(cache_dir).parse(_article)


@st.cache_data(show_spinner="Finding places …", max_entries=16)
def analyse(
    key: str, cache_dir: str, _articles: tuple[Article, ...], _keys: tuple[str, ...]
) -> tuple[list[Result], Any, Any]:
    """Results and their frames; ``key`` (all the articles' keys) stands for the unhashed arguments."""
    results = [parse_one(k, cache_dir, a) for k, a in zip(_keys, _articles)]
    return results, places_frame(results), links_frame(results)


# -- countries ------------------------------------------------------------------------------------


def country_name(gp: Geoparser, code: str | None) -> str:
    """A country's name for its ISO code, from the gazetteer (CLDR's when it lacks one, else the code).

    The gazetteer's are the names the places themselves carry ("Democratic Republic of the Congo"
    where CLDR says "Congo - Kinshasa"), so filters, tables and the map agree.
    """
    from babel import Locale

    if not code:
        return "--"
    entry = gp.gazetteer.country(code)
    return entry.name if entry is not None else Locale("en").territories.get(code.upper(), code)


def country_names(gp: Geoparser, codes: Any) -> dict[str, str]:
    """:func:`country_name` for every code present (the tables' lookup)."""
    return {code: country_name(gp, code) for code in {c for c in codes if isinstance(c, str) and c}}


# -- the map ----------------------------------------------------------------------------------------


def show_map(places: Any, links: Any) -> dict[str, Any] | None:
    """Draw the map, full width; return what st_folium reports clicked (None with the fallback).

    Exactly one ``build_map`` per call: the download builds its own page only when clicked.
    """
    m = build_map(places, links, title=None, tiles=None)
    try:
        from streamlit_folium import st_folium
    except ImportError:  # the plain embedded page still works, only clicks do not select rows
        components.html(map_html(m), height=MAP_HEIGHT)
        return None
    assets.localize_as_data_uris(m)
    return st_folium(
        m, key="map", height=MAP_HEIGHT, use_container_width=True, returned_objects=RETURNED_OBJECTS
    )


#: How far (degrees, lat + lon) a click may land from a marker's centre and still select it.
CLICK_TOLERANCE = 3.0


def clicked_row(places: pd.DataFrame, clicked: dict[str, Any] | None) -> int | None:
    """The index of the place row at the clicked marker: the nearest to the click.

    st_folium reports where a circle marker was clicked, not its centre: a pixel off at a world
    zoom is a degree off, so an exact match selects nothing. The nearest centre is the marker
    under the mouse; the tolerance only keeps a click on a line far from any place from selecting one.
    """
    obj = (clicked or {}).get("last_object_clicked")
    if not obj or places.empty:
        return None
    try:
        lat, lon = float(obj["lat"]), float(obj["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    dist = (places["lat"] - lat).abs() + (places["lon"] - lon).abs()
    best = dist.idxmin()
    return int(best) if dist[best] < CLICK_TOLERANCE else None


# -- widgets ----------------------------------------------------------------------------------------


def choose_articles(settings: Settings) -> tuple[list[Article], list[str]]:
    """The sidebar's source picker: samples, a folder, uploads, pasted text, or URLs and feeds."""
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
    if source == "URLs or feeds":
        return fetched_articles(settings)
    text = st.sidebar.text_area("Article text (first line is the title)", height=250, key="pasted")
    return ([article_from_text(text)], []) if text.strip() else ([], [])


def fetched_articles(settings: Settings) -> tuple[list[Article], list[str]]:
    """Article pages or RSS/Atom feeds by URL, fetched by ``geoapp.feeds`` when it is installed.

    The fetch runs when **Fetch** is pressed, not on every rerun: its articles are kept in the
    session, so moving a filter never asks a server again (``geoapp.feeds`` caches pages too).
    """
    sb = st.sidebar
    text = sb.text_area(
        "Article or feed URLs, one per line",
        height=150,
        key="urls",
        placeholder="https://example.org/feed.xml",
    )
    try:
        from geoapp.feeds import articles_from_urls
    except ImportError as exc:
        sb.warning(
            "Fetching pages and feeds needs the `geoapp.feeds` module, which this installation does "
            f"not have ({exc}). Save the pages and load them as files instead."
        )
        return [], []
    urls = [line.strip() for line in text.splitlines() if line.strip()]
    if sb.button("Fetch", key="fetch", disabled=not urls):
        with st.spinner(f"Fetching {len(urls)} URL{'s' if len(urls) > 1 else ''} …"):
            articles, errors = articles_from_urls(urls, settings)
        st.session_state["fetched"] = (list(articles), list(errors))
    return st.session_state.get("fetched", ([], []))


def article_labels(articles: list[Article]) -> dict[str, str]:
    """A label per article id: its title (cut), date and language, and its id where that alone
    repeats. Streamlit's multiselect sends labels, not ids, back from the browser: two articles of
    the same title (a wire story in two outlets) would otherwise be one choice."""
    base = {a.id: f"{a.title[:60] or a.id} · {a.published or 'undated'} ({a.lang})" for a in articles}
    seen: dict[str, int] = {}
    for label in base.values():
        seen[label] = seen.get(label, 0) + 1
    return {i: label if seen[label] == 1 else f"{label} [{i}]" for i, label in base.items()}


def sidebar_filters(
    places: pd.DataFrame, links: pd.DataFrame, articles: list[Article], countries: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Filter widgets over what the loaded articles contain: ``filter_frames`` arguments, and the
    event types to keep (``filter_event_types``)."""
    sb = st.sidebar
    sb.header("Filters")
    labels = article_labels(articles)
    chosen = sb.multiselect(
        "Articles", list(labels), default=list(labels), format_func=labels.get, key="articles"
    )
    actors = sb.multiselect("Actors", sorted(set(links["actor"])), key="actors")
    codes = sorted(
        {c for c in places["country_code"] if isinstance(c, str)}, key=lambda c: countries.get(c, c)
    )
    picked_countries = sb.multiselect(
        "Countries", codes, format_func=lambda c: f"{countries.get(c, c)} ({c})", key="countries"
    )
    present = set(places["feature"])
    features = sb.multiselect("Place types", [f for f in PLACE_FEATURES if f in present], key="features")
    types = sb.multiselect(
        "Event types",
        present_types(links["relation"]),
        format_func=event_label,
        key="event_types",
        help="Links by relation; places follow the links kept.",
    )
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
            help="A month-only date (2017-05) counts as the month's first day, a year as 1 January.",
        )
        if isinstance(picked, (tuple, list)) and picked:
            date_from, date_to = picked[0], picked[-1]
        elif isinstance(picked, date):
            date_from = date_to = picked
        include_undated = sb.checkbox("Include undated articles", value=True, key="undated")
    min_mentions = int(sb.number_input("Minimum mentions", min_value=1, value=1, step=1, key="min_mentions"))
    criteria = {
        # An empty article selection means "none", not "no filter".
        "articles": chosen if chosen else ["\x00none"],
        "actors": actors,
        "countries": picked_countries,
        "features": features,
        "date_from": date_from,
        "date_to": date_to,
        "include_undated": include_undated,
        "min_mentions": min_mentions,
    }
    return criteria, types


def show_quotes(row: pd.Series, countries: dict[str, str]) -> None:
    """A place's quotes as plain text with the mention in bold (Markdown-escaped)."""
    country = countries.get(row["country_code"], row["country_code"] or "")
    st.markdown(
        f"**{_md(row['name'])}** · {_md(row['feature'])} · {_md(country)} · "
        f"{row['lat']:.4f}, {row['lon']:.4f} · source: {_md(row['source'])}"
    )
    st.caption(f"{_md(row['article_title'])} ({_md(row['published']) or 'undated'})")
    for quote in row["quotes"]:
        st.markdown("> " + _marked(quote["sentence"], quote["highlights"]))


def _marked(sentence: str, spans: Any) -> str:
    """The sentence, Markdown-escaped, with the given spans in bold, on one line."""
    parts, pos = [], 0
    for s, e in sorted(tuple(x) for x in spans):
        if s < pos:
            continue
        parts.append(_md(sentence[pos:s]) + "**" + _md(sentence[s:e]) + "**")
        pos = e
    parts.append(_md(sentence[pos:]))
    return "".join(parts).replace("\n", " ")


def _md(value: Any) -> str:
    """Escape Markdown (and HTML) in article text shown with st.markdown."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    for ch in "\\`*_{}[]()#+-.!|<>~$:":
        text = text.replace(ch, "\\" + ch)
    return text


def places_view(places: pd.DataFrame, links: pd.DataFrame, countries: dict[str, str]) -> None:
    """The map (full width), the clicked place's quotes and the places table."""
    clicked = show_map(places, links)
    selected = clicked_row(places, clicked)
    if selected is not None:
        st.subheader("Selected place")
        show_quotes(places.loc[selected], countries)
    st.subheader("Places")
    table = places[
        ["article_id", "name", "feature", "country_code", "lat", "lon", "mentions", "confidence", "source"]
        + ["published", "actors", "why"]
    ].copy()
    table.insert(3, "country", table.pop("country_code").map(lambda c: countries.get(c, c)))
    table.insert(0, "selected", [i == selected for i in table.index])
    table["actors"] = table["actors"].map(lambda a: ", ".join(a))
    if selected is not None:
        table = pd.concat([table.loc[[selected]], table.drop(index=selected)])
    st.dataframe(table, hide_index=True, key="places_table")


def events_table(places: pd.DataFrame, links: pd.DataFrame, countries: dict[str, str]) -> pd.DataFrame:
    """One row per link read as an event: type, event date (and where it came from) beside the
    publication date, who, where, and the sentence; newest events first, undated last."""
    place_cc = dict(zip(zip(places["article_id"], places["place_key"]), places["country_code"]))

    def origin(row: pd.Series) -> str:
        if row["event_source"] == "text":
            return f"text: “{row['event_phrase']}”"
        return "publication date" if row["event_source"] == "published" else ""

    table = pd.DataFrame(
        {
            "type": links["relation"].map(event_label),
            "event date": links["event_date"],
            "date from": links.apply(origin, axis=1) if len(links) else [],
            "published": links["published"],
            "actor": links["actor"],
            "actor country": links["actor_country"].map(lambda c: countries.get(c, c) if c else None),
            "place": links["place"],
            "country": [
                countries.get(cc, cc) if isinstance(cc, str) else None
                for cc in (place_cc.get(k) for k in zip(links["article_id"], links["place_key"]))
            ],
            "sentence": links["sentence"].map(lambda s: " ".join(str(s).split())),
            "article": links["article_title"],
            "article_id": links["article_id"],
            "_day": pd.to_datetime(links["event_day"]),
        }
    )
    table = table.sort_values("_day", ascending=False, na_position="last", kind="stable")
    return table.drop(columns="_day")


#: Styler rules: an event type's cell in its colour.
TYPE_STYLES = {event_label(r): f"color: {t.color}; font-weight: 600" for r, t in EVENT_TYPES.items()}


def _type_color(cell: Any) -> str:
    return TYPE_STYLES.get(cell, "")


def events_view(places: pd.DataFrame, links: pd.DataFrame, countries: dict[str, str]) -> None:
    """Links as events, ACLED-style: a summary per type, then the events table."""
    if links.empty:
        st.info("No actor–place links (events) match the filters.")
        return
    counts = links["relation"].map(relation_name).value_counts()
    summary = pd.DataFrame(
        [
            {"type": event_label(r), "events": int(counts[r]), "means": event_type(r).means}
            for r in present_types(links["relation"])
        ]
    )
    st.dataframe(summary.style.map(_type_color, subset=["type"]), hide_index=True, key="event_types_table")
    from_text = int((links["event_source"] == "text").sum())
    st.caption(
        f"{len(links)} events · {from_text} dated by their sentence, "
        f"{int((links['event_source'] == 'published').sum())} by the publication date, "
        f"{int(links['event_source'].isna().sum())} undated"
    )
    table = events_table(places, links, countries)
    st.dataframe(table.style.map(_type_color, subset=["type"]), hide_index=True, key="events_table")


def density_view(places: pd.DataFrame, countries: dict[str, str]) -> None:
    """Where mentions concentrate: hexagons over the country outlines, and mentions per country.

    Drawn with pydeck (deck.gl ships inside Streamlit) with ``map_provider=None``: no basemap
    service is asked; the shipped outlines are the basemap. Only coordinates and counts enter
    the chart, no article text.
    """
    import pydeck as pdk

    points = places[["lon", "lat", "mentions"]].astype(float)
    st.caption(
        f"{int(points['mentions'].sum())} mentions of {len(points)} places, binned in hexagons "
        "(darker: more mentions)."
    )
    sizes = [25, 50, 100, 200, 400]
    span = max(
        float(points["lat"].max() - points["lat"].min()), float(points["lon"].max() - points["lon"].min())
    )
    default = min(sizes, key=lambda km: abs(km - span * 111 / 30)) if span > 0 else 50
    km = st.columns([1, 3])[0].select_slider("Hexagon size (km)", sizes, value=default, key="hex_km")
    view = pdk.data_utils.compute_view(points[["lon", "lat"]].values.tolist(), view_proportion=1)
    view.zoom = max(0.5, min(view.zoom, 8))
    outlines = pdk.Layer(
        "GeoJsonLayer",
        load_basemap(),
        stroked=True,
        filled=True,
        get_fill_color=[244, 241, 232],
        get_line_color=[122, 138, 153],
        line_width_min_pixels=0.5,
    )
    hexes = pdk.Layer(
        "HexagonLayer",
        points,
        id="mentions",
        get_position=["lon", "lat"],
        get_color_weight="mentions",  # summed per hexagon (deck.gl's default aggregation)
        color_range=DENSITY_COLORS,
        radius=km * 1000,
        extruded=False,
        opacity=0.85,
        pickable=True,
    )
    deck = pdk.Deck(
        layers=[outlines, hexes],
        map_provider=None,
        initial_view_state=view,
        tooltip={"text": "{colorValue} mentions"},
    )
    st.pydeck_chart(deck, height=MAP_HEIGHT - 80, key="density")
    per_country = (
        places.assign(
            country=[countries.get(c, c) if isinstance(c, str) else "(none)" for c in places["country_code"]]
        )
        .groupby("country")
        .agg(places=("place_key", "nunique"), mentions=("mentions", "sum"))
        .sort_values("mentions", ascending=False)
        .reset_index()
    )
    st.dataframe(per_country, hide_index=True, key="density_table")


def time_view(places: pd.DataFrame, links: pd.DataFrame) -> None:
    """Mentions per place by publication date, or events per actor or type by event date."""
    what = st.radio(
        "Count",
        ["Place mentions per place", "Events per actor", "Events per type"],
        horizontal=True,
        key="series",
        help="Place mentions are dated by their article's publication date; events (links) by the "
        "date their sentence states, else the publication date.",
    )
    top = int(st.number_input("Top names", min_value=1, max_value=12, value=6, key="series_top"))
    if what == "Place mentions per place":
        frame = places.assign(day=places["published"].map(published_date))
        by, day, weight, noun = "name", "day", "mentions", "mentions"
        left_out = int(frame.loc[frame["day"].isna(), "mentions"].sum())
    else:
        frame = links.assign(type=links["relation"].map(event_label))
        by = "actor" if what == "Events per actor" else "type"
        day, weight, noun = "event_day", None, "events"
        left_out = int(frame["event_day"].isna().sum())
    unit = time_unit(frame[day].dropna())
    table = counts_over_time(frame, by=by, day=day, weight=weight, top=top, unit=unit)
    if table.empty:
        st.info(f"No dated {noun} match the filters.")
        return
    # Period labels as text: Vega then draws one readable bar per period, empty periods included.
    table.index = pd.Index(table.index.strftime("%Y-%m" if unit == "MS" else "%Y-%m-%d"), name="period")
    colors = None
    if by == "type":  # each type in its own colour, as everywhere else; "other" in grey
        palette = {event_label(r): event_type(r).color for r in present_types(links["relation"])}
        colors = [palette.get(column, "#BBBBBB") for column in table.columns]
    st.bar_chart(table, height=420, x_label=PERIOD_NAMES[unit], y_label=noun, color=colors)
    if left_out:
        st.caption(f"{left_out} undated {noun} are not on the time axis.")
    st.dataframe(table.reset_index(), hide_index=True, key="series_table")


# -- the review list --------------------------------------------------------------------------------


def _review_key(item: ReviewItem) -> str:
    """A stable widget key per mention (article ids are arbitrary text)."""
    m = item.mention
    raw = json.dumps([item.article_id, m.field, m.start, m.end], ensure_ascii=False)
    return "rv_" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]


def _save_fix(cache_dir: str, mention: Mention, article_id: str, record: dict[str, Any]) -> None:
    """Button callback: store a fix; the rerun that follows re-extracts with it."""
    try:
        save_correction(cache_dir, mention, article_id, record)
    except (OSError, CacheError) as exc:
        st.session_state["fix_error"] = f"Fix not saved: {exc}"
        return
    target = "not a place" if record.get("action") == "drop" else str(record["name"])
    st.session_state["flash"] = f"Saved: {mention.text} → {target}"


def _save_typed(cache_dir: str, mention: Mention, article_id: str, key: str, was: str | None) -> None:
    """Callback of a review item's coordinates form: validate what was typed, then store it."""
    state = st.session_state
    try:
        record = place_record(
            state[f"{key}_name"], state[f"{key}_lat"], state[f"{key}_lon"], feature="other", was=was
        )
    except ValueError as exc:
        state["fix_error"] = f"Fix not saved: {exc}"
        return
    _save_fix(cache_dir, mention, article_id, record)


def review_view(settings: Settings, gp: Geoparser, results: list[Result]) -> None:
    """Mentions that need a look (unresolved, low confidence, flagged), each with one-click fixes."""
    items = review_items(results)
    if not items:
        st.success("Nothing to review: every mention was placed with confidence.")
        return
    reasons = pd.Series([i.reason for i in items]).value_counts()
    st.caption(
        f"{len(items)} mentions to review: "
        + ", ".join(f"{n} {reason}" for reason, n in reasons.items())
        + ". A fix is stored like any other (see **Fix a place**) and applied on every later run."
    )
    pages = (len(items) - 1) // REVIEW_PAGE + 1
    if st.session_state.get("review_page", 1) > pages:  # fixes emptied the last page
        st.session_state["review_page"] = pages
    page = int(st.number_input("Page", 1, pages, 1, key="review_page")) if pages > 1 else 1
    cache_dir = str(settings.cache_dir)
    for item in items[(page - 1) * REVIEW_PAGE : page * REVIEW_PAGE]:
        key = _review_key(item)
        place = item.place
        with st.container(border=True, key=f"{key}_box"):
            left, right = st.columns([3, 2])
            if place is None:
                now = "not placed"
            else:
                country = country_name(gp, place.country_code)
                now = f"{_md(place.name)}, {_md(country)} ({_md(place.feature)})"
                now += f" · confidence {place.confidence:.2f}"
            left.markdown(f"**{_md(item.mention.text)}** · {item.reason} · now: {now}")
            left.markdown("> " + _marked(item.sentence, [item.highlight]))
            left.caption(_md(item.article_title or item.article_id))
            if item.alternatives:
                left.caption("Alternatives: " + _md("; ".join(item.alternatives)))
            was = place.name if place else None
            for cand in other_candidates(gp.gazetteer, item):
                right.button(
                    f"→ {cand.name}, {country_name(gp, cand.country_code)} ({cand.feature})",
                    key=f"{key}_c{cand.geonameid or cand.name}",
                    on_click=_save_fix,
                    args=(cache_dir, item.mention, item.article_id, candidate_record(cand, was=was)),
                    help=candidate_label(cand),
                )
            right.button(
                "✕ Not a place",
                key=f"{key}_drop",
                on_click=_save_fix,
                args=(cache_dir, item.mention, item.article_id, drop_record()),
            )
            with right.popover("Type coordinates"):
                st.text_input("Name", value=item.mention.text, key=f"{key}_name")
                st.number_input("Latitude", -90.0, 90.0, value=place.lat if place else 0.0, key=f"{key}_lat")
                st.number_input(
                    "Longitude", -180.0, 180.0, value=place.lon if place else 0.0, key=f"{key}_lon"
                )
                st.button(
                    "Save",
                    key=f"{key}_save",
                    on_click=_save_typed,
                    args=(cache_dir, item.mention, item.article_id, key, was),
                )


# -- downloads and the full fix panel ----------------------------------------------------------------


def downloads(results: list[Result], places: Any, links: Any) -> None:
    """Download buttons for what is on screen: HTML map, GeoJSON, CSV, GeoParquet.

    Each file is made when its button is pressed (Streamlit's deferred downloads), not on every
    rerun: the HTML page alone is a second map build.
    """

    def shown() -> list[Result]:
        return filter_results(results, places, links)

    files = [
        ("Map (HTML)", "geoapp-map.html", "text/html", "dl_html",
         lambda: map_html(build_map(places, links, title="geoapp", tiles=None), self_contained=True)),
        ("GeoJSON", "geoapp-places.geojson", "application/geo+json", "dl_geojson",
         lambda: export.to_geojson(shown())),
        ("CSV", "geoapp-places.csv", "text/csv", "dl_csv", lambda: export.to_acled_csv(shown())),
        ("GeoParquet", "geoapp-places.parquet", "application/octet-stream", "dl_parquet",
         lambda: export.to_geoparquet_bytes(shown())),
    ]  # fmt: skip
    for col, (label, name, mime, key, make) in zip(st.columns(len(files)), files):
        col.download_button(label, make, name, mime, key=key, on_click="ignore")


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
    st.html(PAGE_CSS)
    st.title("geoapp — places in the news")
    settings = load_settings()
    cache_dir = str(settings.cache_dir)
    articles, errors = choose_articles(settings)
    for message in errors:
        st.error(message)
    if flash := st.session_state.pop("flash", None):
        st.success(flash)
    if problem := st.session_state.pop("fix_error", None):
        st.error(problem)
    if not articles:
        st.info("Choose sample articles, a folder, upload files, paste some text, or fetch URLs.")
        return
    gp = parser(cache_dir)
    keys = tuple(article_keys(gp, articles))
    key = hashlib.sha1("".join(keys).encode("ascii")).hexdigest()
    results, all_places, all_links = analyse(key, cache_dir, tuple(articles), keys)
    codes = list(all_places["country_code"]) + list(all_links["actor_country"])
    countries = country_names(gp, codes)
    criteria, types = sidebar_filters(all_places, all_links, articles, countries)
    places, links = filter_frames(all_places, all_links, **criteria)
    places, links = filter_event_types(places, links, types)
    n_mentions = int(places["mentions"].sum()) if not places.empty else 0
    st.caption(
        f"{places['article_id'].nunique()} of {len(results)} articles · {len(places)} places · "
        f"{n_mentions} mentions · {len(links)} links",
        help="Counts after the sidebar filters.",
    )
    chosen = set(criteria["articles"])
    tabs = dict(zip(VIEWS, st.tabs(VIEWS, key="view", on_change="rerun")))
    with tabs["Map"]:
        if tabs["Map"].open:
            if places.empty:
                st.info("No places match the chosen articles and filters.")
            else:
                places_view(places, links, countries)
    with tabs["Events"]:
        if tabs["Events"].open:
            events_view(places, links, countries)
    with tabs["Density"]:
        if tabs["Density"].open:
            if places.empty:
                st.info("No places match the chosen articles and filters.")
            else:
                density_view(places, countries)
    with tabs["Time series"]:
        if tabs["Time series"].open:
            time_view(places, links)
    with tabs["Review"]:
        if tabs["Review"].open:
            review_view(settings, gp, [r for r in results if r.article.id in chosen])
    st.subheader("Downloads")
    downloads(results, places, links)
    with st.expander("Fix a place (stored in the cache and applied on every later run, CLI included)"):
        corrections_panel(settings, parser(cache_dir), results)


main()
