/** Monitoring result → report section: method, per-channel summary, flagged-bin table, plots. */
import { escapeHtml, note, table, type Section } from "../report/html.js";
import { monitorPlot } from "../report/plots.js";
import type { MonitorResult } from "./monitor.js";

export function monitorSection(value: unknown): Section {
  const m = value as MonitorResult;
  if (!m || m.format !== "scoutloop-monitor/1" || !Array.isArray(m.channels)) {
    return { id: "monitor", title: "Monitoring", html: `<p class="bad">monitor.json is not a scoutloop monitoring result.</p>` };
  }
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
  return {
    id: "monitor",
    title: "Monitoring",
    html:
      note(`Observed: ${m.observed.describe} (${m.observed.events} events). Reference: ${m.reference.describe} (${m.reference.events} events), scale ${m.scale.toFixed(4)}.`) +
      `<p>${escapeHtml(m.method)}</p>` + summary + flaggedTable + plots.join("\n"),
  };
}

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
  lines.push(`method: ${m.method}`);
  return lines.join("\n");
}
