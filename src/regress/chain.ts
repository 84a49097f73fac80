/**
 * The chain a golden set re-runs: generator → scouting-link framer (muon and calo streams) →
 * optional byte corruption or truncation → deframer (TS reference core) → stream merge → 57 hardware-unit
 * features → each model's raw score bits (fixed point) or float score. Output is plain JSON so it
 * can be stored, diffed and read by people.
 */
import type { OrbitBatch } from "../events/batch.js";
import { N_FEATURES, extractFeatures, extractFeaturesHw } from "../events/features.js";
import { headOfBatch } from "../io/head.js";
import { FAULT_KINDS, deframeAll, frameBatches, StreamMerger } from "../link/index.js";
import { generateOrbits, type SignalName } from "../trigger/index.js";
import { goldenModel } from "./models.js";

export interface GoldenSpec {
  description: string;
  generator: { seed: number; orbits: number; signal?: SignalName; injectFraction?: number };
  /** Keep only the first N stored BX of each orbit (goldens stay KBs). */
  eventsPerOrbit: number;
  /** Frame with scoutloop's optional CRC-32C orbit trailer (then flipped data bits are caught). */
  crc?: boolean;
  /** XOR masks applied to the framed calo stream: [byteOffset, mask]. */
  corruptCalo?: Array<[number, number]>;
  /** Cut the framed calo stream after this many bytes (a capture that ends mid-packet). */
  truncateCalo?: number;
  models: Array<{ name: string; builtin?: string; file?: string; precision: "fixed" | "float" }>;
}

export interface GoldenEvent {
  orbit: number;
  bx: number;
  /** Object counts: muons, jets, e/γ, τ. */
  counts: [number, number, number, number];
  /** 57 features in AXOL1TL hardware units. */
  features: number[];
  /** Per model: raw score bits (fixed) or the float64 score (float). */
  scores: Record<string, number>;
}

export interface GoldenOutput {
  models: Record<string, { kind: string; id: string; precision: string }>;
  faults: Record<string, number>;
  streams: Record<string, { orbits: number; bx: number }>;
  events: GoldenEvent[];
}

export const MAX_GOLDEN_EVENTS = 10_000;

function validateSpec(s: GoldenSpec): void {
  const g = s.generator;
  if (!g || !Number.isInteger(g.seed) || !Number.isInteger(g.orbits) || g.orbits < 1 || g.orbits > 100) throw new RangeError("spec.generator needs an integer seed and 1..100 orbits");
  if (!Number.isInteger(s.eventsPerOrbit) || s.eventsPerOrbit < 1 || s.eventsPerOrbit * g.orbits > MAX_GOLDEN_EVENTS) throw new RangeError(`spec.eventsPerOrbit must be ≥ 1 with at most ${MAX_GOLDEN_EVENTS} events in all`);
  if (!Array.isArray(s.models)) throw new RangeError("spec.models must be an array");
  for (const m of s.models) if (m.precision !== "fixed" && m.precision !== "float") throw new RangeError(`model ${m.name}: precision must be fixed or float`);
  if (s.crc !== undefined && typeof s.crc !== "boolean") throw new RangeError("spec.crc must be true or false");
  if (s.truncateCalo !== undefined && (!Number.isInteger(s.truncateCalo) || s.truncateCalo < 0)) throw new RangeError("spec.truncateCalo must be a byte count ≥ 0");
  for (const c of s.corruptCalo ?? []) if (!Array.isArray(c) || c.length !== 2 || !Number.isInteger(c[0]) || c[0] < 0 || !Number.isInteger(c[1]) || c[1] < 0 || c[1] > 255) throw new RangeError("spec.corruptCalo entries are [byteOffset ≥ 0, mask 0..255]");
}

export function runGoldenChain(spec: GoldenSpec, resolve: (f: string) => string): GoldenOutput {
  validateSpec(spec);
  const batches: OrbitBatch[] = [];
  for (const b of generateOrbits(spec.generator)) batches.push(headOfBatch(b, Math.min(b.nBx, spec.eventsPerOrbit)));
  const muonBytes = frameBatches(batches, "muon", { crc: spec.crc });
  let caloBytes = frameBatches(batches, "calo", { crc: spec.crc }).slice();
  for (const [at, mask] of spec.corruptCalo ?? []) if (at < caloBytes.length) caloBytes[at] ^= mask;
  if (spec.truncateCalo !== undefined) caloBytes = caloBytes.subarray(0, spec.truncateCalo);
  const faults: Record<string, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
  const streams: Record<string, { orbits: number; bx: number }> = {};
  const merger = new StreamMerger();
  const merged: OrbitBatch[] = [];
  for (const [name, bytes] of [["muon", muonBytes], ["calo", caloBytes]] as const) {
    const { orbits, deframer } = deframeAll(bytes, { core: "ts" });
    for (const k of FAULT_KINDS) faults[k] += deframer.stats.faults[k].count;
    streams[name] = { orbits: deframer.stats.streams[name].orbits, bx: deframer.stats.streams[name].bx };
    for (const o of orbits) merged.push(...merger.push(o.stream, o.batch!));
  }
  merged.push(...merger.flush());
  merged.sort((a, b) => a.orbit - b.orbit);
  const models = spec.models.map((m) => ({ spec: m, model: goldenModel(m, resolve) }));
  const events: GoldenEvent[] = [];
  for (const b of merged) {
    const hw = extractFeaturesHw(b);
    const phys = extractFeatures(b);
    const scores = models.map(({ spec: m, model }) => (m.precision === "fixed" ? Array.from(model.scoreFixedRaw(model.quantizeInputs(phys, b.nBx), b.nBx)) : Array.from(model.scoreFloat(phys, b.nBx))));
    for (let i = 0; i < b.nBx; i++) {
      const c = (blk: { offset: Uint32Array }) => blk.offset[i + 1] - blk.offset[i];
      events.push({
        orbit: b.orbit, bx: b.bx[i],
        counts: [c(b.muons), c(b.jets), c(b.egammas), c(b.taus)],
        features: Array.from(hw.subarray(i * N_FEATURES, (i + 1) * N_FEATURES)),
        scores: Object.fromEntries(models.map(({ spec: m }, k) => [m.name, scores[k][i]])),
      });
    }
  }
  return {
    models: Object.fromEntries(models.map(({ spec: m, model }) => [m.name, { kind: model.kind, id: model.id, precision: m.precision }])),
    faults, streams, events,
  };
}
