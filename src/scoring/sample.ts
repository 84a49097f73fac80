/**
 * Event samples for studies: features (physical units, 57 per row) and truth labels gathered from
 * a stream of orbit batches into one flat typed array, then scored by a model in float and fixed.
 */
import type { OrbitBatch } from "../events/batch.js";
import { N_FEATURES, extractFeatures } from "../events/features.js";
import { rawArrayToValues } from "./fixed.js";
import type { ScoringModel } from "./model.js";

export interface EventSample {
  n: number;
  /** n × 57, physical units. */
  features: Float32Array;
  /** Truth per event (0 background, else signal label); zeros for unlabelled data. */
  label: Uint8Array;
}

/** Refuse samples that would need more memory than a study should ever take. */
export const MAX_SAMPLE_EVENTS = 20_000_000;

/** Features and labels of every stored BX, up to `maxEvents`; `onBatch` sees the count of batches taken. */
export function collectSample(batches: Iterable<OrbitBatch>, maxEvents = MAX_SAMPLE_EVENTS, onBatch?: (done: number) => void): EventSample {
  const parts: Array<{ f: Float32Array; l: Uint8Array }> = [];
  let n = 0;
  let done = 0;
  for (const b of batches) {
    const take = Math.min(b.nBx, maxEvents - n);
    if (take <= 0) break;
    const f = extractFeatures(b).subarray(0, take * N_FEATURES);
    parts.push({ f, l: b.label ? b.label.subarray(0, take) : new Uint8Array(take) });
    n += take;
    onBatch?.(++done);
    if (n >= maxEvents) break; // full: do not produce another batch only to drop it
  }
  const features = new Float32Array(n * N_FEATURES);
  const label = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    features.set(p.f, at * N_FEATURES);
    label.set(p.l, at);
    at += p.l.length;
  }
  return { n, features, label };
}

/** Rows `idx` of a sample, as a new sample. */
export function selectRows(s: EventSample, idx: ArrayLike<number>): EventSample {
  const features = new Float32Array(idx.length * N_FEATURES);
  const label = new Uint8Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    features.set(s.features.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), k * N_FEATURES);
    label[k] = s.label[i];
  }
  return { n: idx.length, features, label };
}

export function concatSamples(a: EventSample, b: EventSample): EventSample {
  const features = new Float32Array((a.n + b.n) * N_FEATURES);
  features.set(a.features.subarray(0, a.n * N_FEATURES));
  features.set(b.features.subarray(0, b.n * N_FEATURES), a.n * N_FEATURES);
  const label = new Uint8Array(a.n + b.n);
  label.set(a.label.subarray(0, a.n));
  label.set(b.label.subarray(0, b.n), a.n);
  return { n: a.n + b.n, features, label };
}

export interface Scores {
  /** Float reference score. */
  float: Float64Array;
  /** Raw fixed-point score bits (what the firmware computes). */
  raw: Int32Array;
  /** `raw` as values in the model's output format. */
  fixed: Float64Array;
}

export function scoreSample(model: ScoringModel, s: EventSample): Scores {
  const float = model.scoreFloat(s.features, s.n);
  const raw = model.scoreFixedRaw(model.quantizeInputs(s.features, s.n), s.n);
  return { float, raw, fixed: rawArrayToValues(raw, model.outputFormat) };
}
