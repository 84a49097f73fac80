/** Injection result → report section (table + score and sculpting plots) and a terminal table. */
import { escapeHtml, note, table, type Section } from "../render/html.js";
import { renderPlot } from "../render/svg.js";
import { HEIGHT, WIDTH } from "../render/plots.js";
import * as Plot from "@observablehq/plot";
import type { StudyReport } from "../render/section.js";
import type { InjectResult } from "./inject.js";

const g = (v: number) => (Number.isFinite(v) ? +v.toPrecision(4) : "—");

function rowCells(r: InjectResult["rows"][number]): unknown[] {
  return [r.fraction, r.injected, r.dataEvents, g(r.scoreMeanShift), g(r.scoreKs), g(r.scoreKsP), g(r.scoreLr), r.selected, r.selectedSignal,
    g(r.sculptKs), g(r.sculptKsP), g(r.sculptLr), g(r.variableKs), g(r.variableKsP), g(r.variableLr)];
}
const HEADERS = ["fraction", "injected", "events", "Δ mean score", "KS score", "p(KS)", "LR score", "selected", "selected signal",
  "KS sculpt", "p(KS sculpt)", "LR sculpt", "KS var", "p(KS var)", "LR var"];

function scoreShiftPlot(r: InjectResult): string {
  const rows = [{ label: "reference", counts: r.reference.scoreCounts }, ...r.rows.map((x) => ({ label: `f=${x.fraction}`, counts: x.scoreCounts }))].flatMap((s) => {
    const sum = s.counts.reduce((a, b) => a + b, 0) || 1;
    return s.counts.map((c, i) => ({ series: s.label, x: (r.scoreEdges[i] + r.scoreEdges[i + 1]) / 2, y: c / sum })).filter((d) => d.y > 0);
  });
  return renderPlot("inject-scores", {
    title: `Score distribution per injected fraction of ${r.signal}`, width: 760, height: 360,
    x: { label: "anomaly score" }, y: { type: "log", label: "fraction of events", grid: true }, color: { legend: true },
    marks: [Plot.line(rows, { x: "x", y: "y", stroke: "series", curve: "step" }), Plot.ruleX([r.threshold], { stroke: "crimson", strokeDasharray: "4,3" })],
  });
}

export function injectSection(r: InjectResult): Section {
  const before = r.reference.variableCountsBeforeCut ? [{ label: "reference before cut", counts: r.reference.variableCountsBeforeCut }] : [];
  const sculpt = sculptingPlot(r.variable, r.variableEdges, [...before, { label: "reference", counts: r.reference.variableCounts }, ...r.rows.map((x) => ({ label: `f=${x.fraction}`, counts: x.variableCounts }))]);
  const refSculpt = r.reference.sculptKs === undefined ? "" : ` The cut alone sculpts the reference's ${r.variable} with KS ${g(r.reference.sculptKs)} (p ${g(r.reference.sculptKsP)}), LR ${g(r.reference.sculptLr)}.`;
  return {
    id: "inject",
    title: "Signal injection",
    html:
      note(`Signal ${r.signal}, model ${r.model.kind} ${r.model.id} (${r.precision}); score cut ≥ ${g(r.threshold)} passes ${r.cutFpr} of the reference (${r.reference.selected}/${r.reference.events}); variable ${r.variable}.${refSculpt}`) +
      `<p>${escapeHtml(r.method)}</p>` + table(HEADERS, r.rows.map(rowCells), 'data-table="inject"') +
      `<figure>${scoreShiftPlot(r)}</figure><figure>${sculpt}</figure>`,
  };
}

export const injectReport: StudyReport<InjectResult> = { file: "inject.json", format: "scoutloop-inject/1", id: "inject", title: "Signal injection", render: injectSection };

export function formatInject(r: InjectResult): string {
  const w = HEADERS.map((h) => Math.max(h.length, 9));
  const line = (cells: unknown[]) => cells.map((c, i) => String(c).padStart(w[i])).join(" ");
  return [
    `injection of ${r.signal}: cut ≥ ${g(r.threshold)} (pass ${r.cutFpr} of reference: ${r.reference.selected}/${r.reference.events}), variable ${r.variable}`,
    `reference sculpting by the cut alone: KS ${g(r.reference.sculptKs)} (p ${g(r.reference.sculptKsP)}), LR ${g(r.reference.sculptLr)}`,
    line(HEADERS), ...r.rows.map((x) => line(rowCells(x))),
  ].join("\n");
}

/** Sculpting: the chosen variable after a score cut, one line per injected fraction (normalised shapes). */
export function sculptingPlot(variable: string, edges: ArrayLike<number>, perFraction: Array<{ label: string; counts: ArrayLike<number> }>): string {
  const rows: Array<{ series: string; x: number; y: number }> = [];
  for (const f of perFraction) {
    let sum = 0;
    for (let i = 0; i < f.counts.length; i++) sum += f.counts[i];
    for (let i = 0; i < f.counts.length; i++) {
      if (f.counts[i] > 0) rows.push({ series: f.label, x: (edges[i] + edges[i + 1]) / 2, y: f.counts[i] / (sum || 1) });
    }
  }
  return renderPlot("inject-sculpting", {
    title: `${variable} after the score cut, per injected fraction (and the reference before it)`, width: WIDTH, height: HEIGHT,
    x: { label: variable },
    y: { type: "log", label: "fraction of selected events", grid: true },
    color: { legend: true },
    marks: [Plot.line(rows, { x: "x", y: "y", stroke: "series", curve: "step" }), Plot.dot(rows, { x: "x", y: "y", fill: "series", r: 2 })],
  });
}
