"""Folium maps of places and actor links that render with no internet and cannot be scripted by articles.

Why the care:

* Offline. Tiles are optional; a country-outline layer from ``geoapp/data/countries.geojson.gz`` is
  always drawn beneath them, so a map opened without network (or saved self-contained for opsec)
  still shows where things are. Leaflet and Leaflet.markercluster come from installed packages
  (:mod:`geoapp.assets`), never from a CDN.
* Hostile text. Article titles, quotes, names and URLs are data from the outside world. Every piece
  is passed through :func:`html.escape` before it enters HTML, and every string that enters a
  ``<script>`` goes through :func:`_js`, a JSON encoder that also escapes ``<``, ``>`` and ``&``.
  folium's own ``Popup``/``Tooltip`` are *not* used: they paste HTML into a JS template literal
  (backticks), where ``${…}`` in an article would run. The page's own script (``_RUNTIME_JS``) only
  ever joins fragments that were escaped here (popups, layer names) or puts plain strings into the
  page as text nodes (tooltips, labels); it never turns a plain string into markup.
* Scale. 10,000 place mentions as one folium ``CircleMarker`` each make a page of several MB and
  seconds of script (``benchmarks/map_scale.py``). The places and links are therefore one compact
  JSON block (rows as arrays, repeated strings and popup fragments stored once and referenced by
  index) that a small script of ours turns into Leaflet layers, with popups built on first click.
* Controls that stay consistent. Clustering (one ``L.markerClusterGroup``), the actor and article
  toggles of the layer control, the search box and the time slider all feed one filter function,
  which adds to and removes from the cluster group the markers that pass: toggling an actor's layer
  re-clusters what is left instead of leaving clusters that count hidden markers.
* Testability. Every drawn place carries the CSS class ``geoapp-place``, every link line
  ``geoapp-link`` (its arrowhead ``geoapp-arrow``), the legend ``geoapp-legend``, popups
  ``geoapp-popup``, the search box ``geoapp-search``, the time slider ``geoapp-slider``; the page
  exposes ``window.geoapp`` (markers, lines, filter state) so tests can drive and count them.
"""

from __future__ import annotations

import gzip
import html
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import MarkerCluster
from folium.template import Template

