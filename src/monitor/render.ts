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
    c.variables.map((v) => `<figure>${monitorPlot(`${c.name}: ${v.variable} (observed bars, scaled reference dashed, flagged red)`, v.variable, v.unit, v.edges, v.observed, v.expected, v.flagged)}</figure>`),
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
export function monitorPlot(title: string, variable: string, unit: string, edges: ArrayLike<number>, observed: ArrayLike<number>, expected: ArrayLike<number>, flagged: ArrayLike<number>): string {
  const bars: Array<{ x1: number; x2: number; y: number; flag: boolean }> = [];
  const ref: Array<{ x: number; y: number }> = [];
  for (let i = 0; i < observed.length; i++) {
    bars.push({ x1: edges[i], x2: edges[i + 1], y: Math.max(observed[i], 0.5), flag: flagged[i] !== 0 });
    ref.push({ x: (edges[i] + edges[i + 1]) / 2, y: Math.max(expected[i], 0.5) });
  }
  return renderPlot("monitor", {
    title, width: WIDTH, height: HEIGHT,
    x: { label: `${variable} (${unit})` },
    y: { type: "log", label: "events", grid: true },
    marks: [
      Plot.rectY(bars, { x1: "x1", x2: "x2", y1: 0.5, y2: "y", fill: (d: { flag: boolean }) => (d.flag ? "crimson" : "steelblue"), fillOpacity: 0.7 }),
      Plot.line(ref, { x: "x", y: "y", stroke: "black", curve: "step", strokeDasharray: "4,2" }),
    ],
  }, { "data-variable": variable });
}
