/** Feature rows for training and evaluation, straight from the seeded generator (no files needed). */
import { collectSample } from "./sample.js";
import { generateOrbits, type GeneratorOptions } from "../trigger/generator.js";

export interface FeatureSet {
  features: Float32Array;
  n: number;
  /** Per-row generator label: 0 background, k = signal index + 1. */
  labels: Uint8Array;
}

/** Generate orbits and extract the 57 physical features of every stored BX (optionally capped). */
export function generatedFeatures(opts: GeneratorOptions & { maxEvents?: number }, onOrbit?: (done: number) => void): FeatureSet {
  const s = collectSample(generateOrbits(opts), opts.maxEvents ?? Infinity, onOrbit);
  return { features: s.features, n: s.n, labels: s.label };
}
