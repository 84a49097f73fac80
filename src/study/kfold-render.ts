/** k-fold result → report section and a terminal table (models side by side per signal). */
import { note, table, type Section } from "../report/html.js";
import { kfoldPlot } from "../report/plots.js";
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

export function kfoldSection(value: unknown): Section {
  const r = value as KFoldResult;
  if (!r || r.format !== "scoutloop-kfold/1" || !Array.isArray(r.rows)) {
    return { id: "kfold", title: "k-fold comparison", html: `<p class="bad">kfold.json is not a scoutloop k-fold result.</p>` };
  }
  const t = sideBySide(r);
  return {
    id: "kfold",
    title: "k-fold comparison",
    html: note(`AUC mean ± std (sample std) over ${r.k} folds of ${r.backgroundEvents} background events, ${r.precision} scores.`) +
      table(t.headers, t.rows, 'data-table="kfold"') + `<figure>${kfoldPlot(r.rows)}</figure>`,
  };
}

export function formatKFold(r: KFoldResult): string {
  const t = sideBySide(r);
  const w = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((row) => row[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join("  ");
  return [`AUC over ${r.k} folds (${r.backgroundEvents} background events, ${r.precision})`, line(t.headers), ...t.rows.map(line)].join("\n");
}
