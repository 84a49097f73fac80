/**
 * The report's plot kinds, each a pure function from data to SVG markup (see svg.ts).
 * Data here is per bin, not per event: plotting is never on the hot path.
 */
import * as Plot from "@observablehq/plot";
import { edgesFor, histogramOf, type Histogram } from "../stats/histogram.js";
import { ADC_WORKING_FPR, BX_RATE_HZ, auc, rocCurve } from "../stats/roc.js";
import { renderPlot, type BinRow } from "./svg.js";

export const WIDTH = 760;
export const HEIGHT = 360;

function toNumbers(values: ArrayLike<number | null>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] ?? NaN;
  return out;
}

/** Histogram bins as rows; `normalise` divides by the total so shapes compare across samples. */
export function binRows(series: string, h: Histogram, normalise: boolean, keepZero = false): BinRow[] {
  let sum = 0;
  for (const c of h.counts) sum += c;
  const k = normalise && sum > 0 ? 1 / sum : 1;
  const rows: BinRow[] = [];
  for (let i = 0; i < h.counts.length; i++) {
    if (h.counts[i] > 0 || keepZero) rows.push({ series, x1: h.edges[i], x2: h.edges[i + 1], y: h.counts[i] * k });
  }
  return rows;
}

/** Bottom of log-scale bars: half the smallest plotted value. */
function logFloor(rows: BinRow[]): number {
  let m = Infinity;
  for (const r of rows) if (r.y > 0 && r.y < m) m = r.y;
  return Number.isFinite(m) ? m / 2 : 0.5;
}

/** Anomaly-score distributions, background vs each signal, normalised, log y. */
export function scoreDistributionPlot(samples: Array<{ name: string; values: ArrayLike<number | null> }>, nBins = 60, kind: "score-distributions" | "inject-scores" = "score-distributions", title = "Anomaly score distributions"): string {
  const arrays = samples.map((s) => toNumbers(s.values));
  const edges = edgesFor(arrays, nBins);
  const rows = samples.flatMap((s, i) => binRows(s.name, histogramOf(arrays[i], edges), true));
  return renderPlot(kind, {
    title, width: WIDTH, height: HEIGHT,
    x: { label: "anomaly score" },
    y: { type: "log", label: "fraction of events", grid: true },
    color: { legend: true },
    // Explicit y1/y2: rectY would otherwise stack the samples, and a log axis has no 0.
    marks: [Plot.rectY(rows, { x1: "x1", x2: "x2", y1: logFloor(rows), y2: "y", stroke: "series", fill: "series", fillOpacity: 0.08 })],
  });
}

/** Residuals b − a of the same events scored two ways (log y: a bit-exact pair is one bar at 0). */
export function residualPlot(aName: string, bName: string, a: ArrayLike<number | null>, b: ArrayLike<number | null>): string {
  const n = Math.min(a.length, b.length);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = (b[i] ?? NaN) - (a[i] ?? NaN);
  const h = histogramOf(d, edgesFor([d], 50));
  return renderPlot("score-residuals", {
    title: `Score residuals: ${bName} − ${aName}`, width: WIDTH, height: HEIGHT,
    x: { label: "residual" },
    y: { type: "log", label: "events", grid: true },
    marks: [Plot.rectY(binRows("residual", h, false), { x1: "x1", x2: "x2", y1: 0.5, y2: "y", fill: "steelblue" }), Plot.ruleX([0], { stroke: "black", strokeDasharray: "3,3" })],
  });
}

