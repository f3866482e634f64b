/* The map of the wells (webapp/map, docs/architecture.md "The map of the wells").
 *
 * Leaflet (static/vendor/leaflet-1.9.4) draws the cases the page's search finds: each case as a point of its
 * stage's colour and shape, or, when the visible box holds more than the server's cap, a circle per grid cell
 * with the count (its ring shows the stages' shares) that zooms in when clicked. The points are fetched again
 * after every move (the box and the zoom go with the search's own parameters). The base is a tile service when
 * the server names one (data-map's "tiles"), otherwise the towns drawn from the wells' own coordinates.
 *
 * No inline script and no style attribute anywhere (the CSP forbids both): the settings come from the
 * container's data-map attribute (JSON), text is always set as text, and styles are set through the DOM.
 */
(function () {
  'use strict';

  var box = document.getElementById('wells-map');
  if (!box || !window.L) { return; }
  var cfg = JSON.parse(box.getAttribute('data-map'));
  var symbols = cfg.symbols;
  var order = Object.keys(symbols);
  var statusLine = document.getElementById('wells-map-status');
  var legend = document.querySelector('[data-testid="map-legend"]');

  function say(text) { statusLine.textContent = text; }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function escaped(text) { return el('span', '', text).innerHTML; }

  // On a phone the legend starts folded, so the map keeps the screen; it opens with one tap.
  if (legend && window.matchMedia('(max-width: 767.98px)').matches) { legend.open = false; }

  // Quarter zoom steps for the first view, so the city fills a phone's width too; the buttons still zoom by one.
  var map = L.map(box, { zoomControl: false, maxZoom: cfg.maxZoom, minZoom: 6, zoomSnap: 0.25 });
  L.control.zoom({ zoomInTitle: '放大', zoomOutTitle: '缩小' }).addTo(map);
  L.control.scale({ imperial: false, maxWidth: 120 }).addTo(map);
  map.attributionControl.setPrefix(false);
  // Town outlines under the points, the towns' names above them (they take no clicks); cell circles (markers)
  // stay above all of them.
  map.createPane('towns').style.zIndex = 350;
  map.createPane('townNames').style.zIndex = 450;
  map.getPane('townNames').style.pointerEvents = 'none';
  var canvas = L.canvas({ padding: 0.2, tolerance: 6 });

  /* ---- the base ---- */

  if (cfg.tiles) {
    // Tiles send only the page's origin as the referrer (天地图 checks a browser key's domain against it); the
    // pages themselves keep "same-origin", so no case address ever leaves with a tile request.
    var tileOptions = {
      maxZoom: cfg.maxZoom, referrerPolicy: 'strict-origin-when-cross-origin',
      subdomains: cfg.tiles.subdomains.length ? cfg.tiles.subdomains : 'abc'
    };
    L.tileLayer(cfg.tiles.url, L.extend({ attribution: escaped(cfg.tiles.attribution) }, tileOptions)).addTo(map);
    if (cfg.tiles.labels) { L.tileLayer(cfg.tiles.labels, tileOptions).addTo(map); }
  } else {
    box.classList.add('wells-map-offline');
    map.attributionControl.addAttribution(escaped('虚线为各镇街自备井分布范围，非行政区划界线'));
    getJSON(cfg.outlines).then(drawTowns).catch(function () { /* the points still show without the towns */ });
  }

  function drawTowns(towns) {
    towns.forEach(function (town) {
      if (town.outline.length >= 3) {
        L.polygon(town.outline, {
          pane: 'towns', interactive: false, color: '#55606e', weight: 1, dashArray: '4 3',
          fillColor: '#ffffff', fillOpacity: 0.55
        }).addTo(map);
      }
      // The name sits just above the town's outline (on its wells' mean longitude), clear of the points.
      var top = Math.max.apply(null, town.outline.map(function (corner) { return corner[0]; }));
      var name = el('span', 'map-town-name', town.name);
      L.marker([top, town.label[1]], {
        pane: 'townNames', interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'map-town-label', html: name, iconSize: null })
      }).addTo(map);
    });
  }

  /* ---- the points ---- */

  // Points are drawn on one canvas (thousands of SVG elements are slow on a phone), each stage in its own shape.
  // CircleMarker keeps Leaflet's hit test (the radius); only the path differs. _updatePath, _renderer._ctx,
  // _drawing, _point, _radius and _fillStroke are Leaflet 1.9.4's own (vendored, pinned): check them on an upgrade.
  var StageMarker = L.CircleMarker.extend({
    _updatePath: function () {
      var corners = this.options.corners, renderer = this._renderer;
      if (!corners || !renderer._ctx) { L.CircleMarker.prototype._updatePath.call(this); return; }
      if (!renderer._drawing || this._empty()) { return; }
      var ctx = renderer._ctx, p = this._point, r = this._radius;
      ctx.beginPath();
      for (var i = 0; i < corners.length; i++) {
        ctx[i ? 'lineTo' : 'moveTo'](p.x + corners[i][0] * r, p.y + corners[i][1] * r);
      }
      ctx.closePath();
      renderer._fillStroke(ctx, this);
    }
  });

  var shown = L.layerGroup().addTo(map);
  var fetched = null;   // the padded box and zoom of the last answer: a move inside it needs no new one
  var inFlight = null;

  function symbolOf(stage) { return symbols[stage] || symbols.none; }

  function addPoint(p) {
    var symbol = symbolOf(p[3]);
    var marker = new StageMarker([p[1], p[2]], {
      renderer: canvas, radius: 6, corners: symbol.corners, color: '#1f1f1f', weight: 1, opacity: 0.9,
      fillColor: symbol.colour, fillOpacity: 0.95
    });
    marker.bindTooltip(p[4] + ' · ' + symbol.label, { direction: 'top', offset: [0, -6] });
    marker.on('click', function () { openCase(p, marker.getLatLng()); });
    shown.addLayer(marker);
  }

  function mix(stages) {
    return order.filter(function (code) { return stages[code]; }).map(function (code) {
      return symbols[code].label + ' ' + stages[code];
    }).join('，');
  }

  function addCell(cell) {
    var size = cell.count < 10 ? 30 : cell.count < 100 ? 36 : cell.count < 1000 ? 44 : 52;
    var ring = el('div', 'map-cell');
    // The ring: each stage's share of the cell, in the legend's order.
    var start = 0, stops = [];
    order.forEach(function (code) {
      var n = cell.stages[code];
      if (!n) { return; }
      var end = start + n / cell.count * 100;
      stops.push(symbols[code].colour + ' ' + start.toFixed(2) + '% ' + end.toFixed(2) + '%');
      start = end;
    });
    ring.style.backgroundImage = 'conic-gradient(' + stops.join(', ') + ')';
    ring.appendChild(el('span', '', cell.count >= 10000 ? Math.floor(cell.count / 1000) + 'k' : String(cell.count)));
    var words = '此处 ' + cell.count + ' 个案件（' + mix(cell.stages) + '），点击放大';
    var marker = L.marker([cell.lat, cell.lon], {
      icon: L.divIcon({ className: 'map-cell-icon', html: ring, iconSize: [size, size] }),
      title: words, keyboard: true, riseOnHover: true
    });
    var zoomIn = function () {
      var b = cell.bounds;
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { maxZoom: cfg.maxZoom });
    };
    marker.on('click', zoomIn);
    marker.on('keypress', function (e) {
      var key = e.originalEvent.key;
      if (key === 'Enter' || key === ' ') { e.originalEvent.preventDefault(); zoomIn(); }
    });
    shown.addLayer(marker);
    marker.getElement().setAttribute('aria-label', words);
    marker.getElement().setAttribute('data-testid', 'map-cell');
  }

  function showCounts(stages) {
    if (!legend) { return; }
    legend.querySelectorAll('[data-stage]').forEach(function (item) {
      var n = stages[item.getAttribute('data-stage')] || 0;
      item.querySelector('.map-count').textContent = String(n);
      if (item.getAttribute('data-stage') === 'none') { item.hidden = !n; }
    });
  }

  function draw(data) {
    shown.clearLayers();
    showCounts(data.stages);
    if (data.mode === 'points') { data.points.forEach(addPoint); } else { data.cells.forEach(addCell); }
    box.setAttribute('data-mode', data.mode);
    box.setAttribute('data-shown', String(data.mode === 'points' ? data.points.length : data.cells.length));
    if (!data.total) {
      say('地图范围内没有符合条件的案件。');
    } else if (data.mode === 'cells') {
      say('地图范围内共 ' + data.total + ' 个案件，数量较多，按区域汇总显示（圆圈内为案件数）；点击圆圈放大查看。');
    } else if (data.truncated) {
      say('地图范围内共 ' + data.total + ' 个案件，只显示了其中 ' + data.points.length + ' 个；请放大地图或缩小查询范围。');
    } else {
      say('地图范围内共 ' + data.total + ' 个案件，每个点是一个案件；点击点查看案件。');
    }
  }

  function getJSON(url, signal) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, signal: signal })
      .then(function (response) {
        var type = response.headers.get('Content-Type') || '';
        if (response.redirected || type.indexOf('application/json') !== 0) {
          // The session ended (the log-in page came back) or the server answered with a page.
          throw new Error(response.status === 403 ? '您无权查看这项内容。' : '登录已过期或页面已失效，请刷新页面。');
        }
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.message || '地图数据加载失败，请稍后重试。'); }
          return data;
        });
      });
  }

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  function refresh() {
    var zoom = map.getZoom(), view = map.getBounds();
    if (fetched && fetched.zoom === zoom && fetched.box.contains(view)) { return; }
    var padded = view.pad(0.25);
    var bbox = [clamp(padded.getWest(), -180, 180), clamp(padded.getSouth(), -90, 90),
      clamp(padded.getEast(), -180, 180), clamp(padded.getNorth(), -90, 90)].map(function (v) { return v.toFixed(6); });
    // The server's grid is per whole zoom level: a quarter step in between gets the coarser level's cells.
    var url = cfg.points + (cfg.points.indexOf('?') >= 0 ? '&' : '?') + 'bbox=' + bbox.join(',') +
      '&zoom=' + Math.floor(zoom);
    if (inFlight) { inFlight.abort(); }
    var mine = inFlight = new AbortController();
    box.setAttribute('aria-busy', 'true');
    getJSON(url, mine.signal).then(function (data) {
      fetched = { zoom: zoom, box: padded };
      draw(data);
    }).catch(function (error) {
      if (error.name !== 'AbortError') { fetched = null; say(error.message || '地图数据加载失败，请稍后重试。'); }
    }).then(function () {
      if (inFlight === mine) { inFlight = null; box.removeAttribute('aria-busy'); }
    });
  }

  /* ---- a case's popup ---- */

  function line(parent, label, text) {
    var p = el('p', 'mb-1');
    p.appendChild(el('span', 'text-muted', label + '：'));
    p.appendChild(document.createTextNode(text));
    parent.appendChild(p);
    return p;
  }

  function openCase(p, where) {
    var url = cfg['case'].replace('{id}', p[0]);
    var content = el('div', 'map-popup');
    content.setAttribute('data-testid', 'map-popup');
    var title = el('p', 'mb-1 fw-semibold');
    var link = el('a', '', p[4]);
    link.href = url;
    link.setAttribute('data-testid', 'map-popup-case');
    title.appendChild(link);
    content.appendChild(title);
    var stage = line(content, '阶段', symbolOf(p[3]).label);
    var more = el('div', 'small text-muted', '正在读取案件信息…');
    content.appendChild(more);
    var popup = L.popup({ maxWidth: 280, autoPanPadding: [16, 16] }).setLatLng(where).setContent(content).openOn(map);
    getJSON(cfg.popup.replace('{id}', p[0])).then(function (c) {
      more.textContent = '';
      more.className = 'small';
      content.removeChild(stage);  // said again below, with 已暂停 for a paused case
      line(more, '井编号', c.well_no);
      line(more, '用水户', c.party);
      line(more, '位置', c.town + (c.village ? ' ' + c.village : ''));
      line(more, '阶段', c.stage_label);
      line(more, '当前环节', c.steps.length ? c.steps.join('；') : '无待办环节');
      var open = el('a', 'btn btn-sm btn-primary mt-1', '打开案件');
      open.href = url;
      more.appendChild(open);
      popup.update();  // taller now: laid out again and panned into view
    }).catch(function (error) { more.textContent = error.message; popup.update(); });
  }

  map.on('popupopen', function (e) {
    // Leaflet names its close button in English.
    var close = e.popup.getElement().querySelector('.leaflet-popup-close-button');
    if (close) { close.setAttribute('aria-label', '关闭'); close.title = '关闭'; }
  });

  /* ---- the first view ---- */

  var x = cfg.extent;
  map.on('moveend', refresh);
  // More room at the top: the towns' names stand above their outlines.
  map.fitBounds([[x[0], x[1]], [x[2], x[3]]], { paddingTopLeft: [24, 40], paddingBottomRight: [24, 24], maxZoom: 15 });
}());
