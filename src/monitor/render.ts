/** Monitoring result → report section: method, per-channel summary, flagged-bin table, plots. */
import { escapeHtml, note, table, type Section } from "../render/html.js";
import * as Plot from "@observablehq/plot";
import { HEIGHT, WIDTH } from "../render/plots.js";
import { renderPlot } from "../render/svg.js";
import type { StudyReport } from "../render/section.js";
import type { MonitorResult } from "./monitor.js";

export function monitorSection(m: MonitorResult): Section {
  const summary = table(
    ["channel", "selection", "observed", "reference", "expected", "flagged bins"],
    m.channels.map((c) => [c.name, c.spec, c.observedSelected, c.referenceSelected, +(c.referenceSelected * m.scale).toFixed(1), c.variables.reduce((s, v) => s + v.flagged.reduce((a, b) => a + b, 0), 0)]),
    'data-table="monitor-channels"',
  );
  const flagged: unknown[][] = [];
  for (const c of m.channels) {
    for (const v of c.variables) {
      v.flagged.forEach((f, i) => {
        if (f) flagged.push([c.name, v.variable, `[${v.edges[i]}, ${v.edges[i + 1]}) ${v.unit}`, v.observed[i], v.expected[i].toFixed(1), v.sigma[i].toFixed(1), v.z[i].toFixed(2)]);
      });
    }
  }
  const flaggedTable = flagged.length
    ? table(["channel", "variable", "bin", "observed", "expected", "σ_b", "Z"], flagged, 'data-table="monitor-flagged"')
    : `<p class="good" data-table="monitor-flagged">No bin deviates significantly.</p>`;
  const plots = m.channels.flatMap((c) =>
    c.variables.map((v) => `<figure>${monitorPlot(`${c.name}: ${v.variable} (observed with √n errors, scaled reference shaded; ratio below with the ±σ_b band; flagged bins red)`, v.variable, v.unit, v.edges, v.observed, v.expected, v.flagged, v.sigma)}</figure>`),
  );
  const gs = m.generalSearch;
  const g = (v: number, d = 3) => (Number.isFinite(v) ? +v.toPrecision(d) : "—");
  const gsHtml = gs
    ? `<h3>General search: most significant region per channel</h3><p class="note">${escapeHtml(gs.method)} ${gs.pseudoExperiments} pseudo-experiments per channel; regions with expectation below ${gs.minExpected} are not tested.</p>` +
      table(["channel", "variable", "region", "observed", "expected ± σ", "excess/deficit", "p local", "Z local", "p̃ (look-elsewhere)", "Z̃"],
        gs.channels.map((c) => [c.channel, c.variable, c.region ? `[${c.region.lo}, ${c.region.hi}) ${c.unit}` : "—", c.region?.observed ?? "—", c.region ? `${g(c.region.expected, 4)} ± ${g(c.region.sigma, 2)}` : "—",
          c.region ? (c.region.excess ? "excess" : "deficit") : "—", g(c.pLocal), g(c.zLocal), c.globalBound ? `< ${g(1 / c.pseudoExperiments)}` : g(c.pGlobal), c.globalBound ? `> ${g(c.zGlobal)}` : g(c.zGlobal)]),
        'data-table="monitor-general-search"')
    : "";
  return {
    id: "monitor",
    title: "Monitoring",
    html:
      note(`Observed: ${m.observed.describe} (${m.observed.events} events). Reference: ${m.reference.describe} (${m.reference.events} events), scale ${m.scale.toFixed(4)}.`) +
      `<p>${escapeHtml(m.method)}</p>` + summary + flaggedTable + gsHtml + plots.join("\n"),
  };
}

export const monitorReport: StudyReport<MonitorResult> = { file: "monitor.json", format: "scoutloop-monitor/1", id: "monitor", title: "Monitoring", render: monitorSection };

