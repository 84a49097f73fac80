/** PAD/FBM result → report section (λ̂ vs injected λ table and plot, per-variable verdicts) and a terminal table. */
import * as Plot from "@observablehq/plot";
import { escapeHtml, table, type Section } from "../render/html.js";
import { HEIGHT, WIDTH } from "../render/plots.js";
import type { StudyReport } from "../render/section.js";
import { renderPlot } from "../render/svg.js";
import type { PadResult } from "./pad-study.js";

const g = (v: number, digits = 3) => (Number.isFinite(v) ? +v.toPrecision(digits) : "—");
const HEADERS = ["method", "injected λ", "signal events", "λ̂ ± σ", "2 ln LR", "AUC", "uninformative variables"];
const cells = (r: PadResult["rows"][number]) => [r.method, r.injected, r.signalEvents, `${g(r.lambda, 3)} ± ${g(r.lambdaError, 2)}`, g(r.likelihoodRatio, 4), g(r.auc, 3), r.method === "PAD" ? r.uninformative.join(", ") || "none" : "—"];

function lambdaPlot(r: PadResult): string {
  const pts = r.rows.map((x) => ({ method: x.method, inj: x.injected, lam: x.lambda, lo: x.lambda - x.lambdaError, hi: x.lambda + x.lambdaError }));
  const max = Math.max(0.01, ...r.rows.map((x) => Math.max(x.injected, x.lambda)));
  return renderPlot("pad-lambda", {
    title: `Fitted signal fraction λ̂ (± σ) against injected λ of ${r.signal}`, width: WIDTH, height: HEIGHT,
    x: { label: "injected λ" }, y: { label: "fitted λ̂", grid: true }, color: { legend: true },
    marks: [
      Plot.line([{ inj: 0, lam: 0 }, { inj: max, lam: max }], { x: "inj", y: "lam", stroke: "#999", strokeDasharray: "4,3" }),
      Plot.ruleX(pts.filter((p) => p.method === "FBM"), { x: "inj", y1: "lo", y2: "hi", stroke: "method", dx: -3 }),
      Plot.ruleX(pts.filter((p) => p.method === "PAD"), { x: "inj", y1: "lo", y2: "hi", stroke: "method", dx: 3 }),
      Plot.dot(pts, { x: "inj", y: "lam", fill: "method", r: 4 }),
    ],
  });
}

export function padSection(r: PadResult): Section {
  const c = r.config;
  return {
    id: "pad",
    title: "PAD / FBM",
    html: `<p>${escapeHtml(r.method)}</p>` +
      `<p class="note">Background mixture: ${c.kBackground} diagonal components on ${r.backgroundEvents} background events; signal mixture ${c.kSignal} components; PAD γ₁ = ${c.gamma1}, γ₂ = ${c.gamma2}; data ${r.dataEvents} events per injected λ; variables ${escapeHtml(r.variables.join(", "))}.</p>` +
      table(HEADERS, r.rows.map(cells), 'data-table="pad"') +
      `<figure>${lambdaPlot(r)}</figure>` +
      (r.variableDetail.length ? `<h3>PAD variables at the largest λ</h3>` + table(["variable", "√Σ α μ²", "max |ln v|", "verdict"], r.variableDetail.map((v) => [v.variable, g(v.groupNorm, 3), g(v.maxLogVarRatio, 3), v.informative ? "informative" : "uninformative"]), 'data-table="pad-variables"') : ""),
  };
}

export const padReport: StudyReport<PadResult> = { file: "pad.json", format: "scoutloop-pad/1", id: "pad", title: "PAD / FBM", render: padSection };

export function formatPad(r: PadResult): string {
  const rows = r.rows.map((x) => cells(x).map(String));
  const w = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join("  ");
  return [`PAD/FBM on ${r.signal}: background ${r.backgroundEvents} events (${r.config.kBackground} components), data ${r.dataEvents}`, line(HEADERS), ...rows.map(line)].join("\n");
}
