/**
 * The live dashboard page: one self-contained HTML document (inline CSS and JS, plots drawn as
 * plain SVG by the script, no other URL — it works on a machine without internet). It reads the
 * run from the Server-Sent Events stream at `/events` (live/server.ts) and, once the run is over,
 * shows the summary's own numbers. Every figure is an element with `data-k` (its key) and
 * `data-value` (the raw number), so tests and scripts read what a person sees.
 */

const CSS = `
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:.8rem 1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .3rem;border-bottom:1px solid #ddd}
#status{display:inline-block;padding:.1rem .6rem;border-radius:.8rem;background:#eee;font-size:.85rem;margin-left:.6rem;vertical-align:middle}
#status.running{background:#dbeafe}#status.ok{background:#d1fae5;color:#065f46}#status.bad{background:#fee2e2;color:#991b1b}
pre{font-size:.8rem;color:#444;white-space:pre-wrap;margin:.3rem 0}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.5rem}
.tile{border:1px solid #ddd;border-radius:.4rem;padding:.4rem .6rem}.tile .l{font-size:.75rem;color:#555}
.tile .v{font-size:1.35rem;font-variant-numeric:tabular-nums}.tile .u{font-size:.75rem;color:#555;margin-left:.2rem}
.tile.bad{border-color:#dc2626;background:#fef2f2}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:.6rem}
figure{margin:0;border:1px solid #eee;border-radius:.4rem;padding:.3rem}figcaption{font-size:.8rem;color:#333}
svg{width:100%;height:auto;display:block}svg text{font-size:10px;fill:#555}
table{border-collapse:collapse;font-size:.8rem;margin:.3rem 0}th,td{border:1px solid #ddd;padding:.15rem .45rem;text-align:right}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:.8rem}
`;

/**
 * The browser side. Plain ES2017 in a string: it runs as written, so it uses no template
 * literals (this file's own delimiter) and no modules.
 */