/** Plain-text table for the terminal. */
export function formatMonitor(m: MonitorResult): string {
  const lines = [`monitoring: ${m.observed.events} events vs reference ${m.reference.events} (scale ${m.scale.toFixed(4)}), ${m.flaggedBins} flagged bins`];
  for (const c of m.channels) {
    lines.push(`  ${c.name.padEnd(12)} ${String(c.observedSelected).padStart(9)} selected (expected ${(c.referenceSelected * m.scale).toFixed(1)})`);
    for (const v of c.variables) {
      v.flagged.forEach((f, i) => {
        if (f) lines.push(`    ${v.variable.padEnd(6)} [${v.edges[i]}, ${v.edges[i + 1]}) ${v.unit}: observed ${v.observed[i]}, expected ${v.expected[i].toFixed(1)} ± ${v.sigma[i].toFixed(1)}, Z ${v.z[i].toFixed(2)}`);
      });
    }
  }
  for (const c of m.generalSearch?.channels ?? []) {
    lines.push(`  general search ${c.channel.padEnd(12)} ${c.variable} ${c.region ? `[${c.region.lo}, ${c.region.hi}) ${c.unit}: ${c.region.observed} vs ${c.region.expected.toFixed(1)} ± ${c.region.sigma.toFixed(1)}` : "no testable region"}, p ${c.pLocal.toPrecision(3)} (Z ${c.zLocal.toFixed(2)}), look-elsewhere p̃ ${c.globalBound ? "< " : ""}${c.pGlobal.toPrecision(3)} over ${c.pseudoExperiments} pseudo-experiments`);
  }
  lines.push(`method: ${m.method}`);
  return lines.join("\n");
}

/** Monitoring histogram: reference (scaled) as a line, observed as bars, flagged bins in red. */
export function monitorPlot(title: string, variable: string, unit: string, edges: ArrayLike<number>, observed: ArrayLike<number>, expected: ArrayLike<number>, flagged: ArrayLike<number>, sigma?: ArrayLike<number>): string {
  const pts: Array<{ x: number; y: number; lo: number; hi: number; flag: boolean }> = [];
  const ref: Array<{ x1: number; x2: number; y: number }> = [];
  const ratio: Array<{ x: number; r: number; lo: number; hi: number; flag: boolean }> = [];
  const band: Array<{ x1: number; x2: number; lo: number; hi: number }> = [];
  for (let i = 0; i < observed.length; i++) {
    const n = observed[i], b = expected[i], x = (edges[i] + edges[i + 1]) / 2;
    // Poisson error bars on the observed counts (√n, one event for an empty bin), floored for the log axis.
    const e = Math.sqrt(Math.max(n, 1));
    if (n > 0) pts.push({ x, y: n, lo: Math.max(n - e, 0.5), hi: n + e, flag: flagged[i] !== 0 });
    ref.push({ x1: edges[i], x2: edges[i + 1], y: Math.max(b, 0.5) });
    if (b > 0) {
      ratio.push({ x, r: n / b, lo: (n - e) / b, hi: (n + e) / b, flag: flagged[i] !== 0 });
      if (sigma) band.push({ x1: edges[i], x2: edges[i + 1], lo: 1 - sigma[i] / b, hi: 1 + sigma[i] / b });
    }
  }
  const xAxis = { label: `${variable} (${unit})`, domain: [edges[0], edges[edges.length - 1]] };
  const main = renderPlot("monitor", {
    title, width: WIDTH, height: HEIGHT, marginLeft: 60,
    x: xAxis,
    y: { type: "log", label: "events per bin", grid: true },
    marks: [
      Plot.rectY(ref, { x1: "x1", x2: "x2", y1: 0.5, y2: "y", fill: "#9ab", fillOpacity: 0.35, stroke: "black", strokeDasharray: "4,2" }),
      Plot.ruleX(pts, { x: "x", y1: "lo", y2: "hi", stroke: (d: { flag: boolean }) => (d.flag ? "crimson" : "black") }),
      Plot.dot(pts, { x: "x", y: "y", fill: (d: { flag: boolean }) => (d.flag ? "crimson" : "black"), r: 2.5 }),
    ],
  }, { "data-variable": variable });
  // Observed / expected with the Poisson error bar and the reference's ±σ_b band; a bin with no expectation has no ratio.
  const ratioPanel = renderPlot("monitor-ratio", {
    width: WIDTH, height: 170, marginTop: 10, marginLeft: 60, // same x axis as the histogram above
    x: xAxis,
    y: { label: "observed / expected", grid: true, domain: [0, Math.min(5, Math.max(2, ...ratio.map((d) => d.hi).filter(Number.isFinite)))], clamp: true },
    marks: [
      Plot.rect(band, { x1: "x1", x2: "x2", y1: "lo", y2: "hi", fill: "#9ab", fillOpacity: 0.35 }),
      Plot.ruleY([1], { stroke: "black", strokeDasharray: "4,2" }),
      Plot.ruleX(ratio, { x: "x", y1: "lo", y2: "hi", stroke: (d: { flag: boolean }) => (d.flag ? "crimson" : "black") }),
      Plot.dot(ratio, { x: "x", y: "r", fill: (d: { flag: boolean }) => (d.flag ? "crimson" : "black"), r: 2 }),
    ],
  }, { "data-variable": variable });
  return main + ratioPanel;
}
