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
from geoapp.frames import fold
from geoapp.mapview import central_west, fit_extent, wrap_line, wrap_lon

BASEMAP_PATH = Path(__file__).resolve().parent / "data" / "countries.geojson.gz"
BASEMAP_ATTRIBUTION = "Outlines: Natural Earth (public domain) via world-atlas (ISC)"
RUNTIME_PATH = Path(__file__).resolve().parent / "data" / "map_runtime.js"

#: Marker fills by place type: Paul Tol's "light" scheme, pale so that the actor lines over them
#: stay the strongest colours on the map, and none equal to an actor colour.
FEATURE_COLORS: dict[str, str] = {
    "continent": "#DDDDDD",
    "country": "#EEDD88",
    "region": "#44BB99",
    "city": "#77AADD",
    "feature": "#FFAABB",
    "other": "#BBCC33",
}

#: Actor line colours, strongest actor first: the Okabe–Ito colours, which stay apart for readers
#: with any common colour-vision deficiency (their yellow is left out: it vanishes on the pale
#: outlines). Only this many actors get a colour and a name; the rest share :data:`OTHER_ACTORS_COLOR`.
ACTOR_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
)
OTHER_ACTORS_COLOR = "#8C8C8C"


@dataclass(frozen=True)
class Relation:
    """How one link relation is drawn: its legend label, the line's dash and the badge's icon.

    Why this encoding: colour already says *who* (the actor), and a reader tells seven hues apart
    only with effort, so *what happened* is a small white icon in the badge at the line's middle
    (which also carries the arrowhead), named in the legend. The dash adds one coarse, pre-attentive
    split that survives a zoomed-out map: solid for things done on the ground (attack, troops, visit,
    meeting), dashed for words and ties (support, relations, statement), dotted for plain
    co-occurrence. Icons are our own 12×12 SVG paths.
    """

    label: str
    dash: str
    icon: str


#: Relations in order of consequence: a line whose sentences say both shows the first one's icon.
RELATIONS: dict[str, Relation] = {
    "attack": Relation("attack", "", "M7 0 L2 7 H5.5 L4.5 12 L10 4.5 H6.5 Z"),
    "troops": Relation(
        "troops", "", "M1 5 L6 8.5 L11 5 V7.5 L6 11 L1 7.5 Z M1 1 L6 4.5 L11 1 V3.5 L6 7 L1 3.5 Z"
    ),
    "visit": Relation(
        "visit", "", "M6 0.5 C3 0.5 1.5 2.7 1.5 4.8 C1.5 8 6 11.5 6 11.5 C6 11.5 10.5 8 10.5 4.8 "
        "C10.5 2.7 9 0.5 6 0.5 Z"
    ),
    "meeting": Relation(
        "meeting", "", "M0.5 6 A2.75 2.75 0 1 0 6 6 A2.75 2.75 0 1 0 0.5 6 Z M6 6 A2.75 2.75 0 1 0 11.5 6 "
        "A2.75 2.75 0 1 0 6 6 Z"
    ),
    "support": Relation("support", "7 5", "M4.5 1 H7.5 V4.5 H11 V7.5 H7.5 V11 H4.5 V7.5 H1 V4.5 H4.5 Z"),
    "relations": Relation("relations", "7 5", "M0.5 6 L3.5 3 V5 H8.5 V3 L11.5 6 L8.5 9 V7 H3.5 V9 Z"),
    "statement": Relation("statement", "7 5", "M1 1.5 H11 V8 H5.5 L2.5 11 V8 H1 Z"),
    "mentioned with": Relation(
        "mentioned with", "1 6", "M1.5 5 H3.5 V7 H1.5 Z M5 5 H7 V7 H5 Z M8.5 5 H10.5 V7 H8.5 Z"
    ),
}
#: A relation the table does not know (from a hand-made frame) is drawn like this, under its own name.
OTHER_RELATION = Relation("other", "7 5", "M6 3 A3 3 0 1 0 6.01 3 Z")

MAX_QUOTES = 5
#: Evidence sentences a line's popup lists (the rest are counted).
MAX_LINE_QUOTES = 8