from geoapp import assets
from geoapp.fileio import atomic_write

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
.geoapp-legend { max-height: 45vh; overflow-y: auto; }
.geoapp-legend .geoapp-note { color: #555; margin-top: 4px; }
.geoapp-filter { background: rgba(255,255,255,.95); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.4 system-ui, sans-serif; width: 220px; }
.geoapp-filter .geoapp-search { width: 100%; box-sizing: border-box; font-size: 13px; padding: 3px 5px; }
.geoapp-filter .geoapp-count { color: #555; margin-top: 3px; }
.geoapp-filter .geoapp-time { margin-top: 5px; display: flex; align-items: center; gap: 5px;
  flex-wrap: wrap; }
.geoapp-filter .geoapp-slider { flex: 1 1 120px; min-width: 0; }
.geoapp-filter .geoapp-play { width: 26px; height: 22px; padding: 0; cursor: pointer; }
.geoapp-filter .geoapp-date { width: 100%; color: #333; }
.geoapp-arrow { background: none; border: none; }
.geoapp-arrow svg { display: block; overflow: visible; }
</style>
"""


# --------------------------------------------------------------------------------------------- text


def _js(value: Any, *, compact: bool = False) -> str:
    """JSON for a ``<script>``: also escapes ``<``, ``>``, ``&`` and JS line separators.

    ``json.dumps`` alone leaves ``</script>`` intact, which ends the script element whatever the
    quoting; the unicode escapes keep the same string value without ever forming a tag.
    ``compact`` drops the spaces after separators (the map's data block, where they add ~10 %).
    """
    separators = (",", ":") if compact else None
    text = json.dumps(value, ensure_ascii=False, separators=separators)
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


#: How each ``source`` value of a place reads in its popup (unknown values are shown as they are).
SOURCE_LABELS: dict[str, str] = {
    "gazetteer": "gazetteer",
    "nominatim": "Nominatim",
    "cache": "cache (Nominatim)",
    "fix": "user fix",
    "user": "user fix",
    "user_fix": "user fix",
    "correction": "user fix",
}


def _source_label(source: Any) -> str:
    text = _text(source)
    return SOURCE_LABELS.get(text.lower(), text)


def _place_head_html(row: Any) -> str:
    """Name, type, country, coordinates, source and why: the part of a place popup above the quotes."""
    get = row.get
    lat, lon = get("lat"), get("lon")
    coords = ""
    if not _missing(lat) and not _missing(lon):
        coords = f"{float(lat):.4f}, {float(lon):.4f}"
    where = ", ".join(esc(v) for v in (get("admin1"), get("country_code")) if _text(v))
    return (
        f"<h4>{esc(get('name'))}</h4>"
        f'<div class="geoapp-meta">{esc(get("feature"))}{" · " + where if where else ""}'
        f"{' · ' + coords if coords else ''}</div>"
        f'<div class="geoapp-why">source: {esc(_source_label(get("source")))}'
        f"{' — ' + esc(get('why')) if _text(get('why')) else ''}</div>"
        f"{_metonymy_html(get('metonymic'), get('mentions'))}"
    )


def _metonymy_html(metonymic: Any, mentions: Any) -> str:
    """"named for its government in k of n mentions" when the place also stood for who governs it
    ("Moscow said"): the analyst sees that a marker is partly an actor, not only a scene."""
    if _missing(metonymic) or not metonymic:
        return ""
    n = "" if _missing(mentions) else f" of {int(mentions)}"
    return (
        f'<div class="geoapp-why">named for its government or people (metonymy) in '
        f"{int(metonymic)}{n} mention{'s' if int(metonymic) > 1 or n else ''}</div>"
    )


def _quote_html(quote: Any) -> str:
    if isinstance(quote, dict):
        body = highlight(_text(quote.get("sentence")), quote.get("highlights") or [])
    else:
        body = esc(quote)
    return f'<blockquote class="geoapp-quote">{body}</blockquote>'


def _actors_html(actors: Any) -> str:
    names = [esc(a) for a in _as_list(actors) if _text(a)]
    return f'<div class="geoapp-actors">Actors: {", ".join(names)}</div>' if names else ""


def place_popup_parts(row: Any) -> list[str]:
    """A place popup as escaped fragments; the map stores each distinct fragment once.

    Why parts: the article line is the same for every place of an article and a sentence naming
    two places is quoted by both, so a big map shares them instead of repeating them.
    """
    get = row.get
    parts = [_place_head_html(row)]
    quotes = _as_list(get("quotes"))
    parts.extend(_quote_html(q) for q in quotes[:MAX_QUOTES])
    if len(quotes) > MAX_QUOTES:
        parts.append(f'<div class="geoapp-meta">… {len(quotes) - MAX_QUOTES} more</div>')
    parts.append(_article_html(get("article_title"), get("article_url"), get("published")))
    actors = _actors_html(get("actors"))
    if actors:
        parts.append(actors)
    return parts


def place_popup_html(row: Any) -> str:
    """The popup of one place row: every value escaped, quotes with their mentions marked."""
    return "".join(place_popup_parts(row))


def link_popup_parts(row: Any) -> list[str]:
    """An actor→place popup as escaped fragments: the evidence sentence, then the article line."""
    get = row.get
    who = esc(get("actor"))
    detail = ", ".join(esc(v) for v in (get("actor_kind"), get("actor_country")) if _text(v))
    return [
        f"<h4>{who} → {esc(get('place'))}</h4>"
        f'<div class="geoapp-meta">{esc(get("relation")) or "mentioned with"}'
        f"{' · ' + detail if detail else ''}</div>"
        f'<blockquote class="geoapp-quote">{highlight(_text(get("sentence")), get("highlights"))}'
        "</blockquote>",
        _article_html(get("article_title"), get("article_url"), get("published")),
    ]


def link_popup_html(row: Any) -> str:
    """The popup of one actor→place line: the evidence sentence with actor and place marked."""
    return "".join(link_popup_parts(row))


# ------------------------------------------------------------------------------------- elements


class RawElement(Element):
    """Markup that is already final: rendered as it is, never parsed as a template.

    branca wraps what a ``MacroElement`` renders in ``Element(rendered)``, whose constructor makes
    the rendered string a *new* Jinja template that is rendered again with the page. Data in that
    string (a quote containing ``{{ 7*7 }}`` or ``{% raw %}``) would then run as template code on the
    analyst's machine or break the build. This element keeps the string as data.
    """

    def __init__(self, markup: str, name: str = "RawElement") -> None:
        super().__init__()
        self._name = name
        self.markup = markup

    def render(self, **kwargs: Any) -> str:
        return self.markup


class DataMacroElement(MacroElement):
    """A ``MacroElement`` whose macros render exactly once, with data as template *variables*.

    Same as branca's ``MacroElement.render`` but the rendered header/html/script go into the page
    as :class:`RawElement`, so whatever the variables hold (article text, titles, ids, quotes from
    a correction file) is never template source.
    """

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                target = getattr(figure, part)
                target.add_child(RawElement(macro(self, kwargs), self._name), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class BindPopup(DataMacroElement):
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


class BindTooltip(DataMacroElement):
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


class MapControl(DataMacroElement):
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


class Attribution(DataMacroElement):
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


#: Vertices kept per line in the page: 16 segments draw a smooth great-circle arc, and the frames'
#: up-to-64 would make the lines the largest part of a big map's file.
MAX_LINE_POINTS = 17


def _thin(coords: list[tuple[float, float]], limit: int = MAX_LINE_POINTS) -> list[tuple[float, float]]:
    """At most ``limit`` vertices, evenly spaced along the list, both ends kept."""
    if len(coords) <= limit:
        return coords
    step = (len(coords) - 1) / (limit - 1)
    return [coords[round(i * step)] for i in range(limit)]


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
    parts.append('<div class="geoapp-note">circle size: number of mentions</div>')
    if colors:
        parts.append("<h4>Actors</h4>")
        for actor, color in colors.items():
            parts.append(
                f'<div class="geoapp-legend-actor"><span class="geoapp-line" style="background:{color}">'
                f"</span>{esc(actor)}</div>"
            )
        parts.append('<div class="geoapp-note">lines run actor → place (arrowhead mid-line)</div>')
    return "".join(parts)


#: Above this many markers a map clusters them unless told otherwise (``build_map(cluster=…)``).
CLUSTER_THRESHOLD = 100
#: Up to this many articles get their own switch in the layer control; more would bury it.
MAX_ARTICLE_TOGGLES = 60
_LABEL_CHARS = 60


def _day(value: Any) -> str | None:
    """``published`` as ``YYYY-MM-DD`` (the slider's unit), or None when absent or unreadable.

    ISO strings sort like the dates they name, so the page compares them as plain strings.
    """
    if _missing(value):
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return text[:10]
    try:
        import pandas as pd

        stamp = pd.to_datetime(text, errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        return None
    return None if stamp is None or pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


#: Drawing order of place types: wide areas first (underneath), points last (on top), so a city
#: inside a country's circle stays clickable.
_Z_ORDER = {"continent": 0, "country": 1, "region": 2, "other": 3, "feature": 4, "city": 5}


def _feature(row: dict[str, Any]) -> str:
    feature = _text(row.get("feature")) or "other"
    return feature if feature in FEATURE_COLORS else "other"


def _draw_order(row: dict[str, Any]) -> tuple[int, float]:
    """Sort key: wide place types before points, then bigger circles before smaller ones."""
    return (_Z_ORDER.get(_feature(row), 3), -_radius(row.get("mentions")))


class _Table:
    """Distinct strings in first-seen order; rows refer to them by index (the data block's dictionary)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, value: str) -> int:
        index = self._index.get(value)
        if index is None:
            index = self._index[value] = len(self.items)
            self.items.append(value)
        return index


@dataclass
class MapData:
    """What the page's script draws, plus what the Python side needs for legend and bounds.

    ``data`` layout (all indexes refer to ``html``/``text`` tables or to other lists of ``data``):

    * ``html``: escaped HTML fragments (popup parts, layer-control names); ``text``: plain strings
      (place names for search and tooltips, line tooltips), only ever shown as text nodes.
    * ``features``: ``[name, colour]``; ``actors``: ``[layer name html, colour]``;
      ``articles``: ``[layer name html or -1, date index or -1]``; ``dates``: sorted ``YYYY-MM-DD``.
    * ``places``: ``[lat, lon, feature, radius, name text, article, [actors], [popup html parts]]``,
      in drawing order (wide areas first, see :data:`_Z_ORDER`).
    * ``links``: ``[actor, article, place name text, [lat, lon, lat, lon, …], [popup parts], tooltip text]``.
    """

    data: dict[str, Any]
    bounds: list[tuple[float, float]] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    colors: dict[str, str] = field(default_factory=dict)

    @property
    def n_places(self) -> int:
        return len(self.data["places"])

    @property
    def n_links(self) -> int:
        return len(self.data["links"])


def map_data(places: Any, links: Any = None, *, cluster: bool | None = None) -> MapData:
    """Turn the frames into the compact data block the page renders (see :class:`MapData`).

    The links frame has no article URL or date: they are taken from the places rows of the same
    article (every drawn link ends at a place of its article), so line popups and the time slider
    know them too.
    """
    place_rows = _rows(places)
    link_rows, link_coords = [], []
    for row in _rows(links):
        coords = _line(row.get("geometry"))
        if coords is not None:
            link_rows.append(row)
            link_coords.append(coords)
    html_t, text_t = _Table(), _Table()

    # Articles, in first-seen order, with URL/date from their place rows.
    art_index: dict[str, int] = {}
    art_info: list[dict[str, Any]] = []
    for row in [*place_rows, *link_rows]:
        key = _text(row.get("article_id"))
        if key not in art_index:
            art_index[key] = len(art_info)
            art_info.append({"title": row.get("article_title"), "url": None, "published": None})
        info = art_info[art_index[key]]
        for col, name in (("article_url", "url"), ("published", "published")):
            if info[name] is None and not _missing(row.get(col)):
                info[name] = row.get(col)
    days = [_day(info["published"]) for info in art_info]
    dates = sorted({d for d in days if d})
    date_pos = {d: i for i, d in enumerate(dates)}
    toggles = 1 < len(art_info) <= MAX_ARTICLE_TOGGLES
    articles = []
    for info, day in zip(art_info, days):
        label = -1
        if toggles:
            title = _short(_text(info["title"]) or "(untitled article)")
            label = html_t.add(f"Article: {esc(title)}{' · ' + esc(day) if day else ''}")
        articles.append([label, date_pos.get(day, -1) if day else -1])
    article_html = {
        key: _article_html(art_info[i]["title"], art_info[i]["url"], art_info[i]["published"])
        for key, i in art_index.items()
    }

    # Actors: those with lines first (their colours match the legend), then those only named on places.
    line_actors = [_text(r.get("actor")) for r in link_rows]
    place_actors = [_text(a) for r in place_rows for a in _as_list(r.get("actors")) if _text(a)]
    colors = actor_colors([*line_actors, *place_actors])
    actor_pos = {name: i for i, name in enumerate(colors)}
    actors = [
        [
            html_t.add(f'<span style="color:{color}">&#9644;</span> Actor: {esc(name or "(unknown actor)")}'),
            color,
        ]
        for name, color in colors.items()
    ]

    features: list[str] = []
    place_data: list[list[Any]] = []
    bounds: list[tuple[float, float]] = []
    for row in sorted(place_rows, key=_draw_order):
        point = _point(row)
        if point is None:
            continue
        feature = _feature(row)
        if feature not in features:
            features.append(feature)
        key = _text(row.get("article_id"))
        parts = place_popup_parts({**row, "article_url": art_info[art_index[key]]["url"]})
        place_data.append(
            [
                round(point[0], 5),
                round(point[1], 5),
                list(FEATURE_COLORS).index(feature),
                _radius(row.get("mentions")),
                text_t.add(_text(row.get("name")) or "?"),
                art_index[key],
                sorted({actor_pos[_text(a)] for a in _as_list(row.get("actors")) if _text(a)}),
                [html_t.add(part) for part in parts],
            ]
        )
        bounds.append(point)

    link_data: list[list[Any]] = []
    for row, coords in zip(link_rows, link_coords):
        key = _text(row.get("article_id"))
        actor = _text(row.get("actor"))
        head, _article = link_popup_parts(row)
        label = f"{actor} → {_text(row.get('place'))}"
        if _text(row.get("relation")):
            label += f" ({_text(row.get('relation'))})"
        link_data.append(
            [
                actor_pos[actor],
                art_index[key],
                text_t.add(_text(row.get("place")) or "?"),
                [round(v, 3) for pair in _thin(coords) for v in pair],
                [html_t.add(head), html_t.add(article_html[key])],
                text_t.add(label),
            ]
        )
        bounds.extend(coords)

    features.sort(key=lambda f: -_Z_ORDER.get(f, 3))
    use_cluster = len(place_data) > CLUSTER_THRESHOLD if cluster is None else bool(cluster)
    data = {
        "html": html_t.items,
        "text": text_t.items,
        "features": [[name, color] for name, color in FEATURE_COLORS.items()],
        "actors": actors,
        "articles": articles,
        "dates": dates,
        "places": place_data,
        "links": link_data,
        "cluster": use_cluster,
    }
    legend_colors = {a: colors[a] for a in dict.fromkeys(line_actors)}
    return MapData(data, bounds, features, legend_colors)


#: The page's own script: builds markers, lines, clusters and the filter controls from the data
#: block. Plain ES5 with no template syntax, so it is identical in every map; see MapData.
_RUNTIME_JS = r"""
function geoappMapLayers(map, control, D) {
  "use strict";
  var H = D.html, T = D.text;
  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var folded = T.map(fold);
  function textOf(i) { return function () { return document.createTextNode(T[i]); }; }
  function joined(parts) {
    return function () {
      var out = "";
      for (var k = 0; k < parts.length; k++) { out += H[parts[k]]; }
      return out;
    };
  }
  function colour(c) { return /^#[0-9a-fA-F]{6}$/.test(c) ? c : "#555555"; }
  var popupOpts = {maxWidth: 360, className: "geoapp-popup"}, tipOpts = {sticky: true};
  if (!map.getPane("geoappLinks")) { map.createPane("geoappLinks").style.zIndex = 390; }

  var clustered = !!(D.cluster && L.markerClusterGroup);
  var placeLayer = clustered
    ? L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 45, showCoverageOnHover: false,
                            spiderfyOnMaxZoom: true})
    : L.featureGroup();
  var lineLayer = L.featureGroup();

  var markers = D.places.map(function (p) {
    var f = D.features[p[2]];
    var m = L.circleMarker([p[0], p[1]], {radius: p[3], color: "#222222", weight: 1, fillColor: colour(f[1]),
      fillOpacity: 0.85, className: "geoapp-place geoapp-feature-" + f[0]});
    m.bindTooltip(textOf(p[4]), tipOpts);
    m.bindPopup(joined(p[7]), popupOpts);
    m.on("add", function () { var el = m.getElement(); if (el) { el.setAttribute("data-name", T[p[4]]); } });
    m.geoappShown = false;
    return m;
  });

  function arrowFor(ll, color) {
    // Mid-line arrowhead along the middle segment. Web Mercator is conformal and zoom only scales
    // it, so the angle measured at zoom 0 holds at every zoom.
    var k = Math.max(1, Math.ceil((ll.length - 1) / 2));
    var a = map.project(ll[k - 1], 0), b = map.project(ll[k], 0);
    var deg = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
    var svg = '<svg viewBox="0 0 12 12" width="12" height="12" style="transform:rotate(' + deg.toFixed(1) +
      'deg)"><path d="M1 1 L11 6 L1 11 Z" fill="' + color + '" stroke="#ffffff" stroke-width="1"/></svg>';
    return L.marker(map.unproject(a.add(b).divideBy(2), 0), {pane: "geoappLinks", keyboard: false,
      icon: L.divIcon({className: "geoapp-arrow", html: svg, iconSize: [12, 12], iconAnchor: [6, 6]})});
  }

  var links = D.links.map(function (l) {
    var ll = [];
    for (var k = 0; k + 1 < l[3].length; k += 2) { ll.push([l[3][k], l[3][k + 1]]); }
    var color = colour(D.actors[l[0]][1]);
    var line = L.polyline(ll, {color: color, weight: 3, opacity: 0.8, className: "geoapp-link",
      pane: "geoappLinks"});
    var arrow = arrowFor(ll, color);
    [line, arrow].forEach(function (layer) {
      layer.bindTooltip(textOf(l[5]), tipOpts);
      layer.bindPopup(joined(l[4]), popupOpts);
    });
    return {line: line, arrow: arrow, shown: false};
  });

  // Switches: empty layer groups in the layer control whose on/off state the filter reads.
  function sw(label) {
    var g = L.layerGroup().addTo(map);
    if (control) { control.addOverlay(g, label); }
    return g;
  }
  if (control) { control.addOverlay(placeLayer, "Places"); }
  var actorOn = D.actors.map(function (a) { return sw(H[a[0]]); });
  var articleOn = D.articles.map(function (a) { return a[0] >= 0 ? sw(H[a[0]]) : null; });

  var state = {q: "", cut: D.dates.length - 1};
  function on(g) { return !g || map.hasLayer(g); }
  function articleOk(i) { var a = D.articles[i]; return on(articleOn[i]) && (a[1] < 0 || a[1] <= state.cut); }
  function nameOk(i) { return !state.q || folded[i].indexOf(state.q) >= 0; }
  function actorsOk(list) {
    if (!list.length) { return true; }
    for (var k = 0; k < list.length; k++) { if (on(actorOn[list[k]])) { return true; } }
    return false;
  }
  var api = {map: map, markers: markers, links: links.map(function (k) { return k.line; }),
             arrows: links.map(function (k) { return k.arrow; }), placeLayer: placeLayer,
             lineLayer: lineLayer, clustered: clustered, state: state, shown: 0, shownLinks: 0,
             actorSwitches: actorOn, articleSwitches: articleOn,
             ready: false};
  var count = null;

  function apply() {
    var add = [], rem = [], n = 0, nl = 0;
    for (var i = 0; i < markers.length; i++) {
      var p = D.places[i], ok = articleOk(p[5]) && nameOk(p[4]) && actorsOk(p[6]);
      if (ok) { n++; }
      if (ok !== markers[i].geoappShown) { (ok ? add : rem).push(markers[i]); markers[i].geoappShown = ok; }
    }
    if (clustered && rem.length > 500) {
      // markercluster removes one marker at a time through its tree; rebuilding is much faster.
      placeLayer.clearLayers();
      placeLayer.addLayers(markers.filter(function (m) { return m.geoappShown; }));
    } else if (clustered) {
      if (rem.length) { placeLayer.removeLayers(rem); }
      if (add.length) { placeLayer.addLayers(add); }
    } else {
      rem.forEach(function (m) { placeLayer.removeLayer(m); });
      add.forEach(function (m) { placeLayer.addLayer(m); });
    }
    links.forEach(function (k, j) {
      var l = D.links[j], ok = articleOk(l[1]) && nameOk(l[2]) && on(actorOn[l[0]]);
      if (ok) { nl++; }
      if (ok === k.shown) { return; }
      k.shown = ok;
      if (ok) { lineLayer.addLayer(k.line); lineLayer.addLayer(k.arrow); }
      else { lineLayer.removeLayer(k.line); lineLayer.removeLayer(k.arrow); }
    });
    api.shown = n; api.shownLinks = nl;
    if (count) { count.textContent = n + " of " + markers.length + " places"; }
  }

  var Filter = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var div = L.DomUtil.create("div", "geoapp-filter");
      var input = L.DomUtil.create("input", "geoapp-search", div);
      input.type = "search"; input.placeholder = "Search places";
      input.setAttribute("aria-label", "Search places");
      count = L.DomUtil.create("div", "geoapp-count", div);
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { api.setQuery(input.value); }, 120);
      });
      if (D.dates.length > 1) {
        var row = L.DomUtil.create("div", "geoapp-time", div);
        var play = L.DomUtil.create("button", "geoapp-play", row);
        play.type = "button"; play.textContent = "\u25B6"; play.title = "Play through the dates";
        var slider = L.DomUtil.create("input", "geoapp-slider", row);
        slider.type = "range"; slider.min = "0"; slider.max = String(D.dates.length - 1); slider.step = "1";
        slider.value = String(D.dates.length - 1);
        slider.setAttribute("aria-label", "Articles published up to");
        var label = L.DomUtil.create("div", "geoapp-date", row);
        var playing = null;
        var stop = function () { clearInterval(playing); playing = null; play.textContent = "\u25B6"; };
        api.setCut = function (i) {
          state.cut = Math.max(0, Math.min(D.dates.length - 1, i));
          slider.value = String(state.cut);
          label.textContent = "published up to " + D.dates[state.cut];
          apply();
        };
        slider.addEventListener("input", function () { stop(); api.setCut(parseInt(slider.value, 10)); });
        play.addEventListener("click", function () {
          if (playing) { stop(); return; }
          if (state.cut >= D.dates.length - 1) { api.setCut(0); }
          play.textContent = "\u275A\u275A";
          playing = setInterval(function () {
            if (state.cut >= D.dates.length - 1) { stop(); return; }
            api.setCut(state.cut + 1);
          }, 800);
        });
        label.textContent = "published up to " + D.dates[state.cut];
      }
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    }
  });
  api.setQuery = function (q) { state.q = fold(String(q).trim()); apply(); };
  api.apply = apply;

  lineLayer.addTo(map);
  placeLayer.addTo(map);
  new Filter().addTo(map);
  apply();
  map.on("overlayadd overlayremove", function () { apply(); });
  api.ready = true;
  window.geoapp = api;
  return api;
}
"""


class GeoappLayers(JSCSSMixin, DataMacroElement):
    """The places, lines and filter controls, drawn by :data:`_RUNTIME_JS` from one data block.

    Brings Leaflet.markercluster under folium's resource names only when the map clusters, so
    :func:`geoapp.assets.localize` serves it from its XStatic package like Leaflet itself.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.runtime }}
geoappMapLayers({{ this._parent.get_name() }}, {{ this.control_name }}, {{ this.data }});
{% endmacro %}"""
    )

    def __init__(self, data: MapData, control: folium.LayerControl | None) -> None:
        super().__init__()
        self._name = "GeoappLayers"
        self._control = control
        self.runtime = _RUNTIME_JS
        self.data = _js(data.data, compact=True)
        if data.data["cluster"]:
            self.default_js = list(MarkerCluster.default_js)
            self.default_css = list(MarkerCluster.default_css)
        else:
            self.default_js, self.default_css = [], []

    @property
    def control_name(self) -> str:
        return self._control.get_name() if self._control is not None else "null"


def build_map(
    places: Any,
    links: Any = None,
    *,
    title: str | None = None,
    tiles: str | None = "openstreetmap",
    attribution: str | None = None,
    cluster: bool | None = None,
) -> folium.Map:
    """Draw places (a circle per row, clustered where many) and actor→place links on a folium map.

    ``tiles``: ``"openstreetmap"``, ``None`` (no tile layer at all: nothing is requested), a named
    provider, or a URL template (``attribution`` then credits it). The country-outline basemap is
    always present beneath. ``cluster``: ``None`` clusters when there are more than
    :data:`CLUSTER_THRESHOLD` markers (a single article's handful stay visible one by one).
    See the module docstring for the input's escaping guarantees; the frames follow the contract
    in ``geoapp.frames`` (places and links GeoDataFrames).
    """
    m = folium.Map(location=[20, 0], zoom_start=2, tiles=None, control_scale=True, world_copy_jump=True)
    # Without a tile layer Leaflet has no maxZoom, and markercluster refuses to start without one
    # (folium passes its max_zoom to tile layers only).
    m.options["maxZoom"] = 18
    root = m.get_root()
    if title:
        root.title = html.escape(title, quote=True)
    root.header.add_child(RawElement(_CSS, "geoapp_css"), name="geoapp_css")

    OutlineBasemap(load_basemap()).add_to(m)
    _add_tiles(m, tiles, attribution)
    sources = places["source"] if places is not None and "source" in getattr(places, "columns", ()) else []
    if any(_text(v).lower() in OSM_SOURCES for v in set(sources)):
        Attribution(OSM_CREDIT).add_to(m)

    data = map_data(places, links, cluster=cluster)
    m.add_child(MapControl(legend_html(data.features, data.colors), "geoapp-legend"), name="geoapp_legend")
    if title:
        m.add_child(MapControl(html.escape(title), "geoapp-title", "topright"), name="geoapp_title")
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    # After the control: the script adds its switches to it, and must run once it exists.
    m.add_child(GeoappLayers(data, control), name="geoapp_layers")

    if data.bounds:
        lats = [b[0] for b in data.bounds]
        lons = [b[1] for b in data.bounds]
        # Room for the filter box (top left) and the legend (bottom right) so no marker starts under them.
        m.fit_bounds(
            [[min(lats), min(lons)], [max(lats), max(lons)]],
            padding_top_left=(60, 90),
            # The legend is about 270 px wide and up to 230 px tall: clear both, not just its width.
            padding_bottom_right=(270, 230),
            max_zoom=7,
        )
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
    page = assets.render_html(m, "inline" if self_contained else "files", target, font_awesome=font_awesome)
    atomic_write(target, page)
    return target
