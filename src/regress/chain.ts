/**
 * The chain a golden set re-runs: generator → scouting-link framer (muon and calo streams) →
 * optional byte corruption or truncation → deframer (TS reference core) → stream merge → 57 hardware-unit
 * features → each model's raw score bits (fixed point) or float score. Output is plain JSON so it
 * can be stored, diffed and read by people.
 */
import { CALO_FIELDS, MUON_FIELDS, SUM_FIELDS, type OrbitBatch } from "../events/batch.js";
import { N_FEATURES, extractFeatures, extractFeaturesHw } from "../events/features.js";
import { headOfBatch } from "../io/head.js";
import { FAULT_KINDS, deframeAll, frameBatches, StreamMerger } from "../link/index.js";
import { generateOrbits, type SignalName } from "../trigger/index.js";
import type { ScoringModel } from "../scoring/index.js";
import { goldenModel } from "./models.js";
import type { GoldenDiff } from "./userChain.js";

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
  /** User sets with the "objects" step: every object's hardware fields (columns: GOLDEN_OBJECT_FIELDS). */
  objects?: { muons: number[][]; jets: number[][]; egammas: number[][]; taus: number[][]; sums: number[] };
}

export interface GoldenOutput {
  /** User sets: the input as the spec names it, how it was read, and the steps run. */
  input?: { file: string; format: string; steps: string[] };
  models: Record<string, { kind: string; id: string; precision: string }>;
  faults: Record<string, number>;
  streams: Record<string, { orbits: number; bx: number }>;
  events: GoldenEvent[];
  /** User sets with the "diff" step (src/regress/userChain.ts). */
  diff?: GoldenDiff;
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

/** Per-stream frame → (corrupt) → deframe → merge, counting faults: the link part of the chain. */
export interface LinkPass {
  merged: OrbitBatch[];
  faults: Record<string, number>;
  streams: Record<string, { orbits: number; bx: number }>;
}

export function throughLink(
  batches: OrbitBatch[],
  opts: { crc?: boolean; corruptCalo?: Array<[number, number]>; truncateCalo?: number; dropEmpty?: boolean } = {},
): LinkPass {
  const muonBytes = frameBatches(batches, "muon", { crc: opts.crc, dropEmpty: opts.dropEmpty });
  let caloBytes = frameBatches(batches, "calo", { crc: opts.crc, dropEmpty: opts.dropEmpty }).slice();
  for (const [at, mask] of opts.corruptCalo ?? []) if (at < caloBytes.length) caloBytes[at] ^= mask;
  if (opts.truncateCalo !== undefined) caloBytes = caloBytes.subarray(0, opts.truncateCalo);
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
  return { merged, faults, streams };
}

/** A golden model spec with its loaded model. */
export interface LoadedGoldenModel {
  spec: GoldenSpec["models"][number];
  model: ScoringModel;
}

export function loadGoldenModels(models: GoldenSpec["models"], resolve: (f: string) => string): LoadedGoldenModel[] {
  return models.map((m) => ({ spec: m, model: goldenModel(m, resolve) }));
}

export function goldenModelIds(models: LoadedGoldenModel[]): GoldenOutput["models"] {
  return Object.fromEntries(models.map(({ spec: m, model }) => [m.name, { kind: model.kind, id: model.id, precision: m.precision }]));
}

/** What the events of a golden record besides orbit, bx and counts. */
export interface EventContent {
  features: boolean;
  objects: boolean;
}

/** Golden events of one batch: counts, and the features, objects and scores asked for. */
export function goldenEvents(b: OrbitBatch, models: LoadedGoldenModel[], content: EventContent = { features: true, objects: false }): GoldenEvent[] {
  const hw = content.features ? extractFeaturesHw(b) : null;
  const phys = models.length ? extractFeatures(b) : null;
  const scores = models.map(({ spec: m, model }) => (m.precision === "fixed" ? Array.from(model.scoreFixedRaw(model.quantizeInputs(phys!, b.nBx), b.nBx)) : Array.from(model.scoreFloat(phys!, b.nBx))));
  const events: GoldenEvent[] = [];
  for (let i = 0; i < b.nBx; i++) {
    const c = (blk: { offset: Uint32Array }) => blk.offset[i + 1] - blk.offset[i];
    const e: GoldenEvent = {
      orbit: b.orbit, bx: b.bx[i],
      counts: [c(b.muons), c(b.jets), c(b.egammas), c(b.taus)],
      features: hw ? Array.from(hw.subarray(i * N_FEATURES, (i + 1) * N_FEATURES)) : [],
      scores: Object.fromEntries(models.map(({ spec: m }, k) => [m.name, scores[k][i]])),
    };
    if (content.objects) e.objects = eventObjects(b, i);
    events.push(e);
  }
  return events;
}

/** Every object of stored BX `i` as rows of hardware fields (field order: GOLDEN_OBJECT_FIELDS). */
export function eventObjects(b: OrbitBatch, i: number): NonNullable<GoldenEvent["objects"]> {
  const rows = (blk: Record<string, Int32Array> & { offset: Uint32Array }, fields: readonly string[]) => {
    const out: number[][] = [];
    for (let j = blk.offset[i]; j < blk.offset[i + 1]; j++) out.push(fields.map((f) => blk[f][j]));
    return out;
  };
  const block = (x: unknown) => x as Record<string, Int32Array> & { offset: Uint32Array };
  return {
    muons: rows(block(b.muons), MUON_FIELDS),
    jets: rows(block(b.jets), CALO_FIELDS),
    egammas: rows(block(b.egammas), CALO_FIELDS),
    taus: rows(block(b.taus), CALO_FIELDS),
    sums: SUM_FIELDS.map((f) => b.sums[f][i]),
  };
}

/** Column names of the rows in `GoldenEvent.objects`. */
export const GOLDEN_OBJECT_FIELDS = { muons: MUON_FIELDS, jets: CALO_FIELDS, egammas: CALO_FIELDS, taus: CALO_FIELDS, sums: SUM_FIELDS } as const;

export function runGoldenChain(spec: GoldenSpec, resolve: (f: string) => string): GoldenOutput {
  validateSpec(spec);
  const batches: OrbitBatch[] = [];
  for (const b of generateOrbits(spec.generator)) batches.push(headOfBatch(b, Math.min(b.nBx, spec.eventsPerOrbit)));
  const { merged, faults, streams } = throughLink(batches, spec);
  const models = loadGoldenModels(spec.models, resolve);
  return { models: goldenModelIds(models), faults, streams, events: merged.flatMap((b) => goldenEvents(b, models)) };
}