const SCRIPT = String.raw`
(function () {
  "use strict";
  var CAP = 2400;
  var points = [];
  var hello = null;
  var finished = false;
  var $ = function (id) { return document.getElementById(id); };

  function fmt(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    var a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 1e12 || a < 1e-3) return v.toExponential((digits || 4) - 1);
    if (a >= 1e4) {
      var k = a >= 1e9 ? 3 : a >= 1e6 ? 2 : 1;
      return String(Number((v / Math.pow(1000, k)).toPrecision(digits || 4))) + " " + ["", "k", "M", "G"][k];
    }
    return String(Number(v.toPrecision(digits || 4)));
  }
  function fmtNs(ns) {
    if (ns === null || ns === undefined || !isFinite(ns)) return "—";
    if (ns >= 1e9) return fmt(ns / 1e9, 3) + " s";
    if (ns >= 1e6) return fmt(ns / 1e6, 3) + " ms";
    if (ns >= 1e3) return fmt(ns / 1e3, 3) + " µs";
    return fmt(ns, 3) + " ns";
  }
  function set(key, value, text, bad) {
    var el = document.querySelector('[data-k="' + key + '"]');
    if (!el) return;
    el.setAttribute("data-value", value === null || value === undefined ? "" : String(value));
    el.querySelector(".v").textContent = text === undefined ? fmt(value) : text;
    el.classList.toggle("bad", Boolean(bad));
  }
  function status(text, cls) { var s = $("status"); s.textContent = text; s.className = cls; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }

  // ---- plain SVG line charts ----
  var W = 380, H = 170, L = 48, R = 8, T = 8, B = 22;
  function niceTicks(lo, hi, log) {
    var out = [];
    if (log) {
      for (var e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(Math.pow(10, e));
      return out.filter(function (v) { return v >= lo / 1.0001 && v <= hi * 1.0001; });
    }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / 4 || 1)));
    if ((hi - lo) / step > 8) step *= 2;
    if ((hi - lo) / step > 8) step *= 2.5;
    for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
    return out;
  }
  function chart(id, series, o) {
    var svg = $(id);
    var xs = points.map(function (p) { return p.t; });
    var lines = [];
    var lo = Infinity, hi = -Infinity;
    series.forEach(function (s) {
      var pts = [];
      points.forEach(function (p) { var y = s.get(p); if (y !== null && y !== undefined && isFinite(y) && (!o.log || y > 0)) { pts.push([p.t, y]); lo = Math.min(lo, y); hi = Math.max(hi, y); } });
      lines.push(pts);
    });
    (o.refs || []).forEach(function (r) { lo = Math.min(lo, r.y); hi = Math.max(hi, r.y); });
    var parts = [];
    if (!isFinite(lo) || xs.length === 0) {
      svg.innerHTML = '<text x="' + (W / 2) + '" y="' + (H / 2) + '" text-anchor="middle">no data yet</text>';
      return;
    }
    if (!o.log) lo = Math.min(lo, 0);
    if (hi <= lo) hi = o.log ? lo * 10 : lo + 1;
    if (o.log) { lo = lo / 1.5; hi = hi * 1.5; } else hi = hi * 1.08;
    var x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
    var X = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var Y = o.log ? function (y) { return T + (Math.log(hi) - Math.log(y)) / (Math.log(hi) - Math.log(lo)) * (H - T - B); }
                  : function (y) { return T + (hi - y) / (hi - lo) * (H - T - B); };
    niceTicks(lo, hi, o.log).forEach(function (v) {
      parts.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + Y(v) + '" y2="' + Y(v) + '" stroke="#eee"/>');
      parts.push('<text x="' + (L - 3) + '" y="' + (Y(v) + 3) + '" text-anchor="end">' + esc(o.tick ? o.tick(v) : fmt(v, 3)) + '</text>');
    });
    niceTicks(x0, x1, false).forEach(function (v) {
      parts.push('<text x="' + X(v) + '" y="' + (H - 6) + '" text-anchor="middle">' + esc(fmt(v, 3)) + 's</text>');
    });
    (o.refs || []).forEach(function (r) {
      parts.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + Y(r.y) + '" y2="' + Y(r.y) + '" stroke="#b91c1c" stroke-dasharray="4 3"/>');
      parts.push('<text x="' + (W - R - 2) + '" y="' + (Y(r.y) - 3) + '" text-anchor="end" style="fill:#b91c1c">' + esc(r.label) + '</text>');
    });
    lines.forEach(function (pts, i) {
      if (pts.length === 0) return;
      var d = pts.map(function (p, k) { return (k ? "L" : "M") + X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1); }).join("");
      parts.push('<path d="' + d + '" fill="none" stroke="' + series[i].color + '" stroke-width="1.5"' + (series[i].dash ? ' stroke-dasharray="3 2"' : '') + '><title>' + esc(series[i].name) + '</title></path>');
    });
    var lx = L + 4, ly = T + 10;
    series.forEach(function (s, i) {
      if (lines[i].length === 0) return;
      var w = 6 * s.name.length + 12;
      if (lx + w > W - R && lx > L + 4) { lx = L + 4; ly += 11; }
      parts.push('<text x="' + lx + '" y="' + ly + '" style="fill:' + s.color + '">' + esc(s.name) + '</text>');
      lx += w;
    });
    svg.setAttribute("data-points", String(xs.length));
    svg.innerHTML = parts.join("");
  }
  function lat(which, q) { return function (p) { var l = p.latency[which]; return l ? l[q] : null; }; }
  function drawCharts() {
    var orbitHz = hello ? hello.orbitHz : 11245.5;
    // Far below the clock (pull mode, a slow chain) a linear axis would flatten the run: log then.
    var top = points.reduce(function (m, p) { return Math.max(m, p.orbitsPerSecond); }, 0);
    chart("chart-throughput", [{ name: "orbits/s", color: "#1d4ed8", get: function (p) { return p.orbitsPerSecond; } }],
      { log: top > 0 && orbitHz / top > 20, refs: [{ y: orbitHz, label: (hello && Math.abs(orbitHz - hello.lhc.orbitHz) > 1e-6 ? "orbit clock " : "LHC ") + fmt(orbitHz, 6) + " Hz" }] });
    chart("chart-latency", [
      { name: "orbit p50", color: "#1d4ed8", get: lat("orbit", "p50") }, { name: "orbit p99", color: "#1d4ed8", dash: true, get: lat("orbit", "p99") },
      { name: "host RTT p50", color: "#047857", get: lat("hostRtt", "p50") }, { name: "RTT p99", color: "#047857", dash: true, get: lat("hostRtt", "p99") },
      { name: "firmware p50", color: "#a21caf", get: lat("firmwareNs", "p50") },
    ], { log: true, tick: fmtNs });
    // Orbits/s of each worker or board, from consecutive totals of its row.
    var names = [];
    points.forEach(function (p) { p.units.forEach(function (u) { if (typeof u.orbits === "number" && names.indexOf(u.name) < 0) names.push(u.name); }); });
    var palette = ["#1d4ed8", "#047857", "#b45309", "#a21caf", "#0e7490", "#b91c1c", "#4d7c0f", "#6d28d9"];
    var prev = {};
    points.forEach(function (p) {
      var r = {};
      p.units.forEach(function (u) {
        var q = prev[u.name];
        if (q && typeof u.orbits === "number" && p.t > q.t) r[u.name] = (u.orbits - q.orbits) / (p.t - q.t);
        prev[u.name] = { t: p.t, orbits: u.orbits };
      });
      p._unitRates = r;
    });
    chart("chart-units", names.slice(0, 8).map(function (n, i) { return { name: n, color: palette[i], get: function (p) { return p._unitRates[n]; } }; }), {});
    chart("chart-drops", [
      { name: "dropped orbits", color: "#b91c1c", get: function (p) { return p.droppedOrbits; } },
      { name: "failed events", color: "#c2410c", dash: true, get: function (p) { return p.scorers.reduce(function (n, s) { return n + s.failed; }, 0); } },
      { name: "mismatches", color: "#6d28d9", get: function (p) { return p.mismatches; } },
    ], {});
  }

  function table(id, headers, rows) {
    var el = $(id);
    if (rows.length === 0) { el.innerHTML = '<p class="note">none</p>'; return; }
    el.innerHTML = "<table><thead><tr>" + headers.map(function (h) { return "<th>" + esc(h) + "</th>"; }).join("") + "</tr></thead><tbody>" +
      rows.map(function (r) { return "<tr>" + r.map(function (c) { return "<td>" + esc(typeof c === "number" ? fmt(c) : c) + "</td>"; }).join("") + "</tr>"; }).join("") + "</tbody></table>";
  }
  function failedTable(scorers) {
    var reasons = [];
    scorers.forEach(function (s) { Object.keys(s.failedByReason).forEach(function (r) { if (reasons.indexOf(r) < 0) reasons.push(r); }); });
    table("failed", ["scorer", "events", "scored", "failed"].concat(reasons), scorers.map(function (s) {
      return [s.name, s.events, s.scored, s.failed].concat(reasons.map(function (r) { return s.failedByReason[r] || 0; }));
    }));
  }
  function unitsTable(units) {
    var keys = [];
    units.forEach(function (u) { Object.keys(u).forEach(function (k) { if (k !== "kind" && k !== "name" && keys.indexOf(k) < 0) keys.push(k); }); });
    table("units", ["name", "kind"].concat(keys), units.map(function (u) { return [u.name, u.kind].concat(keys.map(function (k) { return u[k] === undefined ? "" : u[k]; })); }));
  }

  function showSample(p) {
    var orbitHz = hello ? hello.orbitHz : 11245.5;
    var total = hello && hello.totalOrbits;
    set("orbits", p.orbits, fmt(p.orbits) + (total ? " / " + total : ""));
    set("events", p.events);
    set("orbitsPerSecond", p.orbitsPerSecond);
    set("realTimeFraction", p.realTimeFraction, fmt(p.realTimeFraction, 3) + "×", hello && hello.mode === "link-rate" && p.realTimeFraction < 0.99);
    set("bxPerSecond", p.bxPerSecond, fmt(p.bxPerSecond / 1e6, 4));
    set("eventsPerSecond", p.eventsPerSecond);
    set("droppedOrbits", p.droppedOrbits, undefined, p.droppedOrbits > 0);
    set("mismatches", p.mismatches, p.mismatches === null ? "—" : fmt(p.mismatches) + " / " + fmt(p.paired), p.mismatches > 0);
    var failed = p.scorers.reduce(function (n, s) { return n + s.failed; }, 0);
    set("failedEvents", failed, undefined, failed > 0);
    set("seconds", p.t, fmt(p.t, 3));
    var o = p.latency.orbit, h = p.latency.hostRtt, f = p.latency.firmwareNs;
    set("orbitLatencyP99", o ? o.p99 : null, o ? fmtNs(o.p99) : "—");
    set("hostRttP99", h ? h.p99 : null, h ? fmtNs(h.p99) : "—");
    set("firmwareP99", f ? f.p99 : null, f ? fmtNs(f.p99) : "—");
    failedTable(p.scorers);
    unitsTable(p.units);
    var lf = Object.keys(p.linkFaults).map(function (k) { return [k, p.linkFaults[k]]; });
    table("linkfaults", ["fault", "count"], lf);
    void orbitHz;
  }

  // ---- the end: the summary's own numbers replace the live ones ----
  function showSummary(s) {
    finished = true;
    var acc = s.accounting, tp = s.throughput, c = s.comparison;
    var failed = 0, scorers = [];
    Object.keys(acc.scorers).forEach(function (name) { var t = acc.scorers[name]; failed += t.failed; scorers.push({ name: name, events: t.events, scored: t.scored, failed: t.failed, failedByReason: t.failedByReason }); });
    set("orbits", acc.orbits.in);
    set("events", acc.events.in);
    set("orbitsPerSecond", tp.orbitsPerSecond);
    set("realTimeFraction", tp.realTimeFraction, fmt(tp.realTimeFraction, 3) + "×");
    set("bxPerSecond", tp.orbitsPerSecond * 3564, fmt(tp.orbitsPerSecond * 3564 / 1e6, 4));
    set("eventsPerSecond", tp.eventsPerSecond);
    set("droppedOrbits", acc.orbits.dropped, undefined, acc.orbits.dropped > 0);
    set("mismatches", c ? c.mismatches : null, c ? fmt(c.mismatches) + " / " + fmt(c.paired) : "—", c && c.mismatches > 0);
    set("failedEvents", failed, undefined, failed > 0);
    set("seconds", tp.seconds, fmt(tp.seconds, 4));
    var L = s.latency;
    set("orbitLatencyP99", L.orbit ? L.orbit.p99 : null, L.orbit ? fmtNs(L.orbit.p99) : "—");
    set("hostRttP99", L.hostRtt ? L.hostRtt.p99 : null, L.hostRtt ? fmtNs(L.hostRtt.p99) : "—");
    set("firmwareP99", L.firmwareNs ? L.firmwareNs.p99 : null, L.firmwareNs ? fmtNs(L.firmwareNs.p99) : "—");
    failedTable(scorers);
    var lf = Object.keys(s.linkFaults).map(function (k) { return [k, s.linkFaults[k]]; });
    table("linkfaults", ["fault", "count"], lf);
    var rows = [];
    ["orbit", "hostRtt", "firmwareNs"].forEach(function (k) { var l = L[k]; if (l) rows.push([k, l.count, fmtNs(l.p50), fmtNs(l.p90), fmtNs(l.p99), fmtNs(l.p99_9), fmtNs(l.max)]); });
    table("final-latency", ["latency (whole run)", "n", "p50", "p90", "p99", "p99.9", "max"], rows);
    var bad = s.problems.length > 0;
    $("verdict").innerHTML = bad ? "<b>FAILED</b>: " + s.problems.map(esc).join("; ") : "<b>OK</b>" + (s.declared && s.declared.length ? " (declared: " + s.declared.map(esc).join("; ") + ")" : "");
    $("verdict").setAttribute("data-problems", String(s.problems.length));
    $("final").hidden = false;
    $("summary-json").textContent = JSON.stringify(s, null, 2);
    status(bad ? "finished: FAILED" : "finished: OK", bad ? "bad" : "ok");
    document.body.setAttribute("data-state", "finished");
  }

  function push(p) {
    points.push(p);
    if (points.length > CAP) points.splice(0, points.length - CAP);
  }

  var es = new EventSource("/events");
  es.addEventListener("hello", function (e) {
    hello = JSON.parse(e.data);
    $("describe").textContent = hello.describe;
    if (!finished) status("running (" + hello.mode + ")", "running");
    document.body.setAttribute("data-state", finished ? "finished" : "running");
  });
  es.addEventListener("history", function (e) {
    points = [];
    JSON.parse(e.data).forEach(push);
    if (points.length && !finished) showSample(points[points.length - 1]);
    drawCharts();
  });
  es.addEventListener("sample", function (e) {
    var p = JSON.parse(e.data);
    push(p);
    document.body.setAttribute("data-samples", String(points.length));
    if (!finished) showSample(p);
    unitsTable(p.units);
    drawCharts();
  });
  es.addEventListener("summary", function (e) { showSummary(JSON.parse(e.data)); es.close(); });
  es.addEventListener("failed", function (e) { status("run stopped: " + JSON.parse(e.data).message, "bad"); document.body.setAttribute("data-state", "failed"); es.close(); });
  es.onerror = function () { if (!finished) status("connection lost — retrying", "bad"); };
})();
`;

