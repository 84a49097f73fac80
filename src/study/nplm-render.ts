/** NPLM result → report section (tables, null distribution with the fitted χ², Z vs injected fraction) and a terminal table. */
import * as Plot from "@observablehq/plot";
import { escapeHtml, note, table, type Section } from "../render/html.js";
import { HEIGHT, WIDTH } from "../render/plots.js";
import type { StudyReport } from "../render/section.js";
import { renderPlot } from "../render/svg.js";
import { chi2Cdf } from "../stats/pvalues.js";
import type { NplmResult } from "./nplm.js";

const g = (v: number, digits = 4) => (Number.isFinite(v) ? +v.toPrecision(digits) : "—");
const zText = (s: { z: number; bound: boolean }) => (s.bound ? `> ${g(s.z, 3)}` : `${g(s.z, 3)}`);

/** Null toys as a histogram with the fitted χ²_dof expectation per bin and the observed t. */
function nullPlot(r: NplmResult): string {
  const toys = r.null.t;
  const tObs = r.injection ? r.injection.rows.map((x) => x.tMedian) : [r.t];
  const hi = Math.max(...toys, ...tObs.filter(Number.isFinite)) * 1.05 || 1;
  const bins = 30;
  const w = hi / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const t of toys) counts[Math.min(bins - 1, Math.max(0, Math.floor(t / w)))]++;
  const bars = counts.map((c, i) => ({ x1: i * w, x2: (i + 1) * w, y: c, lo: Math.max(0, c - Math.sqrt(c)), hi: c + Math.sqrt(c), x: (i + 0.5) * w }));
  const curve = counts.map((_, i) => ({ x: (i + 0.5) * w, y: toys.length * (chi2Cdf((i + 1) * w, r.null.fit.dof) - chi2Cdf(i * w, r.null.fit.dof)) }));
  return renderPlot("nplm-null", {
    title: `NPLM null: ${toys.length} reference-only toys, fitted χ² with ${r.null.fit.dof} dof`, width: WIDTH, height: HEIGHT,
    x: { label: "test statistic t", domain: [0, hi] }, y: { label: "toys per bin", grid: true },
    marks: [
      Plot.rectY(bars, { x1: "x1", x2: "x2", y1: 0, y2: "y", fill: "steelblue", fillOpacity: 0.5 }),
      Plot.ruleX(bars, { x: "x", y1: "lo", y2: "hi", stroke: "steelblue" }),
      Plot.line(curve, { x: "x", y: "y", stroke: "black", strokeDasharray: "4,2" }),
      Plot.ruleX(tObs.filter(Number.isFinite), { stroke: "crimson" }),
      Plot.text(tObs.filter(Number.isFinite).slice(-1), { x: (d: number) => d, y: Math.max(...counts) * 0.95, text: () => (r.injection ? "median t per fraction" : "observed t"), dx: 4, textAnchor: "start", fill: "crimson" }),
    ],
  });
}

function injectionPlot(r: NplmResult): string {
  const rows = r.injection!.rows.flatMap((x) => [
    { fraction: x.fraction, z: x.chi2.z, series: "Z from χ²_dof" },
    { fraction: x.fraction, z: x.empirical.z, series: x.empirical.bound ? "Z from toys (bound)" : "Z from toys" },
  ]).filter((d) => Number.isFinite(d.z));
  return renderPlot("nplm-injection", {
    title: `NPLM: Z of the median t against the injected fraction of ${r.injection!.signal}`, width: WIDTH, height: HEIGHT,
    x: { label: "injected signal fraction of the data" }, y: { label: "Z (σ)", grid: true }, color: { legend: true },
    marks: [Plot.line(rows, { x: "fraction", y: "z", stroke: "series" }), Plot.dot(rows, { x: "fraction", y: "z", fill: "series", r: 3 }), Plot.ruleY([3, 5], { stroke: "#999", strokeDasharray: "3,3" })],
  });
}

function reconstructionPlot(r: NplmResult): string {
  const c = r.reconstruction!;
  const rows = c.data.flatMap((d, i) => [
    { x1: c.edges[i], x2: c.edges[i + 1], y: c.reference[i], series: "reference × w_R" },
    { x1: c.edges[i], x2: c.edges[i + 1], y: c.reweighted[i], series: "reference × w_R e^f (NPLM fit)" },
  ]);
  const pts = c.data.map((d, i) => ({ x: (c.edges[i] + c.edges[i + 1]) / 2, y: d, lo: d - Math.sqrt(d), hi: d + Math.sqrt(d) }));
  return renderPlot("nplm-reconstruction", {
    title: `Where the data differ: ${c.column}`, width: WIDTH, height: HEIGHT,
    x: { label: c.column }, y: { label: "events per bin", grid: true }, color: { legend: true },
    marks: [
      Plot.rectY(rows, { x1: "x1", x2: "x2", y1: 0, y2: "y", stroke: "series", fill: "none" }), // y1/y2: overlaid, not stacked
      Plot.ruleX(pts, { x: "x", y1: "lo", y2: "hi", stroke: "black" }),
      Plot.dot(pts, { x: "x", y: "y", fill: "black", r: 2, title: () => "data" }),
    ],
  });
}

