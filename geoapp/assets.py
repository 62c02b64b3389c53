"""Leaflet and friends from installed Python packages, so saved maps work with no internet.

Why: folium's HTML loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; offline the page
is blank, and for sensitive work every CDN request leaks that a map was opened. The same files ship
as ordinary pip dependencies in the XStatic packages (``xstatic.pkg.*``), so they are found there,
never in the repository and never fetched at run time.

How: folium adds a ``<script>``/``<link>`` per (name, url) pair of each element's ``default_js`` /
``default_css`` when the page renders. :func:`localize` rewrites those lists *per instance* on every
element of a map just before rendering, replacing CDN URLs with ``geoapp-asset:<id>`` placeholders
and dropping what nothing we draw needs (Bootstrap, glyphicons, awesome-markers). :func:`render_html`
then swaps each placeholder for the inlined file (``inline``) or a relative link into a sibling
``<stem>_files/`` folder (``files``). Working by folium's resource *names* instead of its URLs keeps
this stable when folium bumps a CDN version; any http(s) resource left afterwards is an error in
``inline`` mode rather than a silent leak.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import folium
from folium.elements import JSCSSMixin

Mode = Literal["inline", "files"]

PLACEHOLDER = "geoapp-asset:"


class AssetError(RuntimeError):
    """An asset package is missing, or a page would still load something from the internet."""


@dataclass(frozen=True)
class Asset:
    """One JS or CSS file inside an installed package.

    ``root`` is the package's data folder: the file's path relative to it is kept when copying in
    ``files`` mode so that relative ``url(...)`` references in CSS (images, fonts) keep working.
    """

    id: str
    kind: Literal["js", "css"]
    package: str
    root: Path
    relpath: str

    @property
    def path(self) -> Path:
        return self.root / self.relpath


def _xstatic_dir(module: str) -> Path:
    """The data folder of an ``xstatic.pkg.<module>`` package, with a clear error when absent."""
    try:
        mod = __import__(f"xstatic.pkg.{module}", fromlist=["BASE_DIR"])
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AssetError(
            f"xstatic.pkg.{module} is not installed; pip install the XStatic package "
            "(see pyproject.toml dependencies)"
        ) from exc
    return Path(mod.BASE_DIR)


#: Our asset ids → (xstatic module, kind, path inside its data folder).
_SPECS: dict[str, tuple[str, Literal["js", "css"], str]] = {
    "leaflet.js": ("leaflet", "js", "leaflet.js"),
    "leaflet.css": ("leaflet", "css", "leaflet.css"),
    "jquery.js": ("jquery", "js", "jquery.min.js"),
    "markercluster.js": ("leaflet_markercluster", "js", "leaflet.markercluster.js"),
    "markercluster.css": ("leaflet_markercluster", "css", "MarkerCluster.css"),
    "markercluster.default.css": ("leaflet_markercluster", "css", "MarkerCluster.Default.css"),
    "fontawesome.css": ("font_awesome", "css", "css/all.min.css"),
}

#: folium's resource names (Map and plugins) → our asset id, or None to drop the resource.
FOLIUM_NAMES: dict[str, str | None] = {
    "leaflet": "leaflet.js",
    "leaflet_css": "leaflet.css",
    "jquery": "jquery.js",
    "markerclusterjs": "markercluster.js",
    "markerclustercss": "markercluster.css",
    "markerclusterdefaultcss": "markercluster.default.css",
    # Nothing geoapp draws uses Bootstrap or awesome-markers (we draw CircleMarkers and bind
    # popups/tooltips ourselves); dropping them saves ~300 KB per self-contained file.
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
    "awesome_markers_font_css": None,
}


@cache
def find_assets() -> dict[str, Asset]:
    """Locate every asset in the installed XStatic packages; raise :class:`AssetError` if one is missing."""
    found: dict[str, Asset] = {}
    for asset_id, (module, kind, rel) in _SPECS.items():
        root = _xstatic_dir(module)
        if not (root / rel).is_file():
            raise AssetError(f"{rel} not found in xstatic.pkg.{module} ({root})")
        found[asset_id] = Asset(asset_id, kind, f"xstatic.pkg.{module}", root, rel)
    return found


def _iter_elements(root: object) -> Iterable[object]:
    """Every element below (and including) ``root`` in branca's tree, depth first."""
    stack = [root]
    while stack:
        element = stack.pop()
        yield element
        stack.extend(getattr(element, "_children", {}).values())


