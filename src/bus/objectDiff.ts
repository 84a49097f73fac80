/**
 * `scoutloop diff A B` as a library call: open two event sources (any input `openSource` reads),
 * work out what each carries, and compare them object by object (src/compare/objects), streaming.
 */
import { ADC2021_COVERAGE, DARKMACHINES_COVERAGE, FULL_COVERAGE, streamCoverage, type Coverage } from "../compare/objects/fields.js";
import { ObjectDiffer, type DiffOptions, type ObjectDiffResult } from "../compare/objects/differ.js";
import { pairOrbitStreams, type PairingStats } from "../compare/objects/stream.js";
import { inEventOrder } from "../compare/objects/renumber.js";
import type { OrbitBatch } from "../events/batch.js";
import { openSource, type OrbitSource } from "./sources.js";

export interface SourceDiffOptions extends Omit<DiffOptions, "coverageA" | "coverageB"> {
  /**
   * "bx" (default): pair events by (orbit, bx). "events": by their place in each file — for
   * formats that keep no orbit/BX (DarkMachines CSV, plain ADC2021 files) against ones that do.
   */
  pairBy?: "bx" | "events";
  /** Orbits that may wait for their partner (memory bound); default 64. */
  window?: number;
  /** Compare at most this many orbits of each input. */
  orbits?: number;
  onOrbit?: (read: number) => void;
}

export interface DiffInput {
  path: string;
  describe: string;
  format: string;
  /** What the input can hold, per kind (fields and objects per BX). */
  coverage: Coverage;
  /** Link faults counted while reading a capture. */
  faults: Record<string, number>;
}

export interface SourceDiffResult extends ObjectDiffResult {
  inputs: { A: DiffInput; B: DiffInput };
  pairBy: "bx" | "events";
  pairing: PairingStats;
  /** Reasons the inputs are not identical beyond the differences (link faults), as sentences. */
  problems: string[];
}

/** What a source can hold, from how it is read (lossless formats and the generator: everything). */
export function coverageOf(source: OrbitSource): Coverage {
  switch (source.format as string | undefined) {
    case "adc2021": return ADC2021_COVERAGE;
    case "darkmachines": return DARKMACHINES_COVERAGE;
    case "raw":
    case "pattern": return streamCoverage(source.streams ?? new Set());
    default: return FULL_COVERAGE;
  }
}

export async function diffEventSources(pathA: string, pathB: string, opts: SourceDiffOptions = {}): Promise<SourceDiffResult> {
  const a = await openSource({ in: pathA, orbits: opts.orbits });
  let b: OrbitSource;
  try {
    b = await openSource({ in: pathB, orbits: opts.orbits });
  } catch (err) {
    a.close();
    throw err;
  }
  try {
    const coverageA = coverageOf(a);
    const coverageB = coverageOf(b);
    const differ = new ObjectDiffer({ ...opts, coverageA, coverageB });
    if (differ.comparedFields === 0) throw new RangeError(`${pathA} and ${pathB} carry no field in common (or all are ignored): nothing to compare`);
    const pairBy = opts.pairBy ?? "bx";
    const ordered = (o: Iterable<OrbitBatch>) => (pairBy === "events" ? inEventOrder(o) : o);
    const pairing = pairOrbitStreams(ordered(a.orbits), ordered(b.orbits), differ, { window: opts.window, onOrbit: opts.onOrbit });
    const result = differ.result();
    const input = (path: string, s: OrbitSource, coverage: Coverage): DiffInput => ({ path, describe: s.describe, format: s.format ?? "unknown", coverage, faults: s.linkFaults?.() ?? {} });
    const inputs = { A: input(pathA, a, coverageA), B: input(pathB, b, coverageB) };
    const problems: string[] = [];
    for (const side of ["A", "B"] as const) {
      const f = Object.entries(inputs[side].faults);
      if (f.length) problems.push(`${side} (${inputs[side].path}) had link faults: ${f.map(([k, n]) => `${k} ${n}`).join(", ")}`);
    }
    if (pairing.orbitsRead.A + pairing.orbitsRead.B === 0) problems.push("neither input holds any orbit");
    return { ...result, identical: result.identical && problems.length === 0, inputs, pairBy, pairing, problems };
  } finally {
    a.close();
    b.close();
  }
}
