/**
 * `scoutloop diff` result (diff.json, written by `diff --report DIR`) → report section: verdict,
 * pairing, per-kind counts, per-field counters with denominators, a histogram of the differences of
 * each field that differs, and the first differences in full (both objects, link words, XOR).
 */
import * as Plot from "@observablehq/plot";
import { escapeHtml, keyValueTable, note, table, type Section } from "../render/html.js";
import { HEIGHT, WIDTH } from "../render/plots.js";
import type { StudyReport } from "../render/section.js";
import { renderPlot } from "../render/svg.js";
import type { SourceDiffResult } from "../bus/objectDiff.js";
import type { ObjectRecord } from "../compare/objects/differ.js";
import { formatDifferenceRecord } from "../compare/objects/render.js";

/** Fields plotted at most (the ones with the most differences): a page, not a wall of plots. */
const MAX_PLOTS = 8;

function object(r: ObjectRecord | null | undefined): string {
  if (!r) return "—";
  const phys = r.physical ? ` (pT ${r.physical.pt} GeV, η ${r.physical.eta}, φ ${r.physical.phi})` : "";
  return `#${r.index} ${Object.entries(r.fields).map(([k, v]) => `${k}=${v}`).join(" ")}${phys}`;
}
const words = (w: Record<string, string> | undefined) => (w ? Object.entries(w).map(([k, v]) => `${k} ${v}`).join(", ") : "—");

/** Differences of one field, B − A in hardware counts, one bar per value. */
export function fieldDeltaPlot(name: string, bins: Array<[number, number]>): string {
  const rows = bins.map(([d, n]) => ({ x1: d - 0.45, x2: d + 0.45, y: n }));
  // Zero stays in view, with a margin, so one lone bin reads as a bar and not as the whole plot.
  const lo = Math.min(-1, ...bins.map((b) => b[0])) - 1.5;
  const hi = Math.max(1, ...bins.map((b) => b[0])) + 1.5;
  return renderPlot("diff-fields", {
    title: `${name}: B − A (hardware counts)`, width: WIDTH, height: Math.round(HEIGHT * 0.7),
    x: { label: "B − A (counts)", domain: [lo, hi] }, y: { label: "object pairs", grid: true },
    marks: [Plot.rectY(rows, { x1: "x1", x2: "x2", y: "y", fill: "#b00020" }), Plot.ruleY([0])],
  }, { "data-field": name });
}

export function diffSection(r: SourceDiffResult): Section {
  const verdict = r.identical
    ? `<p class="good">Identical${Object.keys(r.settings.tolerance).length ? " within the tolerance" : ""}: 0 differences.</p>`
    : `<p class="bad">Different: ${r.differences.total} differences (${r.differences.bx} BX stored by one side, ${r.differences.counts} object-count, ${r.differences.fields} object-field)${r.problems.length ? `; ${r.problems.map(escapeHtml).join("; ")}` : ""}.</p>`;
  const settings = keyValueTable([
    ["A", `${r.inputs.A.describe} (${r.inputs.A.format})`],
    ["B", `${r.inputs.B.describe} (${r.inputs.B.format})`],
    ["pairing", `events by ${r.pairBy === "events" ? "their order in each file" : "(orbit, bx)"}; objects ${r.settings.match === "order" ? "in the trigger's order" : `by best (η, φ) match${r.settings.maxDeltaR !== null ? `, ΔR ≤ ${r.settings.maxDeltaR}` : ""}`}`],
    ["tolerance", Object.keys(r.settings.tolerance).length ? Object.entries(r.settings.tolerance).map(([k, v]) => `${k}=${v}`).join(", ") : "none: exact hardware bits"],
    ["ignored", r.settings.ignore.length ? r.settings.ignore.join(", ") : "nothing"],
    ["orbits", `${r.orbits.paired} paired, ${r.orbits.onlyA} only in A, ${r.orbits.onlyB} only in B (at most ${r.pairing.maxWaiting} of a window of ${r.pairing.window} waiting)`],
    ["BX", `${r.bx.paired} paired, ${r.bx.onlyA} only in A, ${r.bx.onlyB} only in B; stored empty on one side only: ${r.bx.emptyOnlyA} / ${r.bx.emptyOnlyB}`],
    ["link faults", [r.inputs.A, r.inputs.B].map((x, i) => `${i ? "B" : "A"}: ${Object.entries(x.faults).map(([k, n]) => `${k} ${n}`).join(", ") || "none"}`).join("; ")],
  ], 'data-table="diff-settings"');
  const kinds = table(
    ["kind", "BX", "count ≠ (BX)", "objects A", "objects B", "pairs", "unpaired A", "unpaired B", "beyond common cap A / B"],
    Object.entries(r.kinds).map(([k, s]) => [k, s.bx, s.countMismatchBx, s.objectsA, s.objectsB, s.pairs, s.unpairedA, s.unpairedB, `${s.beyondCapA} / ${s.beyondCapB} (cap ${s.maxObjects})`]),
    'data-table="diff-kinds"',
  );
  const fieldRows = Object.entries(r.kinds).flatMap(([k, s]) => Object.entries(s.fields).map(([name, f]) => ({ name: `${k}.${name}`, f })));
  const fields = table(
    ["field", "differ", "compared", "fraction", "within tolerance", "max |Δ| (counts)", "rule"],
    fieldRows.map(({ name, f }) => [name, f.mismatches, f.compared, f.compared ? (f.mismatches / f.compared).toPrecision(3) : "—", f.withinTolerance, f.maxAbsDelta, f.rule]),
    'data-table="diff-fields"',
  );
  const plotted = fieldRows.filter(({ f }) => f.histogram.length > 0).sort((x, y) => y.f.mismatches + y.f.withinTolerance - (x.f.mismatches + x.f.withinTolerance)).slice(0, MAX_PLOTS);
  const plots = plotted.map(({ name, f }) => `<figure>${fieldDeltaPlot(name, f.histogram)}</figure>`).join("");
  const first = r.first.length
    ? table(
      ["orbit", "bx", "kind", "what", "fields (A → B)", "A", "B", "words A", "words B", "XOR"],
      r.first.map((d) => [
        d.orbit, d.bx, d.kind ?? "—", d.type,
        d.type === "fields" ? d.fields!.map((x) => `${x.field} ${x.a} → ${x.b}`).join("; ") : formatDifferenceRecord(d).split("\n")[0],
        object(d.a), object(d.b), words(d.a?.words), words(d.b?.words), words(d.xor),
      ]),
      'data-table="diff-first"',
    )
    : note("No differences.");
  const notCompared = r.notCompared.length ? note(`Not compared: ${r.notCompared.map((n) => `${n.what} (${n.reason})`).join(", ")}.`) : "";
  return {
    id: "diff",
    title: "Object diff",
    html: verdict + settings + `<h3>Objects per kind</h3>` + kinds + `<h3>Fields</h3>` + fields + notCompared +
      (plots ? `<h3>Differences per field</h3>${plots}` : "") + `<h3>First differences</h3>` + first,
  };
}

export const diffReport: StudyReport<SourceDiffResult> = { file: "diff.json", format: "scoutloop-object-diff/1", id: "diff", title: "Object diff", render: diffSection };
