"""Folium maps of places and actor links that render with no internet and cannot be scripted by articles.

Why the care:

* Offline. Tiles are optional; a country-outline layer from ``geoapp/data/countries.geojson.gz`` is
  always drawn beneath them, so a map opened without network (or saved self-contained for opsec)
  still shows where things are. Leaflet itself comes from installed packages (:mod:`geoapp.assets`).
* Hostile text. Article titles, quotes, names and URLs are data from the outside world. Every piece
  is passed through :func:`html.escape` before it enters HTML, and every string that enters a
  ``<script>`` goes through :func:`_js`, a JSON encoder that also escapes ``<``, ``>`` and ``&``.
  folium's own ``Popup``/``Tooltip`` are *not* used: they paste HTML into a JS template literal
  (backticks), where ``${…}`` in an article would run. Popups and tooltips are bound by small
  elements of our own instead, which also removes the jQuery/Bootstrap dependency of popups.
* Testability. Every drawn place carries the CSS class ``geoapp-place``, every link line
  ``geoapp-link``, the legend ``geoapp-legend`` and popups ``geoapp-popup``, so tests count them in
  the DOM.
"""

from __future__ import annotations

import gzip
import html
import json
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from geoapp import assets

BASEMAP_PATH = Path(__file__).resolve().parent / "data" / "countries.geojson.gz"
BASEMAP_ATTRIBUTION = "Outlines: Natural Earth (public domain) via world-atlas (ISC)"

#: Marker colours by place feature (colour-blind-friendly Okabe-Ito hues).
FEATURE_COLORS: dict[str, str] = {
    "continent": "#56B4E9",
    "country": "#0072B2",
    "region": "#009E73",
    "city": "#D55E00",
    "feature": "#CC79A7",
    "other": "#777777",
}

#: Actor line colours, assigned in order of first appearance (Tableau 10, distinct from the above).
ACTOR_PALETTE: tuple[str, ...] = (
    "#e15759",
    "#4e79a7",
    "#f28e2b",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

MAX_QUOTES = 5

_CSS = """
<style>
.folium-map.leaflet-container { background: #cfe3ef; }
.geoapp-legend, .geoapp-title { background: rgba(255,255,255,.92); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.4 system-ui, sans-serif; max-width: 260px; }
.geoapp-title { font-size: 15px; font-weight: 600; max-width: 60vw; }
.geoapp-legend h4 { margin: 4px 0 2px; font-size: 12px; }
.geoapp-legend .geoapp-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
  vertical-align: middle; border-radius: 50%; }
.geoapp-legend .geoapp-line { display: inline-block; width: 18px; height: 3px; margin-right: 5px;
  vertical-align: middle; }
.geoapp-popup .leaflet-popup-content { font: 13px/1.4 system-ui, sans-serif; max-height: 320px;
  overflow-y: auto; }
.geoapp-popup h4 { margin: 0 0 4px; font-size: 15px; }
.geoapp-popup .geoapp-meta, .geoapp-popup .geoapp-why { color: #555; font-size: 12px; }
.geoapp-popup blockquote { margin: 6px 0; padding-left: 8px; border-left: 3px solid #ccc; }
.geoapp-popup mark { background: #ffe066; padding: 0 1px; }
</style>
"""


# --------------------------------------------------------------------------------------------- text


def _js(value: Any) -> str:
    """JSON for a ``<script>``: also escapes ``<``, ``>``, ``&`` and JS line separators.

    ``json.dumps`` alone leaves ``</script>`` intact, which ends the script element whatever the
    quoting; the unicode escapes keep the same string value without ever forming a tag.
    """
    text = json.dumps(value, ensure_ascii=False)
    for char, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, esc)
    return text


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _text(value: Any) -> str:
    """A display string for a frame cell (None/NaN become empty)."""
    return "" if _missing(value) else str(value)


def esc(value: Any) -> str:
    """HTML-escape any cell value, quotes included (safe in text and in attribute values)."""
    return html.escape(_text(value), quote=True)


