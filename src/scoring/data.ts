/** Feature rows for training and evaluation, straight from the seeded generator (no files needed). */
import { N_FEATURES, extractFeatures } from "../events/features.js";
import { generateOrbits, type GeneratorOptions } from "../trigger/generator.js";

export interface FeatureSet {
  features: Float32Array;
  n: number;
  /** Per-row generator label: 0 background, k = signal index + 1. */
  labels: Uint8Array;
}

/** Generate orbits and extract the 57 physical features of every stored BX (optionally capped). */
export function generatedFeatures(opts: GeneratorOptions & { maxEvents?: number }, onOrbit?: (done: number) => void): FeatureSet {
  const chunks: Float32Array[] = [];
  const labels: Uint8Array[] = [];
  let n = 0;
  let done = 0;
  const cap = opts.maxEvents ?? Infinity;
  for (const batch of generateOrbits(opts)) {
    const take = Math.min(batch.nBx, cap - n);
    const f = extractFeatures(batch);
    chunks.push(f.subarray(0, take * N_FEATURES));
    labels.push(batch.label ? batch.label.slice(0, take) : new Uint8Array(take));
    n += take;
    onOrbit?.(++done);
    if (n >= cap) break;
  }
  const features = new Float32Array(n * N_FEATURES);
  const lab = new Uint8Array(n);
  let o = 0;
  for (let k = 0; k < chunks.length; k++) {
    features.set(chunks[k], o * N_FEATURES);
    lab.set(labels[k], o);
    o += labels[k].length;
  }
  return { features, n, labels: lab };
}

/** Rows whose label equals `label` (e.g. the injected signal out of a mixed sample). */
export function selectLabel(set: FeatureSet, label: number): FeatureSet {
  let m = 0;
  for (let i = 0; i < set.n; i++) if (set.labels[i] === label) m++;
  const features = new Float32Array(m * N_FEATURES);
  let o = 0;
  for (let i = 0; i < set.n; i++) {
    if (set.labels[i] !== label) continue;
    features.set(set.features.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), o * N_FEATURES);
    o++;
  }
  return { features, n: m, labels: new Uint8Array(m).fill(label) };
}