/** Firmware latency and host round trip side by side (µs, log x: they differ by orders of magnitude). */
export function latencyPlot(firmwareNs: ArrayLike<number | null>, hostRttNs: ArrayLike<number | null>): string {
  const series: Array<[string, Float64Array]> = [];
  const log10us = (v: ArrayLike<number | null>) => {
    const x = toNumbers(v);
    for (let i = 0; i < x.length; i++) x[i] = x[i] > 0 ? Math.log10(x[i] / 1e3) : NaN;
    return x;
  };
  if (firmwareNs.length) series.push(["firmware", log10us(firmwareNs)]);
  if (hostRttNs.length) series.push(["host round trip", log10us(hostRttNs)]);
  const edges = edgesFor(series.map((s) => s[1]), 60);
  const rows = series.flatMap(([name, x]) => binRows(name, histogramOf(x, edges), false).map((r) => ({ ...r, x1: 10 ** r.x1, x2: 10 ** r.x2 })));
  return renderPlot("latency", {
    title: "Latency: firmware (board clock) vs host round trip", width: WIDTH, height: HEIGHT,
    x: { type: "log", label: "latency (µs)" },
    y: { label: "samples", grid: true },
    color: { legend: true },
    marks: [Plot.rectY(rows, { x1: "x1", x2: "x2", y1: 0, y2: "y", fill: "series", fillOpacity: 0.6 })],
  });
}

/** ROC curves per signal, log FPR, the ADC2021 1e-5 working point, and a rate axis (kHz at 40 MHz). */
export function rocPlot(background: ArrayLike<number | null>, signals: Array<{ name: string; values: ArrayLike<number | null> }>): string {
  const b = toNumbers(background);
  const minFpr = Math.min(1e-6, 0.5 / Math.max(1, b.length));
  const rows: Array<{ series: string; fpr: number; tpr: number }> = [];
  for (const s of signals) {
    const roc = rocCurve(b, toNumbers(s.values));
    const label = `${s.name} (AUC ${auc(roc).toFixed(3)})`;
    for (let i = 0; i < roc.fpr.length; i++) rows.push({ series: label, fpr: Math.max(roc.fpr[i], minFpr), tpr: roc.tpr[i] });
  }
  return renderPlot("roc", {
    title: "ROC per signal", width: WIDTH, height: HEIGHT + 40, marginTop: 50,
    x: { type: "log", domain: [minFpr, 1], label: "false-positive rate (background efficiency)" },
    y: { domain: [0, 1], label: "true-positive rate", grid: true },
    color: { legend: true },
    marks: [
      Plot.axisX({ anchor: "bottom" }),
      Plot.axisX({ anchor: "top", label: "trigger rate at 40 MHz (kHz)", tickFormat: (f: number) => `${+((f * BX_RATE_HZ) / 1e3).toPrecision(2)}` }),
      Plot.line(rows, { x: "fpr", y: "tpr", stroke: "series", curve: "step-after" }),
      Plot.ruleX([ADC_WORKING_FPR], { stroke: "crimson", strokeDasharray: "4,3" }),
      Plot.text([ADC_WORKING_FPR], { x: (d: number) => d, y: 0.97, text: () => "FPR 1e-5 (400 Hz)", dx: 4, textAnchor: "start", fill: "crimson" }),
    ],
  });
}

/** Latency from summary percentiles only (a run without saved samples): p50 … max per series. */
export function latencyPercentilePlot(series: Array<{ name: string; summary: { p50: number; p90: number; p99: number; p99_9: number; max: number } }>): string {
  const rows = series.flatMap(({ name, summary: s }) =>
    ([["p50", s.p50], ["p90", s.p90], ["p99", s.p99], ["p99.9", s.p99_9], ["max", s.max]] as const).map(([p, ns]) => ({ series: name, p, us: Math.max(ns / 1e3, 1e-3) })),
  );
  return renderPlot("latency", {
    title: "Latency percentiles: firmware vs host round trip", width: WIDTH, height: HEIGHT,
    x: { type: "log", label: "latency (µs)", grid: true },
    y: { label: null, domain: ["p50", "p90", "p99", "p99.9", "max"] },
    color: { legend: true },
    marginLeft: 60,
    marks: [Plot.dot(rows, { x: "us", y: "p", fill: "series", r: 5 }), Plot.line(rows, { x: "us", y: "p", stroke: "series" })],
  });
}
