/**
 * Golden sets users own: the spec names the user's own input (a link capture, a pattern file, an
 * event file) relative to the set's directory, optional model files, and the chain steps whose
 * output the golden holds. A firmware repository keeps such sets next to its code and runs
 * `scoutloop regress --root its/goldens` in CI. Format: fixtures/golden/README.md.
 *
 * Steps (the output holds what they produce, in this order of the chain):
 *   link     — frame the input into the scouting link's muon and calo streams and deframe them
 *              again (TS reference core); deframer fault and stream counts go into the golden
 *   objects  — every object's hardware fields, per event
 *   features — the 57 AXOL1TL features in hardware units, per event
 *   scores   — each model's raw fixed-point score bits or float score, per event
 *   diff     — `scoutloop diff` of the input against `diff.against` (e.g. a board capture against
 *              the emulator's expected pattern file): its counters and first differences
 */
import { resolve as resolvePath } from "node:path";
import type { OrbitBatch } from "../events/batch.js";
import { headOfBatch } from "../io/head.js";
import { openSource } from "../bus/sources.js";
import { diffEventSources, type SourceDiffResult } from "../bus/objectDiff.js";
import { makeRules } from "../compare/objects/rules.js";
import type { DifferenceRecord } from "../compare/objects/differ.js";
import {
  goldenEvents, goldenModelIds, loadGoldenModels, MAX_GOLDEN_EVENTS, throughLink, type GoldenOutput, type GoldenSpec,
} from "./chain.js";

export const USER_STEPS = ["link", "objects", "features", "scores", "diff"] as const;
export type UserStep = (typeof USER_STEPS)[number];

export interface UserGoldenSpec {
  description?: string;
  /** The set's input: any event source scoutloop reads, relative to the set directory. */
  input: string;
  steps: UserStep[];
  /** Read at most this many orbits, and keep at most this many stored BX of each (goldens stay small). */
  orbits?: number;
  eventsPerOrbit?: number;
  /** For "scores": built-in names or model files relative to the set directory. */
  models?: GoldenSpec["models"];
  /** For "diff": the other source and the comparison settings of `scoutloop diff`. */
  diff?: {
    against: string;
    tolerance?: Record<string, number>;
    ignore?: string[];
    match?: "order" | "eta-phi";
    maxDeltaR?: number;
    /** Fail the set unless the two are identical (within the tolerance), whatever the golden holds. */
    requireIdentical?: boolean;
  };
}

/** The part of a diff a golden keeps: counters, and a stable one-line key per first difference. */
export interface GoldenDiff {
  against: string;
  identical: boolean;
  differences: { bx: number; counts: number; fields: number; total: number };
  orbits: { paired: number; onlyA: number; onlyB: number };
  bx: { paired: number; onlyA: number; onlyB: number };
  /** "kind.field" → "mismatches/compared"; "kind.count" → "BX with different counts/BX". */
  counters: Record<string, string>;
  first: string[];
  problems: string[];
}

export const isUserSpec = (spec: unknown): spec is UserGoldenSpec => typeof spec === "object" && spec !== null && "input" in spec;

function validate(s: UserGoldenSpec): void {
  if (typeof s.input !== "string" || s.input === "") throw new RangeError("spec.input must name the set's input file");
  if (!Array.isArray(s.steps) || s.steps.length === 0) throw new RangeError(`spec.steps must list one or more of ${USER_STEPS.join(", ")}`);
  for (const st of s.steps) if (!(USER_STEPS as readonly string[]).includes(st)) throw new RangeError(`spec.steps: unknown step "${st}" (${USER_STEPS.join(", ")})`);
  for (const [k, v] of [["orbits", s.orbits], ["eventsPerOrbit", s.eventsPerOrbit]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`spec.${k} must be an integer ≥ 1`);
  }
  if (s.steps.includes("scores") && (!Array.isArray(s.models) || s.models.length === 0)) throw new RangeError('step "scores" needs spec.models');
  for (const m of s.models ?? []) if (m.precision !== "fixed" && m.precision !== "float") throw new RangeError(`model ${m.name}: precision must be fixed or float`);
  if (s.steps.includes("diff") && (!s.diff || typeof s.diff.against !== "string")) throw new RangeError('step "diff" needs spec.diff.against (the other source)');
}

