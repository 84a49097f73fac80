/** k-fold result → report section and a terminal table (models side by side per signal). */
import { note, table, type Section } from "../render/html.js";
import * as Plot from "@observablehq/plot";
import { HEIGHT, WIDTH } from "../render/plots.js";
import { renderPlot } from "../render/svg.js";
import type { StudyReport } from "../render/section.js";
import type { KFoldResult } from "./kfold.js";

function sideBySide(r: KFoldResult): { headers: string[]; rows: string[][] } {
  const models = [...new Set(r.rows.map((x) => x.model))];
  const signals = [...new Set(r.rows.map((x) => x.signal))];
  const cell = (m: string, s: string) => {
    const x = r.rows.find((y) => y.model === m && y.signal === s);
    return x ? `${x.mean.toFixed(4)} ± ${x.std.toFixed(4)}` : "—";
  };
  return { headers: ["signal", ...models], rows: signals.map((s) => [s, ...models.map((m) => cell(m, s))]) };
}

export function kfoldSection(r: KFoldResult): Section {
  const t = sideBySide(r);
  return {
    id: "kfold",
    title: "k-fold comparison",
    html: note(`AUC mean ± std (sample std) over ${r.k} folds of ${r.backgroundEvents} background events, ${r.precision} scores.`) +
      table(t.headers, t.rows, 'data-table="kfold"') + `<figure>${kfoldPlot(r.rows)}</figure>`,
  };
}

export const kfoldReport: StudyReport<KFoldResult> = { file: "kfold.json", format: "scoutloop-kfold/1", id: "kfold", title: "k-fold comparison", render: kfoldSection };

export function formatKFold(r: KFoldResult): string {
  const t = sideBySide(r);
  const w = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((row) => row[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join("  ");
  return [`AUC over ${r.k} folds (${r.backgroundEvents} background events, ${r.precision})`, line(t.headers), ...t.rows.map(line)].join("\n");
}

/** k-fold AUC, mean ± std, models side by side per signal. */
export function kfoldPlot(rows: Array<{ model: string; signal: string; mean: number; std: number }>): string {
  return renderPlot("kfold", {
    title: "k-fold AUC (mean ± std over folds)", width: WIDTH, height: HEIGHT,
    x: { label: "AUC", domain: [Math.min(0.5, ...rows.map((r) => r.mean - r.std)), 1] },
    y: { label: null },
    fy: { label: null },
    color: { legend: true },
    marginLeft: 110,
    marks: [
      Plot.ruleY(rows, { x1: (d: { mean: number; std: number }) => d.mean - d.std, x2: (d: { mean: number; std: number }) => d.mean + d.std, y: "model", fy: "signal", stroke: "model" }),
      Plot.dot(rows, { x: "mean", y: "model", fy: "signal", fill: "model", r: 4 }),
    ],
  });
}
