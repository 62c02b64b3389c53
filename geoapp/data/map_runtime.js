/* geoapp's map runtime: draws places, actor lines and the filter controls from one data block.
 *
 * Built by geoapp/maps.py (see MapData there for the data layout). Rules kept here:
 * - Markup only ever comes from D.html, whose fragments were escaped in Python; plain strings
 *   (D.text: names, titles) only become text nodes. Colours are checked against #rrggbb and icon
 *   paths against SVG path characters before they enter an attribute.
 * - Every control (legend entries, the actor and article lists, the search box, the time slider,
 *   the layer control's Places and Lines) sets state and calls one apply(), which decides what is
 *   shown, re-clusters, restyles the lines and rewrites the title and the counter.
 */
function geoappMapLayers(map, control, D) {
  "use strict";
  var H = D.html, T = D.text;
  var root = map.getContainer();

  function fold(s) {
    return String(s).normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/\u00df/g, "ss")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  function colour(c) { return /^#[0-9a-fA-F]{6}$/.test(c) ? c : "#555555"; }
  function iconPath(p) { return /^[MLHVCSQTAZmlhvcsqtaz0-9 .,-]*$/.test(p) ? p : ""; }
  function textNode(s) { return function () { return document.createTextNode(s); }; }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  var popupOpts = {maxWidth: 380, className: "geoapp-popup", autoPanPaddingTopLeft: L.point(60, 150),
                   autoPanPaddingBottomRight: L.point(20, 20)};
  var tipOpts = {sticky: true};
  function pane(name, z, clicks) {
    if (!map.getPane(name)) {
      var p = map.createPane(name);
      p.style.zIndex = z;
      if (!clicks) { p.style.pointerEvents = "none"; }
    }
  }
  pane("geoappLinks", 390, true);
  pane("geoappHits", 620, false);

  var clustered = !!(D.cluster && L.markerClusterGroup);
  var placeLayer = clustered
    ? L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 45, showCoverageOnHover: false,
                            spiderfyOnMaxZoom: true})
    : L.featureGroup();
  var lineLayer = L.featureGroup();
  var hitLayer = L.featureGroup().addTo(map);

  // ------------------------------------------------------------------------------ places
  var searchKeys = D.places.map(function (p) { return T[p[8]]; });
  var markers = D.places.map(function (p) {
    var f = D.features[p[2]], review = (p[9] & 1) === 1;
    var m = L.circleMarker([p[0], p[1]], {radius: p[3], color: "#222222", weight: review ? 2 : 1,
      dashArray: review ? "3 2" : null, fillColor: colour(f[1]), fillOpacity: 0.85,
      className: "geoapp-place geoapp-feature-" + f[0] + (review ? " geoapp-review" : "")});
    // A click anywhere on the circle is a click on the place: the popup points at its centre, and
    // whoever listens (the app) reads the place's own coordinates, as Leaflet does for small markers.
    m.on("click", function (e) { e.latlng = m.getLatLng(); });
    m.bindTooltip(textNode(T[p[4]] + (review ? " (needs review)" : "")), tipOpts);
    m.bindPopup(function () {
      var out = "";
      for (var k = 0; k < p[7].length; k++) { out += H[p[7][k]]; }
      return out;
    }, popupOpts);
    m.on("add", function () { var el = m.getElement(); if (el) { el.setAttribute("data-name", T[p[4]]); } });
    m.geoappShown = false;
    return m;
  });

  // ------------------------------------------------------------------------------ lines
  function badgeIcon(color, rel, deg) {
    var svg = '<svg viewBox="-11 -11 22 22" width="22" height="22">' +
      '<g transform="rotate(' + deg.toFixed(1) + ')"><path d="M3 -6.5 L11 0 L3 6.5 Z" fill="' + color +
      '" stroke="#ffffff" stroke-width="1"/></g><circle r="7" fill="' + color +
      '" stroke="#ffffff" stroke-width="1.5"/><path d="' + iconPath(rel[3]) +
      '" transform="translate(-4.5 -4.5) scale(0.75)" fill="#ffffff"/></svg>';
    return L.divIcon({className: "geoapp-arrow geoapp-rel-" + rel[0].replace(/[^a-z]/g, ""), html: svg,
                      iconSize: [22, 22], iconAnchor: [11, 11]});
  }
  function angle(l) {
    // Web Mercator is conformal and zoom only scales it: the angle at zoom 0 holds at every zoom.
    var a = map.project([l[3][0], l[3][1]], 0), b = map.project([l[3][2], l[3][3]], 0);
    return {deg: Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI, at: map.unproject(a.add(b).divideBy(2), 0)};
  }
  var bundles = D.links.map(function (l, j) {
    var color = colour(D.actors[l[0]][1]), turn = angle(l);
    var pieces = l[2].map(function (flat) {
      var ll = [];
      for (var k = 0; k + 1 < flat.length; k += 2) { ll.push([flat[k], flat[k + 1]]); }
      return ll;
    });
    var line = L.polyline(pieces.length === 1 ? pieces[0] : pieces,
      {color: color, weight: 3, opacity: 0.85, className: "geoapp-link", pane: "geoappLinks"});
    var arrow = L.marker(turn.at, {pane: "geoappLinks", keyboard: false});
    var k = {line: line, arrow: arrow, color: color, deg: turn.deg, shown: false, count: -1, rel: -1};
    [line, arrow].forEach(function (layer) {
      layer.bindTooltip(function () {
        return document.createTextNode(T[D.actors[l[0]][4]] + " \u2192 " + T[l[1]] + " \u00b7 " +
                                       plural(Math.max(k.count, 0), "sentence"));
      }, tipOpts);
      layer.bindPopup(function () { return linePopup(j); }, popupOpts);
    });
    return k;
  });

  // ------------------------------------------------------------------------------ state
  var state = {q: "", cut: D.dates.length - 1};
  var actorOn = D.actors.map(function () { return true; });
  var relOn = D.relations.map(function () { return true; });
  var featOn = D.features.map(function () { return true; });
  var articleOn = D.articles.map(function () { return true; });
  function articleOk(i) {
    var a = D.articles[i];
    return articleOn[i] && (a[1] < 0 || a[1] <= state.cut);
  }
  function nameOk(key) { return !state.q || key.indexOf(state.q) >= 0; }
  function actorsOk(list) {
    if (!list.length) { return true; }
    for (var k = 0; k < list.length; k++) { if (actorOn[list[k]]) { return true; } }
    return false;
  }
  function evidenceOk(e) { return articleOk(e[0]) && relOn[e[1]]; }

  function linePopup(j) {
    var l = D.links[j], shown = l[5].filter(evidenceOk);
    if (!shown.length) { shown = l[5]; }
    var counts = D.relations.map(function () { return 0; }), parts = [];
    shown.forEach(function (e) { counts[e[1]] += 1; });
    counts.forEach(function (c, r) { if (c) { parts.push(c + " \u00d7 " + H[D.relations[r][1]]); } });
    var out = H[l[4]] + '<div class="geoapp-meta">' + plural(shown.length, "sentence") + ": " +
      parts.join(", ") + "</div>";
    var last = -1, limit = 8;
    for (var i = 0; i < shown.length && i < limit; i++) {
      var e = shown[i];
      if (e[0] !== last) { out += H[D.articles[e[0]][3]]; last = e[0]; }
      out += '<div class="geoapp-rel">' + H[D.relations[e[1]][1]] + "</div>" + H[e[2]];
    }
    if (shown.length > limit) { out += '<div class="geoapp-meta">\u2026 ' + (shown.length - limit) + " more</div>"; }
    return out;
  }

  function dominant(counts) {
    // The most frequent relation; ties go to the one listed first (the more consequential).
    var best = 0;
    for (var r = 1; r < counts.length; r++) { if (counts[r] > counts[best]) { best = r; } }
    return best;
  }

  var api = {map: map, markers: markers, links: bundles.map(function (k) { return k.line; }),
             arrows: bundles.map(function (k) { return k.arrow; }), placeLayer: placeLayer,
             lineLayer: lineLayer, hitLayer: hitLayer, clustered: clustered, state: state,
             actorOn: actorOn, relationOn: relOn, featureOn: featOn, articleOn: articleOn,
             shown: 0, shownLinks: 0, shownArticles: 0, hits: 0, ready: false};
  var count = null, title = root.querySelector(".geoapp-title");

  function apply() {
    var placesOn = map.hasLayer(placeLayer), add = [], rem = [], n = 0, nl = 0, seen = {}, nseen = 0;
    function see(a) { if (!seen[a]) { seen[a] = true; nseen++; } }
    for (var i = 0; i < markers.length; i++) {
      var p = D.places[i];
      var ok = articleOk(p[5]) && featOn[p[2]] && nameOk(searchKeys[i]) && actorsOk(p[6]);
      if (ok && placesOn) { n++; see(p[5]); }
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
    var linesOn = map.hasLayer(lineLayer);
    bundles.forEach(function (k, j) {
      var l = D.links[j], counts = D.relations.map(function () { return 0; }), c = 0;
      l[5].forEach(function (e) { if (evidenceOk(e)) { counts[e[1]] += 1; c++; } });
      var ok = c > 0 && actorOn[l[0]] && featOn[l[6]] && nameOk(T[l[7]]);
      if (ok) {
        nl++;
        if (linesOn) { l[5].forEach(function (e) { if (evidenceOk(e)) { see(e[0]); } }); }
        var rel = dominant(counts);
        if (c !== k.count || rel !== k.rel) {
          k.count = c; k.rel = rel;
          k.line.setStyle({weight: Math.min(10, 2.5 + 2 * Math.sqrt(c - 1)), dashArray: D.relations[rel][2] || null});
          k.arrow.setIcon(badgeIcon(k.color, D.relations[rel], k.deg));
        }
      }
      if (ok === k.shown) { return; }
      k.shown = ok;
      if (ok) { lineLayer.addLayer(k.line); lineLayer.addLayer(k.arrow); }
      else { lineLayer.removeLayer(k.line); lineLayer.removeLayer(k.arrow); }
    });
    api.shown = n; api.shownLinks = linesOn ? nl : 0; api.shownArticles = nseen;
    if (count) {
      count.textContent = n + " of " + plural(markers.length, "place") + " \u00b7 " + api.shownLinks + " of " +
        plural(bundles.length, "line") + (placesOn ? "" : " (places switched off)");
    }
    if (title) {
      var only = null;
      for (var a in seen) { if (seen[a]) { only = +a; } }
      var what = nseen === 1 ? T[D.articles[only][2]] : plural(nseen, "article");
      var dynamic = !!title.getAttribute("data-dynamic");
      var heading = title.querySelector(".geoapp-heading"), status = title.querySelector(".geoapp-status");
      if (dynamic && heading) { heading.textContent = what; }
      if (!dynamic && status) { status.textContent = heading && heading.textContent === what ? "" : what; }
      if (dynamic) { document.title = what; }
    }
    refreshLegend();
  }

  // ------------------------------------------------------------------------------ search
  function showHits() {
    hitLayer.clearLayers();
    api.hits = 0;
    if (!state.q) { return; }
    var pts = [];
    markers.forEach(function (m, i) {
      if (!m.geoappShown) { return; }
      pts.push(m.getLatLng());
      if (pts.length <= 300) {
        hitLayer.addLayer(L.circleMarker(m.getLatLng(), {radius: D.places[i][3] + 6, color: "#111111",
          weight: 3, fill: false, interactive: false, pane: "geoappHits", className: "geoapp-hit"}));
      }
    });
    api.hits = pts.length;
    if (pts.length) { fit(L.latLngBounds(pts), 5); }
  }
  function fit(bounds, maxZoom) {
    var legend = root.querySelector(".geoapp-legend");
    var right = legend && legend.querySelector("details[open]") ? legend.offsetWidth + 20 : 20;
    var size = map.getSize();
    right = Math.min(right, size.x / 3);
    map.fitBounds(bounds, {paddingTopLeft: [20, Math.min(130, size.y / 4)], paddingBottomRight: [right, 20],
                           maxZoom: maxZoom || 7, animate: false});
  }
  api.fit = fit;
  api.setQuery = function (q) { state.q = fold(q); apply(); showHits(); };

  // ------------------------------------------------------------------------------ toggles
  function setAll(list, indexes, on) { indexes.forEach(function (i) { list[i] = on; }); apply(); }
  var others = [];
  D.actors.forEach(function (a, i) { if (!a[2]) { others.push(i); } });
  api.toggleActor = function (i, on) { setAll(actorOn, [i], on === undefined ? !actorOn[i] : on); };
  api.toggleOthers = function (on) {
    var any = others.some(function (i) { return actorOn[i]; });
    setAll(actorOn, others, on === undefined ? !any : on);
  };
  api.toggleRelation = function (i, on) { setAll(relOn, [i], on === undefined ? !relOn[i] : on); };
  api.toggleFeature = function (i, on) { setAll(featOn, [i], on === undefined ? !featOn[i] : on); };
  api.toggleArticle = function (i, on) { setAll(articleOn, [i], on === undefined ? !articleOn[i] : on); };
  api.onlyArticle = function (i) { setAll(articleOn, D.articles.map(function (_, k) { return k; }), false);
                                   api.toggleArticle(i, true); };

  function refreshLegend() {
    root.querySelectorAll("[data-geoapp-toggle]").forEach(function (el) {
      var kind = el.getAttribute("data-geoapp-toggle"), i = +el.getAttribute("data-geoapp-index"), on;
      if (kind === "actor") { on = actorOn[i]; }
      else if (kind === "others") { on = others.some(function (k) { return actorOn[k]; }); }
      else if (kind === "relation") { on = relOn[i]; }
      else if (kind === "feature") { on = featOn[i]; }
      else if (kind === "article") { on = articleOn[i]; }
      el.classList.toggle("geoapp-off", !on);
      if (el.type === "checkbox") { el.checked = on; } else { el.setAttribute("aria-pressed", on ? "true" : "false"); }
    });
  }
  function onToggle(el) {
    var kind = el.getAttribute("data-geoapp-toggle"), i = +el.getAttribute("data-geoapp-index");
    var on = el.type === "checkbox" ? el.checked : undefined;
    if (kind === "actor") { api.toggleActor(i, on); }
    else if (kind === "others") { api.toggleOthers(on); }
    else if (kind === "relation") { api.toggleRelation(i, on); }
    else if (kind === "feature") { api.toggleFeature(i, on); }
    else if (kind === "article") { api.toggleArticle(i, on); }
  }
  root.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-geoapp-toggle]") : null;
    if (el && el.type !== "checkbox") { ev.preventDefault(); onToggle(el); }
  });
  root.addEventListener("change", function (ev) {
    if (ev.target.getAttribute && ev.target.getAttribute("data-geoapp-toggle")) { onToggle(ev.target); }
  });
  root.addEventListener("keydown", function (ev) {
    var el = ev.target;
    if ((ev.key === "Enter" || ev.key === " ") && el.getAttribute && el.getAttribute("data-geoapp-toggle") &&
        el.type !== "checkbox") { ev.preventDefault(); onToggle(el); }
  });

  // Long lists (every actor, every article) are built when first opened: a map of 2,000 articles
  // should not pay for 2,000 checkboxes nobody looks at.
  function checkList(box, kind, items) {
    var details = root.querySelector(box);
    if (!details) { return; }
    details.addEventListener("toggle", function () {
      var list = details.querySelector(".geoapp-list");
      if (!details.open || list.childNodes.length) { return; }
      items.forEach(function (item) {
        var row = L.DomUtil.create("label", "geoapp-check", list);
        var cb = L.DomUtil.create("input", "", row);
        cb.type = "checkbox";
        cb.setAttribute("data-geoapp-toggle", kind);
        cb.setAttribute("data-geoapp-index", String(item[0]));
        var name = L.DomUtil.create("span", "", row);
        name.innerHTML = H[item[1]];
      });
      refreshLegend();
    });
  }
  checkList(".geoapp-all-actors", "actor", D.actors.map(function (a, i) { return [i, a[0]]; }));

  // ------------------------------------------------------------------------------ filter box
  var Filter = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var div = L.DomUtil.create("div", "geoapp-filter");
      var input = L.DomUtil.create("input", "geoapp-search", div);
      input.type = "search"; input.placeholder = "Search places (any spelling)";
      input.setAttribute("aria-label", "Search places");
      count = L.DomUtil.create("div", "geoapp-count", div);
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { api.setQuery(input.value); }, 150);
      });
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { clearTimeout(timer); api.setQuery(input.value); }
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
      if (D.articles.length > 1) {
        var details = L.DomUtil.create("details", "geoapp-articles", div);
        var summary = L.DomUtil.create("summary", "", details);
        summary.textContent = "Articles (" + D.articles.length + ")";
        var buttons = L.DomUtil.create("div", "geoapp-all-none", details);
        [["all", true], ["none", false]].forEach(function (b) {
          var btn = L.DomUtil.create("button", "", buttons);
          btn.type = "button"; btn.textContent = b[0];
          btn.addEventListener("click", function () {
            setAll(articleOn, D.articles.map(function (_, k) { return k; }), b[1]);
          });
        });
        L.DomUtil.create("div", "geoapp-list", details);
      }
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    }
  });

  api.apply = apply;
  lineLayer.addTo(map);
  placeLayer.addTo(map);
  if (control) {
    control.addOverlay(placeLayer, "Places");
    control.addOverlay(lineLayer, "Actor lines");
  }
  new Filter().addTo(map);
  checkList(".geoapp-articles", "article", D.articles.map(function (a, i) { return [i, a[0]]; }));
  var legendBox = root.querySelector(".geoapp-legend details");
  if (legendBox && map.getSize().x < 700) { legendBox.open = false; }
  if (D.view) { fit(L.latLngBounds(D.view)); }
  apply();
  map.on("overlayadd overlayremove", function () { apply(); });
  // An open popup is what the reader looks at: the boxes over the map step back until it closes.
  map.on("popupopen", function () { root.classList.add("geoapp-quiet"); });
  map.on("popupclose", function () { root.classList.remove("geoapp-quiet"); });
  api.ready = true;
  window.geoapp = api;
  return api;
}
