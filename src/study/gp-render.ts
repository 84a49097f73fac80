/** GP search result → report section: injection table, the spectrum with the fit and a pull panel, R̂ vs R. */
import * as Plot from "@observablehq/plot";
import { escapeHtml, note, table, type Section } from "../render/html.js";
import { HEIGHT, WIDTH } from "../render/plots.js";
import type { StudyReport } from "../render/section.js";
import { renderPlot } from "../render/svg.js";
import type { GpSearchResult } from "./gp-search.js";

const g = (v: number, digits = 4) => (Number.isFinite(v) ? +v.toPrecision(digits) : "—");
const pm = (s: { mean: number; std: number }, digits = 3) => `${g(s.mean, digits)} ± ${g(s.std, 2)}`;

const HEADERS = ["injected R", "toys", "m̂ median", "m̂ mean ± std", "t̂ mean ± std", "R̂ median", "R̂ mean ± std", "R̂/R", "2ΔlnL median"];
function rows(r: GpSearchResult): unknown[][] {
  return r.rows.map((x) => [x.injected, x.toys, g(x.mass.median), pm(x.mass), pm(x.width), g(x.yield.median), pm(x.yield), x.injected > 0 ? g(x.yield.median / x.injected, 3) : "— (spurious)", g(x.deltaLogL2.median, 3)]);
}

/** Counts with √n error bars, the background part of the fit, background + signal, log y; pulls below. */
function spectrumPlot(r: GpSearchResult): string {
  const e = r.example;
  const c = e.counts.map((n, i) => ({ x: (r.edges[i] + r.edges[i + 1]) / 2, n: Math.max(n, 0.5), lo: Math.max(n - Math.sqrt(n), 0.5), hi: n + Math.sqrt(Math.max(n, 1)) }));
  const lines = e.counts.flatMap((_, i) => {
    const x = (r.edges[i] + r.edges[i + 1]) / 2;
    return [{ x, y: Math.max(e.fit.background[i], 0.5), series: "GP background" }, { x, y: Math.max(e.fit.background[i] + e.fit.signal[i], 0.5), series: "GP background + signal" }, { x, y: Math.max(e.expected[i], 0.5), series: "truth (expected)" }];
  });
  const main = renderPlot("gp-spectrum", {
    title: `GP fit of one toy with R = ${e.injected} injected at m = ${r.signal.mass} ${r.unit} (width ${r.signal.width})`, width: WIDTH, height: HEIGHT,
    x: { label: `mass (${r.unit})` }, y: { type: "log", label: "events per bin", grid: true }, color: { legend: true },
    marks: [
      Plot.line(lines.filter((d) => !d.series.startsWith("truth")), { x: "x", y: "y", stroke: "series" }),
      Plot.line(lines.filter((d) => d.series.startsWith("truth")), { x: "x", y: "y", stroke: "series", strokeDasharray: "3,3" }),
      Plot.ruleX(c, { x: "x", y1: "lo", y2: "hi", stroke: "black" }),
      Plot.dot(c, { x: "x", y: "n", fill: "black", r: 2 }),
    ],
  });
  const pulls = e.counts.map((n, i) => ({ x1: r.edges[i], x2: r.edges[i + 1], pull: (n - e.fit.background[i]) / Math.sqrt(Math.max(n, 1)) }));
  const ratio = renderPlot("gp-pulls", {
    title: "(data − GP background) / √n per bin", width: WIDTH, height: 180,
    x: { label: `mass (${r.unit})` }, y: { label: "pull", grid: true },
    marks: [Plot.rectY(pulls, { x1: "x1", x2: "x2", y1: 0, y2: "pull", fill: "steelblue" }), Plot.ruleY([0])],
  });
  return main + ratio;
}

function injectionPlot(r: GpSearchResult): string {
  const pts = r.rows.map((x) => ({ R: x.injected, y: x.yield.mean, lo: x.yield.mean - x.yield.std, hi: x.yield.mean + x.yield.std }));
  const maxR = Math.max(1, ...r.rows.map((x) => x.injected));
  return renderPlot("gp-injection", {
    title: "Extracted signal yield R̂ (mean ± std over toys) against injected R", width: WIDTH, height: HEIGHT,
    x: { label: "injected R (events)" }, y: { label: "extracted R̂ (events)", grid: true },
    marks: [Plot.line([{ R: 0, y: 0 }, { R: maxR, y: maxR }], { x: "R", y: "y", stroke: "#999", strokeDasharray: "4,3" }), Plot.ruleX(pts, { x: "R", y1: "lo", y2: "hi", stroke: "steelblue" }), Plot.dot(pts, { x: "R", y: "y", fill: "steelblue", r: 4 })],
  });
}

export function gpSection(r: GpSearchResult): Section {
  const b = r.background.params;
  return {
    id: "gp",
    title: "GP resonance search",
    html: `<p>${escapeHtml(r.method)}</p>` +
      note(`Background: dijet function, ${r.backgroundEvents} events in ${r.edges.length - 1} bins over [${r.edges[0]}, ${r.edges[r.edges.length - 1]}] ${r.unit}. ` +
        `Fitted background kernel: A = ${g(b.A, 3)}, a = ${g(b.a, 3)} ${r.unit}, l(x) = ${g(b.b, 3)}·x + ${g(b.c, 3)} ${r.unit} (log ML ${g(r.background.logMarginalLikelihood, 6)}). ` +
        `Signal injected at m = ${r.signal.mass} ${r.unit}, Gaussian width ${r.signal.width} ${r.unit}; t̂ is the kernel's localisation width.`) +
      table(HEADERS, rows(r), 'data-table="gp-injection"') + `<figure>${spectrumPlot(r)}</figure><figure>${injectionPlot(r)}</figure>`,
  };
}

export const gpReport: StudyReport<GpSearchResult> = { file: "gp.json", format: "scoutloop-gp/1", id: "gp", title: "GP resonance search", render: gpSection };

export function formatGp(r: GpSearchResult): string {
  const w = HEADERS.map((h) => Math.max(h.length, 12));
  const line = (cells: unknown[]) => cells.map((c, i) => String(c).padStart(w[i])).join(" ");
  const b = r.background.params;
  return [
    `GP resonance search: ${r.backgroundEvents} background events, signal at ${r.signal.mass} ${r.unit} (width ${r.signal.width})`,
    `background kernel: A ${g(b.A, 3)}, a ${g(b.a, 3)}, l(x) = ${g(b.b, 3)}x + ${g(b.c, 3)}`,
    line(HEADERS), ...rows(r).map(line),
  ].join("\n");
}
