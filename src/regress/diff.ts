/** Field-by-field diff of a golden output against a fresh run, readable per event. */
import { FEATURE_NAMES } from "../events/features.js";
import { GOLDEN_OBJECT_FIELDS, type GoldenEvent, type GoldenOutput } from "./chain.js";

export interface Difference {
  /** "orbit 3 bx 118", "faults", "models", "events". */
  where: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

const COUNT_NAMES = ["muons", "jets", "egammas", "taus"];

/** Bits of an integer score, for eyeballing flips: 0x0000_12ab. */
export function bits(v: unknown): string {
  return typeof v === "number" && Number.isInteger(v) ? `0x${(v >>> 0).toString(16).padStart(8, "0")}` : String(v);
}

export function diffGolden(expected: GoldenOutput, actual: GoldenOutput): Difference[] {
  const out: Difference[] = [];
  const cmpRecord = (where: string, a: Record<string, unknown>, b: Record<string, unknown>, absent?: unknown) => {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = JSON.stringify(a[k] ?? absent);
      const y = JSON.stringify(b[k] ?? absent);
      if (x !== y) out.push({ where, field: k, expected: a[k], actual: b[k] });
    }
  };
  cmpRecord("input", expected.input ?? {}, actual.input ?? {});
  cmpRecord("models", expected.models, actual.models);
  // A fault kind missing from a golden written before that kind existed was seen 0 times.
  cmpRecord("faults", expected.faults, actual.faults, 0);
  cmpRecord("streams", expected.streams, actual.streams);
  if (expected.diff || actual.diff) {
    const flat = (d: GoldenOutput["diff"]): Record<string, unknown> => (d ? {
      against: d.against, identical: d.identical, ...d.differences, ...prefixed("orbits", d.orbits), ...prefixed("bx", d.bx),
      ...d.counters,
      ...Object.fromEntries(d.first.map((f, i) => [`first[${i}]`, f])), problems: d.problems.join("; "),
    } : {});
    cmpRecord("diff", flat(expected.diff), flat(actual.diff));
  }
  const key = (e: { orbit: number; bx: number }) => `${e.orbit}:${e.bx}`;
  const byKey = new Map(actual.events.map((e) => [key(e), e]));
  const seen = new Set<string>();
  for (const e of expected.events) {
    const where = `orbit ${e.orbit} bx ${e.bx}`;
    const a = byKey.get(key(e));
    if (!a) {
      out.push({ where, field: "event", expected: "present", actual: "missing" });
      continue;
    }
    seen.add(key(e));
    e.counts.forEach((c, k) => c !== a.counts[k] && out.push({ where, field: `count.${COUNT_NAMES[k]}`, expected: c, actual: a.counts[k] }));
    e.features.forEach((f, j) => f !== a.features[j] && out.push({ where, field: `feature.${FEATURE_NAMES[j] ?? j}`, expected: f, actual: a.features[j] }));
    if (e.features.length !== a.features.length) out.push({ where, field: "features", expected: `${e.features.length} values`, actual: `${a.features.length} values` });
    if (e.objects || a.objects) diffObjects(where, e.objects, a.objects, out);
    for (const m of new Set([...Object.keys(e.scores), ...Object.keys(a.scores)])) {
      const x = e.scores[m];
      const y = a.scores[m];
      if (!Object.is(x, y)) out.push({ where, field: `score.${m}`, expected: x, actual: y });
    }
  }
  for (const a of actual.events) if (!seen.has(key(a))) out.push({ where: `orbit ${a.orbit} bx ${a.bx}`, field: "event", expected: "absent", actual: "present" });
  return out;
}

const prefixed = (p: string, o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [`${p}.${k}`, v]));

/** Objects of one event, field by field: "objects.jets[2].hwEt". */
function diffObjects(where: string, e: GoldenEvent["objects"], a: GoldenEvent["objects"], out: Difference[]): void {
  if (!e || !a) {
    out.push({ where, field: "objects", expected: e ? "present" : "absent", actual: a ? "present" : "absent" });
    return;
  }
  for (const kind of ["muons", "jets", "egammas", "taus"] as const) {
    const names = GOLDEN_OBJECT_FIELDS[kind];
    const x = e[kind] ?? [];
    const y = a[kind] ?? [];
    for (let j = 0; j < Math.max(x.length, y.length); j++) {
      if (!x[j] || !y[j]) {
        out.push({ where, field: `objects.${kind}[${j}]`, expected: x[j] ? "present" : "absent", actual: y[j] ? "present" : "absent" });
        continue;
      }
      names.forEach((n, c) => x[j][c] !== y[j][c] && out.push({ where, field: `objects.${kind}[${j}].${n}`, expected: x[j][c], actual: y[j][c] }));
    }
  }
  GOLDEN_OBJECT_FIELDS.sums.forEach((n, c) => e.sums?.[c] !== a.sums?.[c] && out.push({ where, field: `objects.sums.${n}`, expected: e.sums?.[c], actual: a.sums?.[c] }));
}

export function formatDifference(d: Difference): string {
  const show = (v: unknown) => (d.field.startsWith("score.") && typeof v === "number" && Number.isInteger(v) ? `${v} (${bits(v)})` : JSON.stringify(v));
  return `${d.where}: ${d.field} expected ${show(d.expected)}, got ${show(d.actual)}`;
}
