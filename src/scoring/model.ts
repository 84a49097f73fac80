/**
 * The scoring-model contract shared by every model kind, the board emulator and the pipeline:
 * physical features → (normalise, quantise) → raw input bits → raw score bits, plus a float
 * reference of the same score. Bigger scores are always more anomalous.
 */
import { createHash } from "node:crypto";
import type { OrbitBatch } from "../events/batch.js";
import type { FixedFormat } from "./fixed.js";

export type ModelKind = "iforest" | "eif" | "ae" | "vae" | "gmm";

export interface ScoringModel {
  kind: ModelKind;
  /** Stable id: sha256 of the canonical model JSON, first 16 hex digits. */
  id: string;
  /** How (normalised) features are quantised for fixed-point inference. */
  inputFormat: FixedFormat;
  /** Format of the raw score bits. */
  outputFormat: FixedFormat;
  nFeatures: number;
  /** True for models with no fixed-point inference (their formats are nominal; quantizeInputs/scoreFixedRaw throw). */
  floatOnly?: boolean;
  /** Float reference score, one per row (same scale as the fixed output's value). */
  scoreFloat(features: Float32Array, n: number): Float64Array;
  /** Raw input bits (n × nFeatures): normalise, then quantise to `inputFormat`. */
  quantizeInputs(features: Float32Array, n: number): Int32Array;
  /** Raw score bits in `outputFormat`: the bit-exact model of the firmware. */
  scoreFixedRaw(rawInputs: Int32Array, n: number): Int32Array;
  /** Optional fast path (native scorers): features of a batch and their raw inputs in one pass, the same bits as extractFeatures + quantizeInputs. */
  featuresAndInputs?(batch: OrbitBatch): { features: Float32Array; inputs: Int32Array };
  /** The model as JSON (what `loadModel` reads back). */
  toJSON(): unknown;
}

/**
 * The model cannot be scored the way that was asked — a float-only model where fixed-point scores
 * are needed, or no native (C++) scorer for it: the command was called wrongly (exit 2), before
 * any work starts.
 */
export class ScorerUnavailableError extends Error {
  override name = "ScorerUnavailableError";
}

/** The one line for a float-only model asked for fixed point by `what` (a backend, a command). */
export function floatOnlyError(model: { id: string; kind?: string }, what: string): ScorerUnavailableError {
  return new ScorerUnavailableError(
    `model ${model.id} (${model.kind ?? "?"}) is float-only (no firmware design, fixed-point or native scorer), so ${what} cannot score it: score it in float with \`scoutloop score\` or \`scoutloop eval\` without --fixed/--native`,
  );
}

/** Canonical JSON: keys sorted at every level, so equal models hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Model id from its JSON (the `id` field itself is left out). */
export function modelId(json: Record<string, unknown>): string {
  const { id: _ignored, ...rest } = json;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex").slice(0, 16);
}

/** Check an input buffer holds n rows of `nFeatures`; clear errors instead of silent garbage. */
export function checkRows(data: { length: number }, n: number, nFeatures: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what}: row count must be a non-negative integer, got ${n}`);
  if (data.length < n * nFeatures) throw new RangeError(`${what}: ${data.length} values cannot hold ${n} rows of ${nFeatures}`);
}

/** Read a numeric array field from model JSON, with its expected length. */
export function numberArray(value: unknown, what: string, length?: number): number[] {
  if (!Array.isArray(value)) throw new TypeError(`${what}: expected an array of numbers`);
  if (length !== undefined && value.length !== length) throw new RangeError(`${what}: expected ${length} entries, got ${value.length}`);
  for (const v of value) if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${what}: every entry must be a finite number`);
  return value as number[];
}