def _as_list(value: Any) -> list[Any]:
    """Lists survive pandas/parquet as lists, tuples or numpy arrays; scalars/None become []."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return [] if value is None else [value]
    if isinstance(value, float) and math.isnan(value):
        return []
    try:
        return list(value)
    except TypeError:
        return [value]


def highlight(sentence: str, spans: Iterable[Sequence[int]]) -> str:
    """Escape ``sentence`` and wrap each ``[start, end)`` span in ``<mark>``.

    Spans are clamped, sorted and merged, so overlapping or out-of-range offsets from upstream never
    produce broken markup; escaping happens per segment *after* cutting, so offsets stay valid.
    """
    clean: list[tuple[int, int]] = []
    for span in _as_list(spans):
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            continue
        start, end = max(0, start), min(len(sentence), end)
        if start < end:
            clean.append((start, end))
    merged: list[list[int]] = []
    for start, end in sorted(clean):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(html.escape(sentence[pos:start]))
        out.append(f"<mark>{html.escape(sentence[start:end])}</mark>")
        pos = end
    out.append(html.escape(sentence[pos:]))
    return "".join(out)


def _safe_url(url: Any) -> str | None:
    """Only http(s) URLs become links: ``javascript:`` or ``data:`` in an article must not run on click."""
    text = _text(url).strip()
    if not text:
        return None
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    return text if scheme in ("http", "https") else None


def _article_html(title: Any, url: Any, published: Any) -> str:
    link = _safe_url(url)
    label = esc(title) or "(untitled article)"
    if link:
        label = (
            f'<a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a>'
        )
    date = f" · {esc(published)}" if _text(published) else ""
    return f'<div class="geoapp-article">{label}{date}</div>'


def place_popup_html(row: Any) -> str:
    """The popup of one place row: every value escaped, quotes with their mentions marked."""
    get = row.get
    lat, lon = get("lat"), get("lon")
    coords = ""
    if not _missing(lat) and not _missing(lon):
        coords = f"{float(lat):.4f}, {float(lon):.4f}"
    where = ", ".join(esc(v) for v in (get("admin1"), get("country_code")) if _text(v))
    parts = [
        f"<h4>{esc(get('name'))}</h4>",
        f'<div class="geoapp-meta">{esc(get("feature"))}{" · " + where if where else ""}'
        f"{' · ' + coords if coords else ''}</div>",
        f'<div class="geoapp-why">source: {esc(get("source"))}'
        f"{' — ' + esc(get('why')) if _text(get('why')) else ''}</div>",
    ]
    quotes = _as_list(get("quotes"))
    for quote in quotes[:MAX_QUOTES]:
        if isinstance(quote, dict):
            body = highlight(_text(quote.get("sentence")), quote.get("highlights") or [])
        else:
            body = esc(quote)
        parts.append(f'<blockquote class="geoapp-quote">{body}</blockquote>')
    if len(quotes) > MAX_QUOTES:
        parts.append(f'<div class="geoapp-meta">… {len(quotes) - MAX_QUOTES} more</div>')
    parts.append(_article_html(get("article_title"), get("article_url"), get("published")))
    actors = [esc(a) for a in _as_list(get("actors")) if _text(a)]
    if actors:
        parts.append(f'<div class="geoapp-actors">Actors: {", ".join(actors)}</div>')
    return "".join(parts)


def link_popup_html(row: Any) -> str:
    """The popup of one actor→place line: the evidence sentence with actor and place marked."""
    get = row.get
    who = esc(get("actor"))
    detail = ", ".join(esc(v) for v in (get("actor_kind"), get("actor_country")) if _text(v))
    return "".join(
        [
            f"<h4>{who} → {esc(get('place'))}</h4>",
            f'<div class="geoapp-meta">{esc(get("relation")) or "mentioned with"}'
            f"{' · ' + detail if detail else ''}</div>",
            f'<blockquote class="geoapp-quote">{highlight(_text(get("sentence")), get("highlights"))}'
            "</blockquote>",
            _article_html(get("article_title"), get("article_url"), get("published")),
        ]
    )


# ------------------------------------------------------------------------------------- elements


class BindPopup(MacroElement):
    """``layer.bindPopup(html)`` with the HTML passed as a script-safe JSON string.

    Replaces folium's ``Popup`` (see the module docstring): no template literal, no jQuery.
    ``html`` must already be escaped/sanitised markup.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindPopup({{ this.content }}, {{ this.options }});
{% endmacro %}"""
    )

    def __init__(self, html_content: str, *, max_width: int = 360) -> None:
        super().__init__()
        self._name = "BindPopup"
        self.content = _js(html_content)
        self.options = _js({"maxWidth": max_width, "className": "geoapp-popup"})


class BindTooltip(MacroElement):
    """``layer.bindTooltip(text)``; Leaflet renders tooltips as HTML, so ``text`` is escaped here."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindTooltip({{ this.content }}, {"sticky": true});
{% endmacro %}"""
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "BindTooltip"
        self.content = _js(html.escape(text, quote=True))


class OutlineBasemap(Layer):
    """Country outlines as a GeoJSON layer in a pane *below* the tile pane.

    Below, so that real tiles cover it when they load and it shows through when they do not.
    Not interactive: clicks go to the markers and lines, never to a country.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  if (!map.getPane("geoappBasemap")) {
    var pane = map.createPane("geoappBasemap");
    pane.style.zIndex = 150;
    pane.style.pointerEvents = "none";
  }
})();
var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
  pane: "geoappBasemap", interactive: false, attribution: {{ this.attribution }},
  style: {color: "#7a8a99", weight: 0.7, fillColor: "#f4f1e8", fillOpacity: 1}
});
{% endmacro %}"""
    )

    def __init__(self, geojson: dict[str, Any], name: str = "Country outlines") -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "OutlineBasemap"
        self.data = _js(geojson)
        self.attribution = _js(BASEMAP_ATTRIBUTION)


class MapControl(MacroElement):
    """A Leaflet control holding ready-made (already escaped) HTML: the legend and the title."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position }}});
{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create("div", {{ this.css_class }});
  div.innerHTML = {{ this.content }};
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, html_content: str, css_class: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "MapControl"
        self.content = _js(html_content)
        self.css_class = _js(css_class)
        self.position = _js(position)


class Attribution(MacroElement):
    """Adds a credit to the map's attribution line (e.g. OpenStreetMap for Nominatim results)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text }});
{% endmacro %}"""
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = _js(html.escape(text))


#: Place sources whose data come from OpenStreetMap and must be credited on the map.
OSM_SOURCES = ("nominatim", "cache")
OSM_CREDIT = "© OpenStreetMap contributors"

# ------------------------------------------------------------------------------------------ map


@lru_cache(maxsize=1)
def _basemap_text() -> str:
    with gzip.open(BASEMAP_PATH, "rt", encoding="utf-8") as fh:
        return fh.read()


def load_basemap() -> dict[str, Any]:
    """The shipped country outlines (built by ``scripts/build_basemap.py``) as a GeoJSON dict."""
    return json.loads(_basemap_text())


def _rows(frame: Any) -> list[dict[str, Any]]:
    """Rows of a (Geo)DataFrame as dicts; None or empty gives []."""
    if frame is None or len(frame) == 0:
        return []
    return frame.to_dict("records")


def _radius(mentions: Any) -> float:
    try:
        n = max(1, int(mentions))
    except (TypeError, ValueError):
        n = 1
    return round(min(22.0, 5.0 + 3.0 * math.sqrt(n - 1)), 1)


def _point(row: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) from the row's lat/lon, else from its Point geometry; None when unplaceable."""
    lat, lon = row.get("lat"), row.get("lon")
    if _missing(lat) or _missing(lon):
        geom = row.get("geometry")
        if geom is None or getattr(geom, "is_empty", True):
            return None
        lat, lon = geom.y, geom.x
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return lat, lon


def _line(geom: Any) -> list[tuple[float, float]] | None:
    """LineString (or MultiLineString, flattened) as Leaflet (lat, lon) pairs."""
    if geom is None or getattr(geom, "is_empty", True):
        return None
    parts = getattr(geom, "geoms", [geom])
    coords = [(float(y), float(x)) for part in parts for x, y, *_ in part.coords]
    return coords if len(coords) >= 2 else None


def _add_tiles(m: folium.Map, tiles: str | None, attribution: str | None) -> None:
    if tiles is None:
        return
    if tiles.lower() in ("openstreetmap", "osm"):
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", overlay=False, control=True).add_to(m)
        return
    if "{" not in tiles:
        # A named xyzservices provider (e.g. "CartoDB positron"); folium knows its attribution.
        folium.TileLayer(tiles, attr=attribution, name=tiles, overlay=False, control=True).add_to(m)
        return
    attr = attribution or f"Tiles: {urlsplit(tiles).hostname or 'custom'}"
    folium.TileLayer(tiles, attr=html.escape(attr), name="Tiles", overlay=False, control=True).add_to(m)


def actor_colors(actors: Iterable[str]) -> dict[str, str]:
    """A fixed palette, assigned in order of first appearance (stable for the same input order)."""
    colors: dict[str, str] = {}
    for actor in actors:
        if actor not in colors:
            colors[actor] = ACTOR_PALETTE[len(colors) % len(ACTOR_PALETTE)]
    return colors


def legend_html(features: Iterable[str], colors: dict[str, str]) -> str:
    """Legend markup: place types present on the map, then each actor's line colour (escaped)."""
    parts = ["<h4>Places</h4>"]
    for feature in features:
        color = FEATURE_COLORS.get(feature, FEATURE_COLORS["other"])
        swatch = f'<span class="geoapp-swatch" style="background:{color}"></span>'
        parts.append(f"<div>{swatch}{esc(feature)}</div>")
    if colors:
        parts.append("<h4>Actors</h4>")
        for actor, color in colors.items():
            parts.append(
                f'<div class="geoapp-legend-actor"><span class="geoapp-line" style="background:{color}">'
                f"</span>{esc(actor)}</div>"
            )
    return "".join(parts)


def build_map(
    places: Any,
    links: Any = None,
    *,
    title: str | None = None,
    tiles: str | None = "openstreetmap",
    attribution: str | None = None,
) -> folium.Map:
    """Draw places (one CircleMarker per row) and actor→place links on a folium map.

    ``tiles``: ``"openstreetmap"``, ``None`` (no tile layer at all: nothing is requested), a named
    provider, or a URL template (``attribution`` then credits it). The country-outline basemap is
    always present beneath. See the module docstring for the input's escaping guarantees; the
    frames follow the contract in ``geoapp.frames`` (places and links GeoDataFrames).
    """
    m = folium.Map(location=[20, 0], zoom_start=2, tiles=None, control_scale=True, world_copy_jump=True)
    root = m.get_root()
    if title:
        root.title = html.escape(title, quote=True)
    root.header.add_child(Element(_CSS), name="geoapp_css")

    OutlineBasemap(load_basemap()).add_to(m)
    _add_tiles(m, tiles, attribution)

    place_rows = _rows(places)
    link_rows = _rows(links)
    if any(_text(row.get("source")) in OSM_SOURCES for row in place_rows):
        Attribution(OSM_CREDIT).add_to(m)
    bounds: list[tuple[float, float]] = []

    features_seen: list[str] = []
    places_group = folium.FeatureGroup(name="Places", overlay=True, control=True)
    for row in place_rows:
        point = _point(row)
        if point is None:
            continue
        feature = _text(row.get("feature")) or "other"
        if feature not in FEATURE_COLORS:
            feature = "other"
        if feature not in features_seen:
            features_seen.append(feature)
        color = FEATURE_COLORS[feature]
        marker = folium.CircleMarker(
            location=point,
            radius=_radius(row.get("mentions")),
            color="#222222",
            weight=1,
            fill_color=color,
            fill_opacity=0.85,
            class_name=f"geoapp-place geoapp-feature-{feature}",
        )
        marker.add_child(BindTooltip(_text(row.get("name")) or "?"))
        marker.add_child(BindPopup(place_popup_html(row)))
        marker.add_to(places_group)
        bounds.append(point)

    link_rows = [r for r in link_rows if _line(r.get("geometry")) is not None]
    colors = actor_colors(_text(r.get("actor")) for r in link_rows)
    groups: dict[str, folium.FeatureGroup] = {}
    for row in link_rows:
        coords = _line(row.get("geometry"))
        if coords is None:
            continue
        actor = _text(row.get("actor"))
        group = groups.get(actor)
        if group is None:
            swatch = f'<span style="color:{colors[actor]}">&#9644;</span> '
            group = folium.FeatureGroup(name=swatch + esc(actor or "(unknown actor)"), overlay=True)
            groups[actor] = group
        line = folium.PolyLine(coords, color=colors[actor], weight=3, opacity=0.8, class_name="geoapp-link")
        label = f"{actor} → {_text(row.get('place'))}"
        if _text(row.get("relation")):
            label += f" ({_text(row.get('relation'))})"
        line.add_child(BindTooltip(label))
        line.add_child(BindPopup(link_popup_html(row)))
        line.add_to(group)
        bounds.extend(coords)

    # Lines under the markers: add their groups first so markers stay clickable on top.
    for group in groups.values():
        group.add_to(m)
    places_group.add_to(m)

    m.add_child(MapControl(legend_html(features_seen, colors), "geoapp-legend"), name="geoapp_legend")
    if title:
        m.add_child(MapControl(html.escape(title), "geoapp-title", "topright"), name="geoapp_title")
    folium.LayerControl(collapsed=True, position="topright").add_to(m)

    if bounds:
        lats = [b[0] for b in bounds]
        lons = [b[1] for b in bounds]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(50, 50), max_zoom=7)
    return m


def map_html(m: folium.Map, *, self_contained: bool = True, font_awesome: bool = False) -> str:
    """The page as a string, assets inlined: for embedding (Streamlit's ``components.html``, downloads).

    Only the self-contained form exists as a string, because the ``files`` form needs a folder
    next to a file; use :func:`save_map` for that.
    """
    if not self_contained:
        raise ValueError("map_html() makes self-contained pages only; use save_map() for the files mode")
    return assets.render_html(m, "inline", Path("map.html"), font_awesome=font_awesome)


def save_map(
    m: folium.Map, path: str | os.PathLike[str], *, self_contained: bool, font_awesome: bool = False
) -> Path:
    """Write the map atomically and return its path.

    ``self_contained=True``: one HTML file with every asset inlined, loading nothing from anywhere
    (given ``tiles=None`` at build time; tile URLs are the only requests otherwise). ``False``: the
    assets go to ``<stem>_files/`` beside the file. The page is written to a temporary file in the
    same folder and moved into place with :func:`os.replace`, so a reader (a browser, Streamlit)
    never sees half a file and a failure leaves the old map intact.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    page = assets.render_html(m, "inline" if self_contained else "files", target, font_awesome=font_awesome)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        # mkstemp makes the file 0600; a saved map should get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target