const INJ_HEADERS = ["fraction", "signal events", "median t", "t 16–84 %", "Z (χ²)", "Z (toys)"];
function injectionRows(r: NplmResult): unknown[][] {
  return r.injection!.rows.map((x) => {
    const s = [...x.t].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    return [x.fraction, x.signalEvents, g(x.tMedian), `${g(q(0.16), 3)} – ${g(q(0.84), 3)}`, zText(x.chi2), zText(x.empirical)];
  });
}

export function nplmSection(r: NplmResult): Section {
  const c = r.config;
  const settings = table(["", ""], [
    ["reference", `${r.reference.describe}: ${r.reference.events} rows, ${r.reference.used} per fit (w_R = ${g(r.wRef)})`],
    ["data", `${r.data.describe}: ${r.data.events} rows`],
    ["inputs", `${r.columns.length} columns${r.constant.length ? `; constant on the reference (centred, not scaled): ${r.constant.join(", ")}` : ""}`],
    ["kernel", `Gaussian, σ = ${c.sigma} (${c.sigma === undefined ? "" : `${c.sigmaPercentile}th percentile of pairwise reference distances, standardised inputs`}), M = ${c.m} Nyström centres, λ = ${c.lambda}`],
    ["null", `${r.null.t.length} toys, χ² dof ${r.null.fit.dof} (KS ${g(r.null.fit.ks, 3)}, p ${g(r.null.fit.ksP, 3)})${r.null.unconverged ? `; ${r.null.unconverged} toys stopped before converging` : ""}`],
  ], 'data-table="nplm-settings"');
  const result = r.injection
    ? table(INJ_HEADERS, injectionRows(r), 'data-table="nplm-injection"') + `<figure>${injectionPlot(r)}</figure>`
    : table(["t", "p (χ²)", "Z (χ²)", "p (toys)", "Z (toys)"], [[g(r.t), g(r.chi2.p, 3), zText(r.chi2), r.empirical.bound ? `< ${g(r.empirical.p, 3)}` : g(r.empirical.p, 3), zText(r.empirical)]], 'data-table="nplm"');
  const study = r.injection ? nplmScanReport : nplmReport;
  return {
    id: study.id,
    title: study.title,
    html: `<p>${escapeHtml(r.method)}</p>` + settings + result + `<figure>${nullPlot(r)}</figure>` +
      (r.reconstruction ? `<figure>${reconstructionPlot(r)}</figure>` : "") +
      (r.empirical.bound || r.injection?.rows.some((x) => x.empirical.bound) ? note(`"> Z (toys)": t beyond every toy, so p is bounded by 1/${r.null.t.length}.`) : ""),
  };
}

export const nplmReport: StudyReport<NplmResult> = { file: "nplm.json", format: "scoutloop-nplm/1", id: "nplm", title: "NPLM goodness of fit", render: nplmSection };
export const nplmScanReport: StudyReport<NplmResult> = { file: "nplm-scan.json", format: "scoutloop-nplm/1", id: "nplm-scan", title: "NPLM injection scan", render: nplmSection };

export function formatNplm(r: NplmResult): string {
  const lines = [
    `NPLM: ${r.data.describe} (${r.data.events}) vs ${r.reference.describe} (${r.reference.used} of ${r.reference.events} per fit), ${r.columns.length} inputs`,
    `  kernel σ ${r.config.sigma}, M ${r.config.m}, λ ${r.config.lambda}; null ${r.null.t.length} toys, fitted χ² dof ${r.null.fit.dof} (KS p ${g(r.null.fit.ksP, 3)})`,
  ];
  if (r.injection) {
    lines.push("  " + INJ_HEADERS.map((h) => h.padStart(13)).join(""));
    for (const row of injectionRows(r)) lines.push("  " + row.map((c) => String(c).padStart(13)).join(""));
  } else {
    lines.push(`  t = ${g(r.t)}: p(χ²) ${g(r.chi2.p, 3)}, Z ${zText(r.chi2)}; p(toys) ${r.empirical.bound ? "< " : ""}${g(r.empirical.p, 3)}, Z ${zText(r.empirical)}`);
  }
  if (r.constant.length) lines.push(`  constant on the reference (centred, not scaled): ${r.constant.join(", ")}`);
  return lines.join("\n");
}