const TILES: Array<[key: string, label: string, unit: string]> = [
  ["orbits", "orbits", ""],
  ["events", "events (filled BX)", ""],
  ["orbitsPerSecond", "throughput", "orbits/s"],
  ["realTimeFraction", "of the LHC orbit rate", ""],
  ["bxPerSecond", "BX rate (40.08 MHz = LHC)", "MHz"],
  ["eventsPerSecond", "events/s", ""],
  ["droppedOrbits", "dropped orbits", ""],
  ["mismatches", "mismatches / compared", ""],
  ["failedEvents", "failed events", ""],
  ["orbitLatencyP99", "orbit latency p99", ""],
  ["hostRttP99", "host RTT p99", ""],
  ["firmwareP99", "firmware latency p99", ""],
  ["seconds", "elapsed", "s"],
];

export function dashboardPage(): string {
  const tiles = TILES.map(([k, label, unit]) => `<div class="tile" data-k="${k}" data-value=""><div class="l">${label}</div><span class="v">—</span><span class="u">${unit}</span></div>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>scoutloop run — live</title><style>${CSS}</style></head>
<body data-state="connecting" data-samples="0">
<h1>scoutloop run <span id="status">connecting…</span></h1>
<pre id="describe"></pre>
<div class="tiles">
${tiles}
</div>
<p class="note">Live tiles show the last interval (rates, latency percentiles); after the run they show the summary of the whole run.</p>
<div class="charts">
<figure><figcaption>throughput (orbits/s) against the LHC orbit rate</figcaption><svg id="chart-throughput" viewBox="0 0 380 170"></svg></figure>
<figure><figcaption>latency per interval: orbit (from the scheduled send in link-rate mode), host round trip, firmware</figcaption><svg id="chart-latency" viewBox="0 0 380 170"></svg></figure>
<figure><figcaption>orbits/s per worker or board (the first 8)</figcaption><svg id="chart-units" viewBox="0 0 380 170"></svg></figure>
<figure><figcaption>dropped orbits, failed events, mismatches (running totals)</figcaption><svg id="chart-drops" viewBox="0 0 380 170"></svg></figure>
</div>
<h2>failed events by reason</h2><div id="failed"><p class="note">—</p></div>
<h2>workers and boards</h2><div id="units"><p class="note">—</p></div>
<h2>link faults</h2><div id="linkfaults"><p class="note">—</p></div>
<section id="final" hidden>
<h2>summary</h2><p id="verdict"></p><div id="final-latency"></div>
<details><summary>summary JSON</summary><pre id="summary-json"></pre></details>
</section>
<script>${SCRIPT}</script>
</body></html>
`;
}
