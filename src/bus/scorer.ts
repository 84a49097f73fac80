/**
 * What the score stage needs from a scorer: one call per orbit with that orbit's events, returning
 * one result per event (scored, or failed with a reason). Software models answer synchronously;
 * boards answer with a promise. Both produce the same `ScoreBatch`, so the comparator cannot tell
 * them apart (hardware comes in as a dependency beside its mock).
 */
import type { ScoreBatch } from "../compare/results.js";
import type { OrbitBatch } from "../events/batch.js";

export interface OrbitScoreRequest {
  orbit: number;
  /** Number of events. */
  n: number;
  bx: Uint16Array;
  /** Physical-unit features, n × nFeatures (for float models). */
  features: Float32Array;
  /** Raw fixed-point inputs in the model's input format, n × nFeatures (what a board receives). */
  inputs: Int32Array;
}

export interface Scorer {
  readonly name: string;
  score(req: OrbitScoreRequest): ScoreBatch | Promise<ScoreBatch>;
  close?(): Promise<void>;
}

/** The part of a scoring model (src/scoring `ScoringModel`) the pipeline uses. */
export interface PipelineModel {
  id: string;
  nFeatures: number;
  inputFormat: { width: number; int: number };
  outputFormat: { width: number; int: number; signed?: boolean };
  quantizeInputs(features: Float32Array, n: number): Int32Array;
  scoreFixedRaw(rawInputs: Int32Array, n: number): Int32Array;
  scoreFloat(features: Float32Array, n: number): Float64Array;
  /** Optional one-pass fast path: the same bits as extractFeatures, then quantizeInputs. */
  featuresAndInputs?(batch: OrbitBatch): { features: Float32Array; inputs: Int32Array };
}

/** Value of raw ap_fixed<W,I> bits: raw × 2^-(W−I) (the binary point sits W−I bits up). */
export function scoreValues(raw: Int32Array, format: { width: number; int: number }, out = new Float64Array(raw.length)): Float64Array {
  const scale = Math.pow(2, -(format.width - format.int));
  for (let i = 0; i < raw.length; i++) out[i] = raw[i] * scale;
  return out;
}