_CSS = """
<style>
.folium-map.leaflet-container { background: #cfe3ef; }
.geoapp-legend, .geoapp-title { background: rgba(255,255,255,.93); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.4 system-ui, sans-serif; }
.geoapp-title { max-width: 50vw; }
.geoapp-title .geoapp-heading { font-size: 15px; font-weight: 600; }
.geoapp-title .geoapp-status { color: #444; }
.geoapp-title .geoapp-status:empty { display: none; }
.geoapp-legend { max-width: 230px; max-height: 48vh; overflow-y: auto; }
.geoapp-legend summary { cursor: pointer; font-weight: 600; }
.geoapp-legend h4 { margin: 5px 0 2px; font-size: 12px; }
.geoapp-legend .geoapp-swatch { display: inline-block; width: 11px; height: 11px; margin-right: 5px;
  vertical-align: middle; border-radius: 50%; border: 1px solid #222; }
.geoapp-legend .geoapp-review-swatch { background: #fff; border: 2px dashed #222; width: 9px; height: 9px; }
.geoapp-legend .geoapp-line { display: inline-block; width: 18px; height: 4px; margin-right: 5px;
  vertical-align: middle; border-radius: 2px; }
.geoapp-legend .geoapp-icon { vertical-align: middle; margin-right: 4px; }
.geoapp-legend .geoapp-grid { display: grid; grid-template-columns: 1fr 1fr; column-gap: 6px; }
.geoapp-legend .geoapp-n { color: #666; }
.geoapp-legend .geoapp-note { color: #555; margin-top: 3px; font-size: 11px; }
[data-geoapp-toggle] { cursor: pointer; border-radius: 3px; }
div[data-geoapp-toggle]:hover { background: #eef3f7; }
div.geoapp-off { opacity: .38; text-decoration: line-through; }
.geoapp-list { max-height: 180px; overflow-y: auto; margin-top: 3px; }
.geoapp-check { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.geoapp-popup .leaflet-popup-content { font: 13px/1.4 system-ui, sans-serif; max-height: 320px;
  overflow-y: auto; }
.geoapp-popup h4 { margin: 0 0 4px; font-size: 15px; }
.geoapp-popup .geoapp-meta, .geoapp-popup .geoapp-why,
.geoapp-popup .geoapp-rel { color: #555; font-size: 12px; }
.geoapp-popup .geoapp-rel { margin-top: 5px; font-style: italic; }
.geoapp-popup .geoapp-review-note { background: #fff3cd; border-left: 3px dashed #8a6d00; padding: 2px 6px;
  margin: 3px 0; font-size: 12px; }
.geoapp-popup blockquote { margin: 6px 0; padding-left: 8px; border-left: 3px solid #ccc; }
.geoapp-popup mark { background: #ffe066; padding: 0 1px; }
.geoapp-filter { background: rgba(255,255,255,.95); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.4 system-ui, sans-serif; width: 230px; }
.geoapp-filter .geoapp-search { width: 100%; box-sizing: border-box; font-size: 13px; padding: 3px 5px; }
.geoapp-filter .geoapp-count { color: #555; margin-top: 3px; }
.geoapp-filter .geoapp-time { margin-top: 5px; display: flex; align-items: center; gap: 5px;
  flex-wrap: wrap; }
.geoapp-filter .geoapp-slider { flex: 1 1 120px; min-width: 0; }
.geoapp-filter .geoapp-play { width: 26px; height: 22px; padding: 0; cursor: pointer; }
.geoapp-filter .geoapp-date { width: 100%; color: #333; }
.geoapp-filter .geoapp-articles { margin-top: 4px; }
.geoapp-filter summary { cursor: pointer; }
.geoapp-all-none button { font-size: 11px; margin: 2px 3px 0 0; }
.geoapp-quiet .geoapp-filter, .geoapp-quiet .geoapp-legend, .geoapp-quiet .geoapp-title {
  opacity: .15; pointer-events: none; transition: opacity .2s; }
.leaflet-container .marker-cluster { background: rgba(40,40,40,.22); }
.leaflet-container .marker-cluster div {
  background: rgba(255,255,255,.92); border: 1.5px solid #333; box-sizing: border-box; color: #222;
  font-weight: 600; }
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
        f"{_doubt_html(get('confidence'), get('alternatives'), get('needs_review'))}"
        f"{_metonymy_html(get('metonymic'), get('mentions'))}"
    )


def _doubt_html(confidence: Any, alternatives: Any, needs_review: Any) -> str:
    """How sure the resolver is and what else the name could be, so a reader weighs a marker
    before trusting it; a place flagged for review says so first, in a box of its own."""
    out = ""
    if not _missing(needs_review) and bool(needs_review):
        out += (
            '<div class="geoapp-review-note">needs review: the resolver is unsure which place this is</div>'
        )
    try:
        value = None if _missing(confidence) else float(confidence)
    except (TypeError, ValueError):
        value = None
    if value is not None and math.isfinite(value):
        word = "high" if value >= 0.8 else "medium" if value >= 0.5 else "low"
        out += f'<div class="geoapp-why">resolver confidence: {round(100 * value)} % ({word})</div>'
    alts = [esc(a) for a in _as_list(alternatives) if _text(a)]
    if alts:
        out += f'<div class="geoapp-why">could also be: {"; ".join(alts)}</div>'
    return out


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
    Not interactive: clicks go to the markers and lines, never to a country. A map drawn on
    another 360° of longitude than -180…180 (``west``, see :mod:`geoapp.mapview`) gets a second
    copy of the outlines shifted by 360°, so the strip it shows is covered.
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
var {{ this.get_name() }} = (function (data, offsets) {
  return L.featureGroup(offsets.map(function (off, i) {
    return L.geoJSON(data, {
      pane: "geoappBasemap", interactive: false, attribution: i ? null : {{ this.attribution }},
      coordsToLatLng: function (c) { return L.latLng(c[1], c[0] + off); },
      style: {color: "#7a8a99", weight: 0.7, fillColor: "#f4f1e8", fillOpacity: 1}
    });
  }));
})({{ this.data }}, {{ this.offsets }});
{% endmacro %}"""
    )

    def __init__(
        self, geojson: dict[str, Any], name: str = "Country outlines", *, west: float = -180.0
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "OutlineBasemap"
        self.data = _js(geojson)
        self.attribution = _js(BASEMAP_ATTRIBUTION)
        self.offsets = _js([0] if west == -180.0 else [0, 360 if west > -180.0 else -360])


class MapControl(DataMacroElement):
    """A Leaflet control holding ready-made (already escaped) HTML: the legend and the title."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position }}});
{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create("div", {{ this.css_class }});
  div.innerHTML = {{ this.content }};
  if ({{ this.dynamic }}) { div.setAttribute("data-dynamic", "1"); }
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(
        self, html_content: str, css_class: str, position: str = "bottomright", *, dynamic: bool = False
    ) -> None:
        super().__init__()
        self._name = "MapControl"
        self.dynamic = _js(dynamic)
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
    """Colours by weight: ``actors`` holds one name per link sentence; the most frequent get
    :data:`ACTOR_PALETTE` in order (ties: first seen first), every other actor
    :data:`OTHER_ACTORS_COLOR`. So no two named actors share a colour, and the strongest ones
    are the ones that are told apart."""
    counts: dict[str, int] = {}
    for actor in actors:
        counts[actor] = counts.get(actor, 0) + 1
    ranked = sorted(counts, key=lambda a: -counts[a])  # stable: ties keep first-seen order
    palette = dict(enumerate(ACTOR_PALETTE))
    return {a: palette.get(i, OTHER_ACTORS_COLOR) for i, a in enumerate(ranked)}


def _icon_svg(relation: Relation) -> str:
    return (
        '<svg class="geoapp-icon" viewBox="-1 -1 14 14" width="14" height="14">'
        '<circle cx="6" cy="6" r="7" fill="#444"/>'
        f'<path d="{html.escape(relation.icon, quote=True)}" transform="translate(1.5 1.5) scale(0.75)" '
        'fill="#fff"/></svg>'
    )


def _toggle(kind: str, index: int, body: str) -> str:
    """A legend entry that switches what it names on and off (click, Enter or Space)."""
    return (
        f'<div role="button" tabindex="0" aria-pressed="true" data-geoapp-toggle="{kind}" '
        f'data-geoapp-index="{index}">{body}</div>'
    )


def legend_html(data: MapData) -> str:
    """The legend, escaped: named actors (by number of sentences) and the others as one entry,
    the relations present, the place types present, the review mark. Every entry is a switch
    (see the page's runtime); the full list of actors opens below them."""
    legend = data.legend
    parts = ['<details open><summary>Legend</summary>']
    actors = legend["actors"]
    if actors:
        parts.append("<h4>Actors <span class=\"geoapp-n\">(click to hide)</span></h4>")
        others = [a for a in actors if not a["named"]]
        for a in actors:
            if a["named"]:
                swatch = f'<span class="geoapp-line" style="background:{a["color"]}"></span>'
                parts.append(_toggle("actor", a["index"], f'{swatch}{esc(a["name"])} '
                                     f'<span class="geoapp-n">({a["count"]})</span>'))
        if others:
            swatch = f'<span class="geoapp-line" style="background:{OTHER_ACTORS_COLOR}"></span>'
            n = sum(a["count"] for a in others)
            parts.append(_toggle("others", 0, f'{swatch}{len(others)} other actor{"s" * (len(others) > 1)} '
                                 f'<span class="geoapp-n">({n})</span>'))
            parts.append(
                f'<details class="geoapp-all-actors"><summary>each of the {len(actors)} actors</summary>'
                '<div class="geoapp-list"></div></details>'
            )
    if legend["relations"]:
        parts.append("<h4>What the text says</h4><div class=\"geoapp-grid\">")
        for r in legend["relations"]:
            parts.append(_toggle("relation", r["index"], f'{_icon_svg(r["style"])}{esc(r["label"])}'))
        parts.append(
            '</div><div class="geoapp-note">solid: done on the ground; dashed: words and ties. '
            "Width: number of sentences. Badge arrow: actor → place.</div>"
        )
    parts.append("<h4>Places</h4><div class=\"geoapp-grid\">")
    for f in legend["features"]:
        swatch = f'<span class="geoapp-swatch" style="background:{FEATURE_COLORS[f["name"]]}"></span>'
        parts.append(_toggle("feature", f["index"], f'{swatch}{esc(f["name"])}'))
    parts.append("</div>")
    if legend["review"]:
        parts.append('<div><span class="geoapp-swatch geoapp-review-swatch"></span>dashed: needs review '
                     "(resolver unsure)</div>")
    parts.append('<div class="geoapp-note">circle size: number of mentions</div></details>')
    return "".join(parts)


#: Above this many markers a map clusters them unless told otherwise (``build_map(cluster=…)``).
CLUSTER_THRESHOLD = 100
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


def search_key(row: dict[str, Any]) -> str:
    """What the search box matches a place against: its name and every surface form the articles
    used for it ("Pjöngjangs", "Kongo", "Berg-Karabach"), folded (accents, case, hyphens), so a
    reader finds a place by whatever spelling they have in mind."""
    forms = [_text(row.get("name"))]
    for quote in _as_list(row.get("quotes")):
        if not isinstance(quote, dict):
            continue
        sentence = _text(quote.get("sentence"))
        for span in _as_list(quote.get("highlights")):
            try:
                forms.append(sentence[int(span[0]) : int(span[1])])
            except (TypeError, ValueError, IndexError):
                continue
    return "|".join(dict.fromkeys(f for f in map(_fold, forms) if f))


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """:func:`geoapp.frames.fold`, remembered: a big map names the same cities thousands of times."""
    return fold(text)


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
    """What the page's script draws, plus what the Python side needs for the legend and the view.

    ``data`` layout (all indexes refer to ``html``/``text`` tables or to other lists of ``data``):

    * ``html``: escaped HTML fragments (popup parts, list labels); ``text``: plain strings (names,
      titles, folded search keys), only ever shown as text nodes.
    * ``features``: ``[name, colour]``; ``actors``: ``[label html, colour, named 0/1, sentences,
      name text]``, strongest first; ``relations``: ``[key, label html, dash, icon path]``;
      ``articles``: ``[label html, date index or -1, title text, article line html]``;
      ``dates``: sorted ``YYYY-MM-DD``.
    * ``places``: ``[lat, lon, feature, radius, name text, article, [actors], [popup html parts],
      search text, flags (1: needs review)]``, in drawing order (wide areas first, see :data:`_Z_ORDER`).
    * ``links``: one per actor–place pair: ``[actor, place name text, [[lat, lon, …] per piece],
      [lat, lon, lat, lon] around the middle, head html, [[article, relation, quote html], …],
      place feature, place search text]``.
    * ``view``: ``[[south, west], [north, east]]`` the map opens on, or None; ``west``: the western
      edge of the 360° of longitude the map draws (see :mod:`geoapp.mapview`).
    """

    data: dict[str, Any]
    legend: dict[str, Any] = field(default_factory=dict)

    @property
    def n_places(self) -> int:
        return len(self.data["places"])

    @property
    def n_links(self) -> int:
        """Lines drawn: one per actor–place pair."""
        return len(self.data["links"])

    @property
    def n_sentences(self) -> int:
        """Link sentences behind the lines."""
        return sum(len(link[5]) for link in self.data["links"])

    @property
    def view(self) -> Any:
        return self.data["view"]

    @property
    def west(self) -> float:
        return float(self.data["west"])


def _articles(place_rows: list[dict[str, Any]], link_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Articles in first-seen order with title, URL and date; the links frame has no URL or date, so
    they come from the article's place rows."""
    index: dict[str, dict[str, Any]] = {}
    for row in [*place_rows, *link_rows]:
        key = _text(row.get("article_id"))
        info = index.setdefault(key, {"id": key, "title": row.get("article_title"), "url": None,
                                      "published": None})
        for col, name in (("article_url", "url"), ("published", "published")):
            if info[name] is None and not _missing(row.get(col)):
                info[name] = row.get(col)
    return list(index.values())


def map_data(places: Any, links: Any = None, *, cluster: bool | None = None) -> MapData:
    """Turn the frames into the compact data block the page renders (see :class:`MapData`).

    Link rows are bundled per actor–place pair: one line whose width grows with its sentences,
    whose popup lists them, and which the page filters sentence by sentence (an article or a
    relation switched off takes its sentences out of the count).
    """
    place_rows = _rows(places)
    link_rows, link_coords = [], []
    for row in _rows(links):
        coords = _line(row.get("geometry"))
        if coords is not None:
            link_rows.append(row)
            link_coords.append(coords)
    html_t, text_t = _Table(), _Table()

    infos = _articles(place_rows, link_rows)
    art_index = {info["id"]: i for i, info in enumerate(infos)}
    days = [_day(info["published"]) for info in infos]
    dates = sorted({d for d in days if d})
    date_pos = {d: i for i, d in enumerate(dates)}
    articles = []
    for info, day in zip(infos, days):
        title = _text(info["title"]) or "(untitled article)"
        articles.append(
            [
                html_t.add(f"{esc(_short(title))}{' · ' + esc(day) if day else ''}"),
                date_pos[day] if day else -1,
                text_t.add(title),
                html_t.add(_article_html(info["title"], info["url"], info["published"])),
            ]
        )

    # Actors: weighed by their link sentences; those only named on places come last.
    line_actors = [_text(r.get("actor")) for r in link_rows]
    place_actors = [_text(a) for r in place_rows for a in _as_list(r.get("actors")) if _text(a)]
    counts: dict[str, int] = {}
    for name in line_actors:
        counts[name] = counts.get(name, 0) + 1
    colors = actor_colors(line_actors)
    for name in place_actors:
        colors.setdefault(name, OTHER_ACTORS_COLOR)
    actor_pos = {name: i for i, name in enumerate(colors)}
    named = {name for name, c in colors.items() if c != OTHER_ACTORS_COLOR}
    actors = [
        [
            html_t.add(f'<span class="geoapp-line" style="background:{color}"></span>{esc(name)}'),
            color,
            int(name in named),
            counts.get(name, 0),
            text_t.add(name or "(unknown actor)"),
        ]
        for name, color in colors.items()
    ]

    features: list[str] = []
    place_data: list[list[Any]] = []
    place_info: dict[tuple[str, str], tuple[int, str]] = {}
    points: list[tuple[float, float]] = []
    kept = []
    for row in sorted(place_rows, key=_draw_order):
        point = _point(row)
        if point is not None:
            kept.append((row, point))
    ends = [c[k][1] for c in link_coords for k in (0, -1)]
    west = central_west([p[1] for _, p in kept] + ends)
    review_any = False
    for row, (lat, lon) in kept:
        feature = _feature(row)
        if feature not in features:
            features.append(feature)
        key = _text(row.get("article_id"))
        info = infos[art_index[key]]
        parts = place_popup_parts({**row, "article_url": info["url"], "published": info["published"]})
        review = not _missing(row.get("needs_review")) and bool(row.get("needs_review"))
        review_any = review_any or review
        skey = text_t.add(search_key(row))
        lon = wrap_lon(lon, west)
        place_data.append(
            [
                round(lat, 5),
                round(lon, 5),
                list(FEATURE_COLORS).index(feature),
                _radius(row.get("mentions")),
                text_t.add(_text(row.get("name")) or "?"),
                art_index[key],
                sorted({actor_pos[_text(a)] for a in _as_list(row.get("actors")) if _text(a)}),
                [html_t.add(part) for part in parts],
                skey,
                int(review),
            ]
        )
        place_info.setdefault((key, _text(row.get("place_key"))), (list(FEATURE_COLORS).index(feature), skey))
        place_info.setdefault(("", _text(row.get("place_key"))), (list(FEATURE_COLORS).index(feature), skey))
        points.append((lat, lon))

    relation_keys: list[str] = []
    bundles: dict[tuple[str, str], list[Any]] = {}
    for row, coords in zip(link_rows, link_coords):
        article = _text(row.get("article_id"))
        actor = _text(row.get("actor"))
        place_key = _text(row.get("place_key")) or _text(row.get("place"))
        relation = _text(row.get("relation")) or "mentioned with"
        if relation not in relation_keys:
            relation_keys.append(relation)
        marked = highlight(_text(row.get("sentence")), row.get("highlights"))
        quote = f'<blockquote class="geoapp-quote">{marked}</blockquote>'
        evidence = [art_index[article], relation, html_t.add(quote)]
        bundle = bundles.get((actor, place_key))
        if bundle is not None:
            bundle[5].append(evidence)
            continue
        wrapped = wrap_line(_thin(coords), west)
        feature, skey = place_info.get((article, place_key)) or place_info.get(("", place_key)) or (
            list(FEATURE_COLORS).index("other"),
            text_t.add(fold(_text(row.get("place")))),
        )
        head, _article = link_popup_parts(row)
        head = head[: head.index('<blockquote class="geoapp-quote">')]
        bundles[(actor, place_key)] = [
            actor_pos[actor],
            text_t.add(_text(row.get("place")) or "?"),
            [[round(v, 3) for pair in piece for v in pair] for piece in wrapped.pieces],
            [round(v, 3) for v in wrapped.arrow],
            html_t.add(head),
            [evidence],
            feature,
            skey,
        ]
        points.extend([wrapped.pieces[0][0], wrapped.pieces[-1][-1]])

    # Relations in order of consequence (the table's), unknown ones after; evidence refers to them.
    order = [k for k in RELATIONS if k in relation_keys] + [k for k in relation_keys if k not in RELATIONS]
    rel_pos = {k: i for i, k in enumerate(order)}
    relations = []
    for k in order:
        style = RELATIONS.get(k, OTHER_RELATION)
        relations.append([k if k in RELATIONS else "other", html_t.add(esc(k)), style.dash, style.icon])
    for bundle in bundles.values():
        for evidence in bundle[5]:
            evidence[1] = rel_pos[evidence[1]]

    features.sort(key=lambda f: -_Z_ORDER.get(f, 3))
    use_cluster = len(place_data) > CLUSTER_THRESHOLD if cluster is None else bool(cluster)
    extent = fit_extent(points)
    data = {
        "html": html_t.items,
        "text": text_t.items,
        "features": [[name, color] for name, color in FEATURE_COLORS.items()],
        "actors": actors,
        "relations": relations,
        "articles": articles,
        "dates": dates,
        "places": place_data,
        "links": list(bundles.values()),
        "cluster": use_cluster,
        "view": [list(extent[0]), list(extent[1])] if extent else None,
        "west": west,
    }
    legend = {
        "actors": [
            {"index": i, "name": name, "color": color, "count": counts.get(name, 0), "named": name in named}
            for i, (name, color) in enumerate(colors.items())
        ],
        "relations": [
            {"index": i, "label": k, "style": RELATIONS.get(k, OTHER_RELATION)} for i, k in enumerate(order)
        ],
        "features": [{"index": list(FEATURE_COLORS).index(f), "name": f} for f in features],
        "review": review_any,
    }
    return MapData(data, legend)


@lru_cache(maxsize=1)
def _runtime_js() -> str:
    """The page's own script (``data/map_runtime.js``): plain JS with no template syntax, so it is
    the same in every map and never passes through a template engine with data in it."""
    return RUNTIME_PATH.read_text(encoding="utf-8")


class GeoappLayers(JSCSSMixin, DataMacroElement):
    """The places, lines and filter controls, drawn by ``data/map_runtime.js`` from one data block.

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
        self.runtime = _runtime_js()
        self.data = _js(data.data, compact=True)
        if data.data["cluster"]:
            self.default_js = list(MarkerCluster.default_js)
            self.default_css = list(MarkerCluster.default_css)
        else:
            self.default_js, self.default_css = [], []

    @property
    def control_name(self) -> str:
        return self._control.get_name() if self._control is not None else "null"


def title_html(title: str | None) -> str:
    """The title box: a fixed heading when given (the page then names what is shown below it),
    otherwise the page writes the heading itself ("N articles", or the one article's title)."""
    if title:
        return f'<div class="geoapp-heading">{esc(title)}</div><div class="geoapp-status"></div>'
    return '<div class="geoapp-heading"></div>'


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
    ``title``: a fixed heading; without one the page's heading names what the filters show.
    See the module docstring for the input's escaping guarantees; the frames follow the contract
    in ``geoapp.frames`` (places and links GeoDataFrames).
    """
    data = map_data(places, links, cluster=cluster)
    center = [20.0, data.west + 180.0]
    if data.view:
        (s, w), (n, e) = data.view
        center = [(s + n) / 2, (w + e) / 2]
    # World copies jump back to -180…180 when panned; a map drawn on another strip must not jump.
    m = folium.Map(location=center, zoom_start=2, tiles=None, control_scale=True,
                   world_copy_jump=data.west == -180.0)
    # Without a tile layer Leaflet has no maxZoom, and markercluster refuses to start without one
    # (folium passes its max_zoom to tile layers only). Quarter zoom steps let the view fit the data.
    m.options["maxZoom"] = 18
    m.options["zoomSnap"] = 0.25
    root = m.get_root()
    if title:
        root.title = html.escape(title, quote=True)
    root.header.add_child(RawElement(_CSS, "geoapp_css"), name="geoapp_css")

    OutlineBasemap(load_basemap(), west=data.west).add_to(m)
    _add_tiles(m, tiles, attribution)
    sources = places["source"] if places is not None and "source" in getattr(places, "columns", ()) else []
    if any(_text(v).lower() in OSM_SOURCES for v in set(sources)):
        Attribution(OSM_CREDIT).add_to(m)

    m.add_child(MapControl(legend_html(data), "geoapp-legend"), name="geoapp_legend")
    title_box = MapControl(title_html(title), "geoapp-title", "topright", dynamic=not title)
    m.add_child(title_box, name="geoapp_title")
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    # After the control and the legend: the script adds switches to the one and binds the other.
    m.add_child(GeoappLayers(data, control), name="geoapp_layers")
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
