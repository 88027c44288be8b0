// Maeul Atlas map (explorer, nearby and coverage pages): Streamlit component (protocol v1)
// over the vendored Leaflet.
//
// Loaded once per page session: the iframe stays while Streamlit reruns the page, and each
// rerun only posts new arguments ("streamlit:render"). The outlines are fetched once from
// a content-named file; resources arrive as compact rows and are swapped in without
// touching Leaflet or the outlines. The map reports back ("streamlit:setComponentValue",
// which reruns the script) only when it needs something the server has not sent: a view
// outside the data it holds, a grid too coarse for the zoom, or a click on a resource (or,
// where the page asks for it, on an empty spot: the nearby page's new search centre).
// A choropleth (args.areas: a colour and a tooltip row per area code) fills the outlines
// it already holds and never reports back.
(function () {
  "use strict";

  // ---- Streamlit component protocol (v1) ----
  function post(type, data) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data), "*");
  }
  function setValue(value) { post("streamlit:setComponentValue", { value: value, dataType: "json" }); }
  function setHeight(h) { post("streamlit:setFrameHeight", { height: h }); }

  // ---- state kept for the life of the iframe ----
  const S = {
    args: null, map: null, outlines: null, outlinesUrl: null, panes: false,
    base: null, labels: null, highlight: null, resources: null, sites: null, conflicts: null,
    control: null, legend: null, tiles: null, focusId: null, data: null, dataId: null,
    cache: new Map(), lastReport: null, clickSeq: 0, lastClick: null, reports: 0,
    search: null, searchKey: null, selectedRing: null, selectedShown: null, areas: null,
  };
  S.times = { script: Date.now() };  // when each stage was reached (benchmarks read them)
  window.maeulMap = S;  // for tests and benchmarks: the live state
  window.maeulMapLoadedAt = Date.now();  // set once: a reload of the iframe changes it

  const KEEP = 6;  // payloads kept by id (a filter switched back needs no resend)

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  const fmt = (n) => Number(n).toLocaleString("en-US");

  // ---- map and panes (once) ----
  function ensureMap() {
    if (S.map) return;
    const map = L.map("map", { preferCanvas: true, zoomSnap: 0.25, minZoom: 9, maxZoom: 19 });
    map.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(map);
    const panes = [["fills", 200], ["lines", 380], ["points", 420], ["labels", 450]];
    for (const [name, z] of panes) {
      map.createPane(name).style.zIndex = z;
    }
    map.getPane("labels").style.pointerEvents = "none";
    map.on("moveend", onMoved);
    map.on("click", onMapClick);
    // A click that only closes an open popup is not a new search centre.
    map.on("popupopen", () => { S.popupOpen = true; });
    map.on("popupclose", () => { S.popupOpen = false; });
    map.on("preclick", () => { S.closingPopup = S.popupOpen; });
    map.on("zoomend moveend", updateLabels);
    S.map = map;
    window.map = map;
  }

  // ---- outlines: fetched once, drawn once ----
  function loadOutlines(url) {
    if (S.outlinesUrl === url) return S.outlinesLoading;  // fetched, or on its way
    S.outlinesUrl = url;
    S.outlinesLoading = fetch(url, { cache: "force-cache" }).then((r) => r.json()).then((o) => {
      S.times.outlines = Date.now();
      S.outlines = o;
      drawOutlines();
      S.times.outlinesDrawn = Date.now();
      return o;
    }).catch(() => { S.outlinesUrl = null; });  // the next render asks again
    return S.outlinesLoading;
  }

  function drawOutlines() {
    const a = S.args, o = S.outlines, map = S.map;
    if (S.base) S.base.forEach((l) => map.removeLayer(l));
    const fillOpacity = a.online ? 0.35 : 1.0;
    // Fills first, every border after them: a later fill never covers a neighbour's border.
    const fills = L.geoJSON(o.districts, {
      pane: "fills", interactive: false,
      style: { stroke: false, fill: true, fillColor: a.styles.district.fillColor, fillOpacity: fillOpacity },
    });
    const dongs = L.geoJSON(o.dongs, {
      pane: "lines", interactive: false,
      style: Object.assign({}, a.styles.dong, { fill: false }),
    });
    const borders = L.geoJSON(o.districts, {
      pane: "lines", interactive: false,
      style: { color: a.styles.district.color, weight: a.styles.district.weight, fill: false },
    });
    S.drawnOnline = a.online;
    S.drawnLang = a.lang;
    S.base = [fills, dongs, borders];
    S.base.forEach((l) => l.addTo(map));
    S.baseLayers = { districts: borders, dongs: dongs };
    buildLabels();
    drawHighlight();
    drawAreas(true);
    buildControl();
  }

  // ---- choropleth (coverage page): the level's outlines filled per area code ----
  function areaStyle(f) {
    const A = S.args.areas;
    return Object.assign({ stroke: true, fill: true }, A.style, {
      fillColor: A.fills[f.properties.code] || A.no_data,
    });
  }

  function areaTip(layer) {
    const A = S.args.areas, row = A.tips[layer.feature.properties.code];
    const box = el("div", "mm-tip");
    A.labels.forEach((label, i) => {
      const line = el("div");
      line.append(el("b", null, label + ": "), document.createTextNode(row ? row[i] : ""));
      box.append(line);
    });
    return box;
  }

  // Built when the level (or the outlines) change, restyled otherwise: the geometry is
  // never sent again, only colours and tooltip rows.
  function drawAreas(rebuild) {
    const map = S.map, A = S.args.areas;
    if (!A || !S.outlines) {
      if (S.areas) { map.removeLayer(S.areas.layer); S.areas = null; }
      if (S.areaOutline) { map.removeLayer(S.areaOutline); S.areaOutline = null; S.areaOutlineKey = null; }
      return;
    }
    if (rebuild || !S.areas || S.areas.level !== A.level) {
      if (S.areas) map.removeLayer(S.areas.layer);
      const fc = A.level === "dong" ? S.outlines.dongs : S.outlines.districts;
      const layer = L.geoJSON(fc, {
        pane: "fills", style: areaStyle,
        onEachFeature: (f, l) => l.bindTooltip(areaTip, { sticky: true }),
      });
      layer.on("mouseover", (e) => { e.layer.setStyle(S.args.areas.hover); e.layer.bringToFront(); });
      layer.on("mouseout", (e) => layer.resetStyle(e.layer));
      S.areas = { level: A.level, layer: layer };
      layer.addTo(map);
      buildControl();
    } else {
      S.areas.layer.setStyle(areaStyle);
    }
    S.areas.fills = A.fills;
    drawAreaOutline(rebuild);
    S.times.areas = S.times.areas || Date.now();
  }

  // A small shape over the areas (the gap map's walking-distance reach), redrawn only
  // when it changes.
  function drawAreaOutline(rebuild) {
    const map = S.map, A = S.args.areas, shape = A && A.outline ? A.outline : null;
    const key = shape ? JSON.stringify(shape) : null;
    if (!rebuild && key === S.areaOutlineKey) return;
    if (S.areaOutline) { map.removeLayer(S.areaOutline); S.areaOutline = null; }
    S.areaOutlineKey = key;
    if (shape) {
      S.areaOutline = L.geoJSON(shape, {
        pane: "lines", interactive: false, style: Object.assign({}, A.outline_style),
      }).addTo(map);
    }
    buildControl();
  }

  function drawHighlight() {
    const map = S.map;
    if (S.highlight) { map.removeLayer(S.highlight); S.highlight = null; }
    const code = S.args.district;
    if (!code || !S.outlines) return;
    const f = S.outlines.districts.features.filter((x) => x.properties.code === code);
    S.highlight = L.geoJSON({ type: "FeatureCollection", features: f }, {
      pane: "lines", interactive: false, style: Object.assign({}, S.args.styles.highlight, { fill: false }),
    }).addTo(map);
  }

  // ---- labels from the reference data (no tile server) ----
  function buildLabels() {
    if (S.labels) S.labels.forEach((l) => S.map.removeLayer(l));
    const name = S.args.lang === "en" ? "name_en" : "name_ko";
    const mk = (p, text, cls) => L.marker([p.ly, p.lx], {
      pane: "labels", interactive: false, keyboard: false,
      icon: L.divIcon({ className: "mm-label " + cls, html: "", iconSize: null }),
    }).on("add", function () { const s = el("span", null, text); this.getElement().replaceChildren(s); });
    S.districtLabels = L.layerGroup(S.outlines.districts.features.map(
      (f) => mk(f.properties, f.properties[name] || f.properties.name_ko, "mm-district")));
    S.dongLabelItems = S.outlines.dongs.features.map((f) => ({
      p: f.properties, marker: mk(f.properties, f.properties.name_ko, "mm-dong"),
    }));
    S.dongLabels = L.layerGroup();
    S.labels = [S.districtLabels, S.dongLabels];
    updateLabels();
  }

  function updateLabels() {
    if (!S.districtLabels || !S.map._loaded) return;
    const z = S.map.getZoom(), map = S.map;
    const showDistricts = z >= 10 && z < 15;
    if (showDistricts && !map.hasLayer(S.districtLabels)) S.districtLabels.addTo(map);
    if (!showDistricts && map.hasLayer(S.districtLabels)) map.removeLayer(S.districtLabels);
    if (z >= 13.5) {
      const b = map.getBounds().pad(0.1);
      for (const it of S.dongLabelItems) {
        const inView = b.contains([it.p.ly, it.p.lx]);
        if (inView && !S.dongLabels.hasLayer(it.marker)) S.dongLabels.addLayer(it.marker);
        if (!inView && S.dongLabels.hasLayer(it.marker)) S.dongLabels.removeLayer(it.marker);
      }
      if (!map.hasLayer(S.dongLabels)) S.dongLabels.addTo(map);
    } else if (map.hasLayer(S.dongLabels)) {
      map.removeLayer(S.dongLabels);
    }
  }

  // ---- resources: swapped in per payload ----
  function markerStyle(kind, dong) {
    const st = Object.assign({}, S.args.styles.markers[dong ? "dong" : "exact"]);
    if (S.args.marker_radius) st.radius = S.args.marker_radius;  // nearby: thumb-sized
    const color = S.args.legend[kind].color;
    return dong
      ? Object.assign(st, { color: color })
      : Object.assign(st, { fillColor: color });
  }

  function popupFor(row) {
    const box = el("div", "mm-popup");
    box.append(el("b", null, row[9] || row[4]));
    box.append(el("div", null, S.args.legend[row[2]].label + " · " + row[5]));
    if (row[6]) box.append(el("div", null, row[6]));
    if (row[7]) box.append(el("div", null, row[7]));
    return box;
  }

  function cellText(row) {
    const parts = S.args.legend
      .map((k, i) => (row[3 + i] ? k.label + " " + fmt(row[3 + i]) : null))
      .filter((x) => x);
    return fmt(row[2]) + " (" + parts.join(", ") + ")";
  }

  function drawResources(data) {
    const map = S.map;
    if (S.resources) map.removeLayer(S.resources);
    const group = L.featureGroup();
    const tip = L.tooltip({ direction: "top", offset: [0, -6] });
    if (data.mode === "points") {
      for (const row of data.rows) {
        const m = L.circleMarker([row[1], row[0]], Object.assign(
          { pane: "points", bubblingMouseEvents: false }, markerStyle(row[2], row[3])));
        m.row = row;
        m.kind = S.args.legend[row[2]].code;
        group.addLayer(m);
      }
      group.on("click", (e) => {
        const row = e.layer.row;
        S.closingPopup = false;
        openPopup(e.layer);
        if (S.args.selected !== undefined) { S.selectedShown = row[8]; drawSelected(row[8]); }
        report({ click: { id: row[8], seq: token() } });
      });
      group.on("mouseover", (e) => { tip.setContent(e.layer.row[9] || e.layer.row[4]); map.openTooltip(tip, e.layer.getLatLng()); });
    } else {
      const biggest = Math.max(1, ...data.rows.map((r) => r[2]));
      for (const row of data.rows) {
        const m = L.circleMarker([row[1], row[0]], {
          pane: "points", radius: 4 + 14 * Math.sqrt(row[2] / biggest), weight: 1,
          color: "#333333", fill: true, fillColor: S.args.styles.grid_color, fillOpacity: 0.7,
        });
        m.row = row;
        m.cell = true;
        group.addLayer(m);
      }
      group.on("mouseover click", (e) => { tip.setContent(cellText(e.layer.row)); map.openTooltip(tip, e.layer.getLatLng()); });
    }
    group.on("mouseout", () => map.closeTooltip(tip));
    S.resources = group.addTo(map);
    S.data = data;
    S.times.resources = Date.now();
    drawLegend();
    drawSelected();
  }

  function openPopup(layer) {
    L.popup({ maxWidth: 280, offset: [0, -4] }).setLatLng(layer.getLatLng())
      .setContent(popupFor(layer.row)).openOn(S.map);
  }

  // ---- the selected resource (nearby page): a ring around its marker, its popup ----
  function drawSelected(chosen) {
    const map = S.map, id = chosen === undefined ? S.args.selected : chosen;
    if (S.selectedRing) { map.removeLayer(S.selectedRing); S.selectedRing = null; }
    if (id === undefined || id === null || !S.resources || !S.data || S.data.mode !== "points") {
      S.selectedShown = id === undefined ? S.selectedShown : null;
      return;
    }
    const layer = S.resources.getLayers().find((l) => l.row[8] === id);
    if (!layer) return;
    layer.bringToFront();
    S.selectedRing = L.circleMarker(layer.getLatLng(), Object.assign(
      { pane: "points", interactive: false }, S.args.styles.selected)).addTo(map);
    S.selectedRing.bringToBack();
    S.selectedLayer = layer;
    if (S.selectedShown !== id) {  // newly chosen in the list: show what it is
      S.selectedShown = id;
      openPopup(layer);
    }
  }

  // ---- the search centre and radius (nearby page) ----
  function drawSearch() {
    const map = S.map, s = S.args.search || null;
    const key = s ? JSON.stringify(s) : null;
    if (key === S.searchKey) return;
    S.searchKey = key;
    if (S.search) { S.search.forEach((l) => map.removeLayer(l)); S.search = null; }
    if (!s) return;
    const st = S.args.styles.search;
    const circle = L.circle([s.lat, s.lon], Object.assign({ pane: "lines", radius: s.radius }, st.circle))
      .bindTooltip(s.circle_label, { sticky: true });
    const centre = L.circleMarker([s.lat, s.lon], Object.assign({ pane: "points" }, st.centre))
      .bindTooltip(s.label);
    S.search = [circle, centre];
    S.search.forEach((l) => l.addTo(map));
  }

  function onMapClick(e) {
    const closing = S.closingPopup;
    S.closingPopup = false;
    if (!S.args || !S.args.click_spots || closing) return;
    const ll = e.latlng;
    report({ spot: { lon: Math.round(ll.lng * 1e6) / 1e6, lat: Math.round(ll.lat * 1e6) / 1e6, seq: token() } });
  }

  // A click's name, new for every click (also after the iframe was loaded again).
  function token() { S.clickSeq += 1; return Date.now().toString(36) + "-" + S.clickSeq; }

  // ---- small layers: program sites and open conflicts (hidden at start) ----
  function pointsLayer(fc, color) {
    return L.geoJSON(fc, {
      pane: "points",
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, weight: 2, color: color, fill: true, fillColor: "#ffffff", fillOpacity: 0.9 }),
      style: () => ({ color: color, weight: 2, fillOpacity: 0.2 }),
      onEachFeature: (f, l) => l.bindTooltip(f.properties.label),
    });
  }

  function drawOverlays() {
    const a = S.args, map = S.map;
    const shown = { sites: S.sites && map.hasLayer(S.sites), conflicts: S.conflicts && map.hasLayer(S.conflicts) };
    if (S.sites) map.removeLayer(S.sites);
    if (S.conflicts) map.removeLayer(S.conflicts);
    S.sites = a.sites ? pointsLayer(a.sites, a.styles.site_color) : null;
    S.conflicts = a.conflicts ? pointsLayer(a.conflicts, a.styles.conflict_color) : null;
    S.overlaysDrawn = true;
    if (shown.sites) S.sites.addTo(map);
    if (shown.conflicts) S.conflicts.addTo(map);
    buildControl();
  }

  function buildControl() {
    if (!S.baseLayers || !S.overlaysDrawn) return;
    if (S.control) S.map.removeControl(S.control);
    const t = S.args.texts, overlays = {};
    overlays[t.districts] = S.baseLayers.districts;
    overlays[t.dongs] = S.baseLayers.dongs;
    if (S.sites) overlays[t.sites + " (" + fmt(S.args.sites.features.length) + ")"] = S.sites;
    if (S.conflicts) overlays[t.conflicts + " (" + fmt(S.args.conflicts.features.length) + ")"] = S.conflicts;
    if (S.areas && t.areas) overlays[t.areas] = S.areas.layer;
    if (S.areaOutline && t.outline) overlays[t.outline] = S.areaOutline;
    S.control = L.control.layers(null, overlays, { collapsed: true }).addTo(S.map);
  }

  // ---- legend: the very colours the markers are drawn with ----
  function drawLegend() {
    if (S.legend) S.map.removeControl(S.legend);
    const a = S.args, data = S.data;
    const ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = () => {
      const box = el("div", "mm-legend");
      box.dataset.testid = "map-legend";
      if (a.texts.legend) box.append(el("b", null, a.texts.legend));
      a.legend.forEach((k) => {
        if (k.show === false) return;
        const row = el("div", "row");
        const chip = el("span", "mm-chip");
        chip.style.backgroundColor = k.color;
        chip.dataset.kind = k.code;
        row.append(chip, el("span", null, k.label + (k.n === null ? "" : " " + fmt(k.n))));
        box.append(row);
      });
      if (data && data.mode === "points" && data.rows.some((r) => r[3])) {
        const row = el("div", "row");
        row.append(el("span", "mm-chip dong"), el("span", null, a.texts.dong_short));
        box.append(row);
      }
      if (data && data.mode === "grid") {
        const row = el("div", "row");
        const chip = el("span", "mm-chip grid");
        chip.style.backgroundColor = a.styles.grid_color;
        row.append(chip, el("span", null, a.texts.grid));
        box.append(row);
      }
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    S.legend = ctl.addTo(S.map);
  }

  // ---- reporting back (reruns the script: only when something is needed) ----
  function boxOf(b) { return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }
  function inter(a, b) {
    return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  }
  function covers(outer, inner) {
    const eps = 1e-6;
    return inner[0] >= outer[0] - eps && inner[1] >= outer[1] - eps && inner[2] <= outer[2] + eps && inner[3] <= outer[3] + eps;
  }

  function needsData() {
    const d = S.data;
    if (!d || !d.bbox) return false;
    const view = inter(boxOf(S.map.getBounds()), S.args.extent);
    if (view[0] >= view[2] || view[1] >= view[3]) return false;  // nothing of the filter in view
    if (!covers(d.bbox, view)) return true;
    // Cells sized for a view much larger than this one: ask for finer cells.
    return d.mode === "grid" && (view[2] - view[0]) < (d.bbox[2] - d.bbox[0]) / 4;
  }

  function report(extra) {
    const map = S.map, size = map.getSize();
    const value = Object.assign({
      focus: S.focusId,
      view: boxOf(map.getBounds()).map((v) => Math.round(v * 1e5) / 1e5),
      zoom: map.getZoom(),
      size: [size.x, size.y],
      have: Array.from(S.cache.keys()),
      click: S.lastClick,
    }, extra || {});
    if (extra && extra.click) S.lastClick = extra.click;
    S.reports += 1;
    S.lastReport = value;
    setValue(value);
  }

  let moveTimer = null;
  function onMoved() {
    if (moveTimer) clearTimeout(moveTimer);
    moveTimer = setTimeout(() => { moveTimer = null; if (needsData()) report(); }, 200);
  }

  // ---- render: arguments of one script run ----
  function render(a) {
    S.times.render = S.times.render || Date.now();
    S.args = a;
    setHeight(a.height);
    ensureMap();
    const map = S.map;
    map.attributionControl.remove();
    map.attributionControl = L.control.attribution({ prefix: false }).addAttribution(a.attribution).addTo(map);
    if (a.online && !S.tiles) {
      S.tiles = L.tileLayer(a.tiles.url, { attribution: a.tiles.attribution, pane: "tilePane" }).addTo(map);
    } else if (!a.online && S.tiles) {
      map.removeLayer(S.tiles); S.tiles = null;
    }
    if (S.focusId !== a.focus.id) {
      S.focusId = a.focus.id;
      const b = a.focus.bounds;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    }
    let data = a.data;
    if (data) {
      S.cache.delete(a.data_id);
      S.cache.set(a.data_id, data);
      while (S.cache.size > KEEP) S.cache.delete(S.cache.keys().next().value);
    } else {
      data = S.cache.get(a.data_id);
    }
    const outlinesReady = loadOutlines(a.outlines);
    outlinesReady.then(() => {
      if (!S.outlines || S.args !== a) return;  // a later render takes over
      if (S.drawnOnline !== a.online || S.drawnLang !== a.lang) drawOutlines();
      else { drawHighlight(); drawAreas(false); }
    });
    drawOverlays();
    drawSearch();
    if (a.areas) {  // a choropleth: drawn with the outlines, nothing to ask the server for
      map.getPane("lines").style.pointerEvents = "none";  // the areas' tooltips beneath
      S.renders = (S.renders || 0) + 1;
      return;
    }
    if (!data) {  // the server thought we held it: say what we hold
      report();
      return;
    }
    if (S.dataId !== a.data_id) {
      S.dataId = a.data_id;
      drawResources(data);
    } else {
      drawLegend();
      drawSelected();
    }
    S.renders = (S.renders || 0) + 1;
    if (needsData()) onMoved();
  }

  window.addEventListener("message", (ev) => {
    const m = ev.data;
    if (m && m.type === "streamlit:render") render(m.args);
  });
  post("streamlit:componentReady", { apiVersion: 1 });
})();