def _localize_list(pairs: list[tuple[str, str]], font_awesome: bool) -> list[tuple[str, str]]:
    out = []
    for name, url in pairs:
        if name == "awesome_markers_font_css" and font_awesome:
            out.append((name, PLACEHOLDER + "fontawesome.css"))
        elif name in FOLIUM_NAMES:
            target = FOLIUM_NAMES[name]
            if target is not None:
                out.append((name, PLACEHOLDER + target))
        else:
            out.append((name, url))  # unknown plugin resource: render_html decides
    return out


def localize(m: folium.Map, *, font_awesome: bool = False) -> folium.Map:
    """Point every element of ``m`` at local assets instead of folium's CDN defaults.

    Sets ``default_js``/``default_css`` on each *instance* (never on folium's classes, which other
    maps in the same process share). Idempotent; call it after the last element was added, since
    plugins added later bring their own CDN lists. ``font_awesome`` keeps Font Awesome (for
    callers that add icon markers); geoapp's own markers do not need it.
    """
    for element in _iter_elements(m.get_root()):
        if isinstance(element, JSCSSMixin):
            element.default_js = _localize_list(list(element.default_js), font_awesome)
            element.default_css = _localize_list(list(element.default_css), font_awesome)
    return m


_URL_RE = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_TTF_RE = re.compile(r",\s*url\([^)]*\.ttf\)\s*format\([\"']truetype[\"']\)")


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or {
        ".woff2": "font/woff2",
        ".woff": "font/woff",
    }.get(path.suffix, "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(asset: Asset) -> str:
    """CSS text with every relative ``url(...)`` turned into a data: URI (images, fonts).

    TrueType fallbacks are dropped first: every browser that runs Leaflet reads woff2, and the
    ttf copies would double the size of an inlined icon font.
    """
    text = _TTF_RE.sub("", asset.path.read_text(encoding="utf-8"))
    base = asset.path.parent

    def repl(match: re.Match[str]) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")) or re.match(r"^[a-z]+:", ref):
            return match.group(0)
        target = (base / ref.split("?")[0].split("#")[0]).resolve()
        if not target.is_file():
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    return _URL_RE.sub(repl, text)


def _safe_inline_js(text: str) -> str:
    """Make JS source safe inside an inline ``<script>``: ``</script`` or ``<!--`` would end it early."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _icon_fix_js() -> str:
    """Point ``L.Icon.Default`` at data: URIs.

    Leaflet finds its marker images by reading a CSS background URL and stripping
    ``marker-icon.png`` from it; a data: URI defeats that, so a plain ``folium.Marker`` would
    request ``nullmarker-icon.png``. Setting the URLs explicitly keeps default markers working.
    """
    images = find_assets()["leaflet.js"].root / "images"
    urls = {
        "iconUrl": _data_uri(images / "marker-icon.png"),
        "iconRetinaUrl": _data_uri(images / "marker-icon-2x.png"),
        "shadowUrl": _data_uri(images / "marker-shadow.png"),
    }
    return (
        "if (window.L && L.Icon && L.Icon.Default) { L.Icon.Default.imagePath = '';"
        f" L.Icon.Default.mergeOptions({json.dumps(urls)}); }}"
    )


_SCRIPT_RE = re.compile(r'<script src="' + re.escape(PLACEHOLDER) + r'([^"]+)"></script>')
_LINK_RE = re.compile(r'<link rel="stylesheet" href="' + re.escape(PLACEHOLDER) + r'([^"]+)"\s*/?>')
_EXTERNAL_RE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?((?:https?:)?//[^\"' >]+)", re.I)


def external_resources(page: str) -> list[str]:
    """The http(s) or protocol-relative URLs that ``<script src>`` / ``<link href>`` tags load."""
    return _EXTERNAL_RE.findall(page)


def render_html(m: folium.Map, mode: Mode, target: Path, *, font_awesome: bool = False) -> str:
    """Render ``m`` to a full HTML page whose assets are inlined or relative to ``target``.

    In ``files`` mode the assets are copied to ``<target.stem>_files/`` next to ``target`` (created
    or refreshed); the page refers to them relatively, so the pair can be moved together.
    Raises :class:`AssetError` in ``inline`` mode when the page would still load a script or
    stylesheet from the internet (a plugin geoapp does not know).
    """
    if mode not in ("inline", "files"):
        raise ValueError(f"mode must be 'inline' or 'files', not {mode!r}")
    localize(m, font_awesome=font_awesome)
    page = m.get_root().render()
    assets = find_assets()

    def asset_for(asset_id: str) -> Asset:
        try:
            return assets[asset_id]
        except KeyError:
            raise AssetError(f"unknown asset placeholder {asset_id!r}") from None

    if mode == "inline":

        def js(match: re.Match[str]) -> str:
            asset = asset_for(match.group(1))
            body = _safe_inline_js(asset.path.read_text(encoding="utf-8"))
            extra = f"\n<script>{_icon_fix_js()}</script>" if asset.id == "leaflet.js" else ""
            return f"<script>/* {asset.package} {asset.relpath} */\n{body}\n</script>{extra}"

        def css(match: re.Match[str]) -> str:
            asset = asset_for(match.group(1))
            body = _inline_css(asset).replace("</style", "<\\/style")
            return f"<style>/* {asset.package} {asset.relpath} */\n{body}\n</style>"

        page = _SCRIPT_RE.sub(js, page)
        page = _LINK_RE.sub(css, page)
        leaks = external_resources(page)
        if leaks:
            raise AssetError("self-contained page would still load: " + ", ".join(sorted(set(leaks))))
        return page

    folder_name = f"{target.stem}_files"
    folder = target.parent / folder_name
    used = set(_SCRIPT_RE.findall(page)) | set(_LINK_RE.findall(page))
    for asset_id in sorted(used):
        asset = asset_for(asset_id)
        _copy_asset(asset, folder)

    def href(asset_id: str) -> str:
        asset = asset_for(asset_id)
        return html.escape(f"{folder_name}/{_pkg_dir(asset)}/{asset.relpath}", quote=True)

    page = _SCRIPT_RE.sub(lambda mt: f'<script src="{href(mt.group(1))}"></script>', page)
    page = _LINK_RE.sub(lambda mt: f'<link rel="stylesheet" href="{href(mt.group(1))}"/>', page)
    return page


def _pkg_dir(asset: Asset) -> str:
    return asset.package.rsplit(".", 1)[-1]


def _copy_asset(asset: Asset, folder: Path) -> None:
    """Copy an asset and the folders its CSS refers to (Leaflet's images/, Font Awesome's webfonts/)."""
    dest_root = folder / _pkg_dir(asset)
    dest = dest_root / asset.relpath
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(asset.path, dest)
    if asset.kind != "css":
        return
    for match in _URL_RE.finditer(asset.path.read_text(encoding="utf-8")):
        ref = match.group(2).strip().split("?")[0].split("#")[0]
        if ref.startswith("data:") or re.match(r"^[a-z]+:", ref):
            continue
        src = (asset.path.parent / ref).resolve()
        try:
            rel = src.relative_to(asset.root.resolve())
        except ValueError:
            continue
        if src.is_file():
            # The whole folder: Leaflet's JS asks for marker-icon-2x.png and marker-shadow.png,
            # which its CSS never names.
            shutil.copytree(src.parent, dest_root / rel.parent, dirs_exist_ok=True)


@cache
def _asset_data_uri(asset_id: str) -> str:
    """A local Leaflet asset as a data: URI (CSS with its images inlined), built once per process."""
    asset = find_assets()[asset_id]
    if asset.kind == "css":
        body, mime = _inline_css(asset).encode("utf-8"), "text/css"
    else:
        body, mime = asset.path.read_bytes(), "text/javascript"
    return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"


def localize_as_data_uris(m: folium.Map) -> folium.Map:
    """For streamlit-folium: the map's JS/CSS as data: URIs, since st_folium loads them by URL.

    st_folium's component ships its own frontend but not Leaflet: it adds a ``<script src>`` for
    each element's ``default_js``, which are folium's CDN URLs. ``assets.localize`` swaps them for
    placeholders; here each placeholder becomes the file itself, so nothing leaves the machine.
    """
    localize(m)

    def local(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for name, url in pairs:
            if url.startswith(PLACEHOLDER):
                out.append((name, _asset_data_uri(url[len(PLACEHOLDER) :])))
            elif url.startswith("data:"):
                out.append((name, url))
            # anything else would be fetched from the internet: left out
        return out

    stack: list[object] = [m.get_root()]
    while stack:
        element = stack.pop()
        if isinstance(element, JSCSSMixin):
            element.default_js = local(list(element.default_js))
            element.default_css = local(list(element.default_css))
        stack.extend(getattr(element, "_children", {}).values())
    return m