const firstKey = (d: DifferenceRecord): string => {
  const at = `orbit ${d.orbit} bx ${d.bx}`;
  if (d.type === "onlyA" || d.type === "onlyB") return `${at} ${d.type}`;
  if (d.type === "count") return `${at} ${d.kind} count ${d.counts!.a} vs ${d.counts!.b}`;
  return `${at} ${d.kind} #${d.a!.index}/#${d.b!.index} ${d.fields!.map((f) => `${f.field} ${f.a} vs ${f.b}`).join(", ")}`;
};

export function goldenDiff(against: string, r: SourceDiffResult): GoldenDiff {
  const counters: GoldenDiff["counters"] = {};
  for (const [kind, k] of Object.entries(r.kinds)) {
    if (kind !== "sums") counters[`${kind}.count`] = `${k.countMismatchBx}/${k.bx}`;
    for (const [name, f] of Object.entries(k.fields)) counters[`${kind}.${name}`] = `${f.mismatches}/${f.compared}`;
  }
  return {
    against, identical: r.identical, differences: r.differences, orbits: r.orbits,
    bx: { paired: r.bx.paired, onlyA: r.bx.onlyA, onlyB: r.bx.onlyB },
    counters, first: r.first.map(firstKey), problems: r.problems,
  };
}

export interface UserChainOutput {
  output: GoldenOutput;
  /** Assertions of the spec that failed (requireIdentical), as sentences. */
  failures: string[];
}

export async function runUserChain(spec: UserGoldenSpec, dir: string): Promise<UserChainOutput> {
  validate(spec);
  const inputPath = resolvePath(dir, spec.input);
  const steps = new Set(spec.steps);
  const source = await openSource({ in: inputPath, orbits: spec.orbits });
  const batches: OrbitBatch[] = [];
  let events = 0;
  try {
    for (const b of source.orbits) {
      const kept = spec.eventsPerOrbit ? headOfBatch(b, Math.min(b.nBx, spec.eventsPerOrbit)) : b;
      events += kept.nBx;
      if (events > MAX_GOLDEN_EVENTS) throw new RangeError(`${spec.input} holds more than ${MAX_GOLDEN_EVENTS} events: set spec.orbits or spec.eventsPerOrbit`);
      batches.push(kept);
    }
  } finally {
    source.close();
  }
  const faults: Record<string, number> = { ...(source.linkFaults?.() ?? {}) };
  let streams: GoldenOutput["streams"] = {};
  let chain = batches;
  if (steps.has("link")) {
    const pass = throughLink(batches);
    for (const [k, n] of Object.entries(pass.faults)) faults[k] = (faults[k] ?? 0) + n;
    streams = pass.streams;
    chain = pass.merged;
  }
  const models = steps.has("scores") ? loadGoldenModels(spec.models ?? [], (f) => resolvePath(dir, f)) : [];
  const output: GoldenOutput = {
    input: { file: spec.input, format: source.format ?? "unknown", steps: spec.steps },
    models: goldenModelIds(models),
    faults,
    streams,
    events: chain.flatMap((b) => goldenEvents(b, models, { features: steps.has("features"), objects: steps.has("objects") })),
  };
  const failures: string[] = [];
  if (steps.has("diff")) {
    const d = spec.diff!;
    const r = await diffEventSources(inputPath, resolvePath(dir, d.against), {
      rules: makeRules(d.tolerance ?? {}, d.ignore ?? []), match: d.match, maxDeltaR: d.maxDeltaR, orbits: spec.orbits, firstK: 10,
    });
    output.diff = goldenDiff(d.against, r);
    if (d.requireIdentical && !r.identical) failures.push(`diff: ${spec.input} and ${d.against} differ (${r.differences.total} differences${r.problems.length ? `; ${r.problems.join("; ")}` : ""}); the spec requires them identical`);
  }
  return { output, failures };
}
