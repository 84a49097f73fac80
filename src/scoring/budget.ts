/**
 * Where a fixed-point model loses against its float reference on a set of events: per input
 * feature, how many normalised values fall outside the input format (saturated or wrapped by
 * `quantizeInputs`), and the fixed-vs-float score difference (in score units and output LSBs).
 */
import { FEATURE_NAMES } from "../events/features.js";
import { fracBits, rawMax, rawMin, rawToValue } from "./fixed.js";
import type { ScoringModel } from "./model.js";
import type { Normalisation } from "./normalise.js";

export interface FeatureSaturation {
  feature: number;
  name: string;
  /** Normalised values below the smallest / above the largest value of the input format. */
  below: number;
  above: number;
}

export interface FixedBudget {
  inputFormatRange: [number, number];
  /** Features with at least one out-of-range value, most affected first. */
  saturation: FeatureSaturation[];
  /** Events with at least one out-of-range input. */
  eventsSaturated: number;
  /** |fixed − float| of the score over all events. */
  scoreDiff: { max: number; mean: number; p99: number; lsb: number; maxLsb: number };
}

/** The budget of `model` on n rows of physical features (fixed = bits of `rawScores` if given, else computed). */
export function fixedBudget(model: ScoringModel, normalisation: Normalisation, features: Float32Array, n: number, rawScores?: Int32Array): FixedBudget {
  const d = model.nFeatures;
  const f = model.inputFormat;
  const lo = rawToValue(rawMin(f), f), hi = rawToValue(rawMax(f), f);
  const below = new Float64Array(d), above = new Float64Array(d);
  let eventsSaturated = 0;
  for (let i = 0; i < n; i++) {
    let any = false;
    for (let j = 0; j < d; j++) {
      const z = (features[i * d + j] - normalisation.offset[j]) * normalisation.scale[j];
      if (z < lo) { below[j]++; any = true; } else if (z > hi) { above[j]++; any = true; }
    }
    if (any) eventsSaturated++;
  }
  const saturation: FeatureSaturation[] = [];
  for (let j = 0; j < d; j++) {
    if (below[j] + above[j] > 0) saturation.push({ feature: j, name: d === FEATURE_NAMES.length ? FEATURE_NAMES[j] : `feature_${j}`, below: below[j], above: above[j] });
  }
  saturation.sort((a, b) => b.below + b.above - (a.below + a.above) || a.feature - b.feature);
  const raw = rawScores ?? model.scoreFixedRaw(model.quantizeInputs(features, n), n);
  const float = model.scoreFloat(features, n);
  const lsb = 2 ** -fracBits(model.outputFormat);
  const diffs = Float64Array.from({ length: n }, (_, i) => Math.abs(rawToValue(raw[i], model.outputFormat) - float[i])).sort();
  const max = n ? diffs[n - 1] : 0;
  const mean = n ? diffs.reduce((a, b) => a + b, 0) / n : 0;
  return {
    inputFormatRange: [lo, hi], saturation, eventsSaturated,
    scoreDiff: { max, mean, p99: n ? diffs[Math.min(n - 1, Math.floor(0.99 * n))] : 0, lsb, maxLsb: max / lsb },
  };
}
