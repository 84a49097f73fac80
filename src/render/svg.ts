/**
 * Plot → SVG markup in Node: @observablehq/plot renders into a linkedom document (no browser),
 * and each plot gets a stable `data-plot="<kind>"` attribute that tests and readers can find.
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

export type PlotKind =
  | "score-distributions"
  | "score-residuals"
  | "latency"
  | "roc"
  | "monitor"
  | "inject-scores"
  | "inject-sculpting"
  | "kfold"
  | "diff-fields"
  | "nplm-null"
  | "nplm-injection"
  | "nplm-reconstruction"
  | "gp-spectrum"
  | "gp-pulls"
  | "gp-injection"
  | "pad-lambda"
  | "monitor-ratio";

export const PLOT_KINDS: readonly PlotKind[] = [
  "score-distributions", "score-residuals", "latency", "roc", "monitor", "inject-scores", "inject-sculpting", "kfold", "diff-fields", "nplm-null", "nplm-injection", "nplm-reconstruction",
  "gp-spectrum", "gp-pulls", "gp-injection", "pad-lambda", "monitor-ratio",
];

/** The subset of a DOM element we touch (tsconfig has no DOM lib: Node code). */
interface RenderedElement {
  outerHTML: string;
  setAttribute(name: string, value: string): void;
}

const { document } = parseHTML("<html><body></body></html>");

/** Render a plot to markup; `extra` sets more attributes on the outer element (e.g. data-variable). */
export function renderPlot(kind: PlotKind, options: Plot.PlotOptions, extra: Record<string, string> = {}): string {
  const el = Plot.plot({ ...options, document } as Plot.PlotOptions) as unknown as RenderedElement;
  el.setAttribute("data-plot", kind);
  for (const [k, v] of Object.entries(extra)) el.setAttribute(k, v);
  return el.outerHTML;
}

/** One row per non-empty bin, for step plots; zero bins are dropped so log axes stay finite. */
export interface BinRow {
  series: string;
  x1: number;
  x2: number;
  y: number;
}
